package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// transcript is a recording of the reference coordinator (testdata/conformance).
type transcript struct {
	Executions []struct {
		Exchanges []struct {
			Method   string         `json:"method"`
			Path     string         `json:"path"`
			Request  map[string]any `json:"request"`
			Response map[string]any `json:"response"`
		} `json:"exchanges"`
		ExitCode int `json:"exit_code"`
	} `json:"executions"`
}

// replayCoordinator answers as a transcript's execution did, and records the requests.
type replayCoordinator struct {
	t    *testing.T
	mu   sync.Mutex
	want []map[string]any // responses of the current execution, in order
	got  []exchange
}

func (c *replayCoordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == streamPath {
		// The reference server has no such endpoint: Flask answers 404, and the
		// runtime goes on without streams (protocol.md, "The stream extension").
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		json.Unmarshal(data, &body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	i := len(c.got)
	c.got = append(c.got, exchange{r.Method, r.URL.Path, body})
	if i >= len(c.want) {
		http.Error(w, "more requests than the transcript", http.StatusBadRequest)
		return
	}
	answer := c.want[i]
	if r.URL.Path == "/filibuster/create" && answer["execution_index"] != nil {
		// Our execution index has our hashes: answer with it.
		copied := make(map[string]any)
		for k, v := range answer {
			copied[k] = v
		}
		copied["execution_index"] = body["execution_index"]
		answer = copied
	}
	json.NewEncoder(w).Encode(answer)
}

// TestConformanceCinema1Transcript drives the runtime through cinema-1's call pattern
// (users calls bookings, then movies) against a coordinator that answers as the
// reference server did, and checks that the runtime sends the same requests as the
// reference instrumentation, execution by execution. The transcript is the repository's
// copy (testdata/conformance); a missing one is a failure.
func TestConformanceCinema1Transcript(t *testing.T) {
	path := filepath.Join("..", "testdata", "conformance", "cinema-1-dr.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the conformance transcripts are part of the repository: %v", err)
	}
	var tr transcript
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	coord := &replayCoordinator{t: t}
	srv := httptest.NewServer(coord)
	t.Cleanup(srv.Close)
	useEnv(t, "FILIBUSTER_URL", srv.URL)

	client := &http.Client{Timeout: 10 * time.Second}
	movies := startService(t, "movies", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"title": "Creed", "rating": 8.8, "uri": "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"}`)
	})
	bookings := startService(t, "bookings", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"20151201": ["267eedb8-0f5d-42d5-8f43-72426b9fb3e6"]}`)
	})
	users := startService(t, "users", func(s *service, w http.ResponseWriter, r *http.Request) {
		site := Site{ID: "users-bookings", File: "users/main.go", Line: 98, Func: "main.userBookings"}
		resp, err := ClientGet(site, r, client, bookings.url+"/bookings/chris_rivers")
		if err != nil {
			http.Error(w, "bookings unavailable", http.StatusServiceUnavailable)
			return
		}
		var booked map[string][]string
		json.NewDecoder(resp.Body).Decode(&booked)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound:
			http.Error(w, "not found", http.StatusNotFound)
			return
		case resp.StatusCode != http.StatusOK:
			http.Error(w, "bookings malfunctioning", http.StatusServiceUnavailable)
			return
		}
		for _, ids := range booked {
			for _, id := range ids {
				site := Site{ID: "users-movies", File: "users/main.go", Line: 113, Func: "main.userBookings"}
				resp, err := ClientGet(site, r, client, movies.url+"/movies/"+id)
				if err != nil {
					http.Error(w, "movies unavailable", http.StatusServiceUnavailable)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					http.Error(w, "movies malfunctioning", http.StatusServiceUnavailable)
					return
				}
			}
		}
		io.WriteString(w, "{}")
	})
	ports := map[string]string{
		port(users.url): "users", port(bookings.url): "bookings", port(movies.url): "movies",
		"5000": "users", "5003": "bookings", "5001": "movies",
	}

	ours, theirs := newKeyNames(), newKeyNames()
	if len(tr.Executions) != 9 {
		t.Fatalf("transcript has %d executions, want cinema-1's 9", len(tr.Executions))
	}
	for n, ex := range tr.Executions {
		coord.mu.Lock()
		coord.got = nil
		coord.want = nil
		for _, e := range ex.Exchanges {
			coord.want = append(coord.want, e.Response)
		}
		coord.mu.Unlock()

		// The functional test: one plain request, then the conditional assertion.
		resp, err := http.Get(users.url + "/users/chris_rivers/bookings")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		injected := WasFaultInjected()
		passed := resp.StatusCode == 200 && !injected || resp.StatusCode != 200 && injected
		if !passed != (ex.ExitCode != 0) {
			t.Errorf("execution %d: functional test passed=%t, the transcript's exit code is %d", n, passed, ex.ExitCode)
		}

		got := coord.got
		if len(got) != len(ex.Exchanges) {
			t.Errorf("execution %d: %d requests, the transcript has %d", n, len(got), len(ex.Exchanges))
		}
		for i := 0; i < len(got) && i < len(ex.Exchanges); i++ {
			want := ex.Exchanges[i]
			g := normalizeRequest(got[i].body, ours, ports)
			w := normalizeRequest(want.Request, theirs, ports)
			if got[i].method != want.Method || got[i].path != want.Path || !reflect.DeepEqual(g, w) {
				gj, _ := json.Marshal(g)
				wj, _ := json.Marshal(w)
				t.Errorf("execution %d, request %d:\n got %s %s %s\nwant %s %s %s", n, i, got[i].method, got[i].path, gj, want.Method, want.Path, wj)
			}
		}
	}
}

// keyNames gives execution-index keys stable names in order of first appearance, so
// that indexes made with different hashes can be compared.
type keyNames map[string]string

func newKeyNames() keyNames { return make(keyNames) }

var eiKey = regexp.MustCompile(`"[0-9a-f]{32}"`)

func (k keyNames) ei(s string) string {
	return eiKey.ReplaceAllStringFunc(s, func(key string) string {
		if _, ok := k[key]; !ok {
			k[key] = fmt.Sprintf(`"K%d"`, len(k)+1)
		}
		return k[key]
	})
}

// normalizeRequest drops what legitimately differs between the Go runtime and the
// reference Python instrumentation (call-site hashes and places, module and method
// naming, body digests of differently encoded JSON, ports) and names EI keys.
func normalizeRequest(body map[string]any, keys keyNames, ports map[string]string) map[string]any {
	if body == nil {
		return nil
	}
	out := make(map[string]any)
	for k, v := range body {
		switch k {
		case "callsite_file", "callsite_line", "full_traceback", "module":
		case "method":
			out[k] = strings.ToUpper(v.(string))
		case "execution_index":
			out[k] = keys.ei(v.(string))
		case "args":
			var args []any
			for _, a := range v.([]any) {
				s := a.(string)
				if p, rest, ok := strings.Cut(s, "/"); ok {
					s = ports[p] + "/" + rest
				}
				args = append(args, s)
			}
			out[k] = args
		case "return_value":
			rv := make(map[string]any)
			for rk, rvv := range v.(map[string]any) {
				if rk != "text" {
					rv[rk] = rvv
				}
			}
			out[k] = rv
		default:
			out[k] = v
		}
	}
	return out
}
