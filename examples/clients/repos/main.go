// Command repos is the entry service of the clients example, a gorilla/mux router: it
// answers what GitHub knows about a repository.
//
//	GET /repos/{owner}/{repo}   200 {"full_name", "description", "stars", "default_branch",
//	                            "tags"}, or the same with "tags_unavailable": true and no
//	                            tags when GitHub fails to list them; 404 when GitHub has no
//	                            such repository; 503 when GitHub fails otherwise
//
// It asks GitHub with a go-github client pointed at GITHUB_URL (its WithEnterpriseURLs)
// whose http.Client comes from an x/oauth2 client-credentials config: the client fetches
// a token from GITHUB_URL/login/oauth/access_token before its first API call. Each request
// gets a client of its own, as it would for a tenant's own credentials, so every request
// fetches its token.
//
// Every failure of a GitHub call is logged on one line, saying which call failed and how
// the libraries reported it:
//
//	repos: owner/repo: repository: oauth2.RetrieveError 503: <the error>
//	repos: owner/repo: tags: github.ErrorResponse 404: <the error>
//	repos: owner/repo: repository: timeout: <the error>
//	repos: owner/repo: repository: connection refused: <the error>
//
// It listens on the address given by -addr (default 127.0.0.1:5300) and finds GitHub at
// GITHUB_URL (default http://127.0.0.1:5301).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/google/go-github/v75/github"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The credentials repos authenticates to GitHub with; the github service knows them.
const (
	clientID     = "repos"
	clientSecret = "repos-secret"
)

// callTimeout bounds all the GitHub calls of one request, the token's included.
const callTimeout = 5 * time.Second

// repository is the answer to GET /repos/{owner}/{repo}.
type repository struct {
	FullName        string   `json:"full_name"`
	Description     string   `json:"description"`
	Stars           int      `json:"stars"`
	DefaultBranch   string   `json:"default_branch"`
	Tags            []string `json:"tags"`
	TagsUnavailable bool     `json:"tags_unavailable,omitempty"`
}

// server answers requests with GitHub's help.
type server struct {
	auth      clientcredentials.Config
	githubURL string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5300", "address to listen on")
	flag.Parse()

	githubURL := os.Getenv("GITHUB_URL")
	if githubURL == "" {
		githubURL = "http://127.0.0.1:5301"
	}
	s := &server{
		auth: clientcredentials.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			TokenURL:     githubURL + "/login/oauth/access_token",
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		githubURL: githubURL,
	}

	r := mux.NewRouter()
	r.HandleFunc("/health-check", healthCheck).Methods(http.MethodGet)
	r.HandleFunc("/repos/{owner}/{repo}", s.getRepository).Methods(http.MethodGet)

	log.Printf("repos: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, r))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// client returns a GitHub client whose calls are authenticated with a token fetched,
// with ctx, on its first call.
func (s *server) client(ctx context.Context) (*github.Client, error) {
	gh, err := github.NewClient(s.auth.Client(ctx)).WithEnterpriseURLs(s.githubURL, s.githubURL)
	if err != nil {
		return nil, fmt.Errorf("GitHub client for %s: %w", s.githubURL, err)
	}
	return gh, nil
}

// getRepository answers the repository named in the path and its tags.
func (s *server) getRepository(w http.ResponseWriter, r *http.Request) {
	owner, name := mux.Vars(r)["owner"], mux.Vars(r)["repo"]
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	gh, err := s.client(ctx)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}

	// The client's first call fetches the token, then gets the repository.
	repo, _, err := gh.Repositories.Get(ctx, owner, name)
	if err != nil {
		how := logFailure(owner, name, "repository", err)
		var notFound *github.ErrorResponse
		if errors.As(err, &notFound) && notFound.Response.StatusCode == http.StatusNotFound {
			writeError(w, http.StatusNotFound, "GitHub has no repository "+owner+"/"+name)
			return
		}
		writeError(w, http.StatusServiceUnavailable, "GitHub unavailable: "+how)
		return
	}
	answer := repository{
		FullName:      repo.GetFullName(),
		Description:   repo.GetDescription(),
		Stars:         repo.GetStargazersCount(),
		DefaultBranch: repo.GetDefaultBranch(),
	}

	// The tags are a nicety: without them the answer is still useful.
	tags, _, err := gh.Repositories.ListTags(ctx, owner, name, nil)
	if err != nil {
		logFailure(owner, name, "tags", err)
		answer.TagsUnavailable = true
	}
	for _, t := range tags {
		answer.Tags = append(answer.Tags, t.GetName())
	}
	writeJSON(w, http.StatusOK, answer)
}

// logFailure logs the failure of a GitHub call (see the package doc) and returns how
// the libraries reported it.
func logFailure(owner, name, call string, err error) string {
	how := failure(err)
	log.Printf("repos: %s/%s: %s: %s: %v", owner, name, call, how, err)
	return how
}

// failure says how x/oauth2 and go-github reported err: a token endpoint's refusal
// (oauth2.RetrieveError), an API error status (github.ErrorResponse), a timeout, a
// refused connection, or something else.
func failure(err error) string {
	var refused *oauth2.RetrieveError
	var status *github.ErrorResponse
	var netErr net.Error
	switch {
	case errors.As(err, &refused):
		return fmt.Sprintf("oauth2.RetrieveError %d", refused.Response.StatusCode)
	case errors.As(err, &status):
		return fmt.Sprintf("github.ErrorResponse %d", status.Response.StatusCode)
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	return fmt.Sprintf("other (%T)", err)
}

// writeError answers status with a JSON error message.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("repos: writing response: %v", err)
	}
}
