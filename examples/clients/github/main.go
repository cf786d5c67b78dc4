// Command github is a stand-in for the GitHub API in the clients example: an httprouter
// router under negroni middleware, served by negroni's Run. It knows one client and one
// repository.
//
//	POST /login/oauth/access_token        grant_type=client_credentials, the client's id
//	                                      and secret in basic auth: 200 {"access_token",
//	                                      "token_type", "expires_in"}; 401 {"error":
//	                                      "invalid_client"}; 400 {"error":
//	                                      "unsupported_grant_type"}
//	GET  /api/v3/repos/:owner/:repo       200 the repository; 404 {"message": "Not Found"}
//	GET  /api/v3/repos/:owner/:repo/tags  200 [{"name", "commit": {"sha"}}]; 404
//
// The API routes need a token it issued, as "Authorization: Bearer <token>": a
// middleware answers 401 {"message": "Bad credentials"} otherwise.
//
// It listens on the address given by -addr (default 127.0.0.1:5301) and calls no other
// service.
package main

import (
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/julienschmidt/httprouter"
	"github.com/urfave/negroni/v3"
)

// The one client that may ask for tokens.
const (
	clientID     = "repos"
	clientSecret = "repos-secret"
)

// repo is the part of GitHub's repository object that repos reads.
type repo struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	FullName      string `json:"full_name"`
	Description   string `json:"description"`
	Stars         int    `json:"stargazers_count"`
	DefaultBranch string `json:"default_branch"`
}

// tag is one entry of GitHub's list of tags.
type tag struct {
	Name   string `json:"name"`
	Commit struct {
		SHA string `json:"sha"`
	} `json:"commit"`
}

// repos are the repositories it knows, by full name, and their tags, newest first.
var repos = map[string]struct {
	repo repo
	tags []tag
}{
	"filibuster-go/filibuster-gen": {
		repo: repo{
			ID:            1,
			Name:          "filibuster-gen",
			FullName:      "filibuster-go/filibuster-gen",
			Description:   "Service-level fault injection for Go",
			Stars:         42,
			DefaultBranch: "main",
		},
		tags: []tag{newTag("v0.2.0", "b7e1"), newTag("v0.1.0", "a3c9")},
	},
}

func newTag(name, sha string) tag {
	t := tag{Name: name}
	t.Commit.SHA = sha
	return t
}

// tokens are the tokens issued so far. Handlers run concurrently, so every access
// holds mu.
type tokens struct {
	mu     sync.Mutex
	issued map[string]bool
	last   int // the number of the last token issued
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5301", "address to listen on")
	flag.Parse()

	t := &tokens{issued: make(map[string]bool)}
	r := httprouter.New()
	r.GET("/health-check", healthCheck)
	r.POST("/login/oauth/access_token", t.issue)
	r.GET("/api/v3/repos/:owner/:repo", getRepo)
	r.GET("/api/v3/repos/:owner/:repo/tags", listTags)

	n := negroni.New(negroni.NewRecovery(), negroni.HandlerFunc(t.requireToken))
	n.UseHandler(r)
	n.Run(*addr)
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// issue answers a client-credentials token request from the known client.
func (t *tokens) issue(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(clientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostFormValue("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	t.mu.Lock()
	t.last++
	token := fmt.Sprintf("tok-%d", t.last)
	t.issued[token] = true
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": token, "token_type": "bearer", "expires_in": 3600})
}

// requireToken is the negroni middleware that lets a request to the API through only
// with a token it issued.
func (t *tokens) requireToken(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		t.mu.Lock()
		ok = ok && t.issued[token]
		t.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
			return
		}
	}
	next(w, r)
}

// getRepo answers the repository named in the path, or 404.
func getRepo(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	known, ok := repos[ps.ByName("owner")+"/"+ps.ByName("repo")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, known.repo)
}

// listTags answers the tags of the repository named in the path, or 404.
func listTags(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	known, ok := repos[ps.ByName("owner")+"/"+ps.ByName("repo")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, known.tags)
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("github: writing response: %v", err)
	}
}
