package synth

import "text/template"

// serviceTemplate is a service's main package.
var serviceTemplate = template.Must(template.New("service").Parse(`// Command {{.Name}} is a service of the synthetic application {{.App}}, written by
// package synth. GET /work calls {{len .Callees}} other services, each up to {{.Attempts}} times,
// and answers the tree of the calls made.
//
// It listens on the address given by -addr and finds each service it calls through
// its <NAME>_URL variable.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

// attempts is the number of times a call is tried before it counts as failed.
const attempts = {{.Attempts}}

// callTimeout is the timeout of every call.
const callTimeout = 10 * time.Second

// latency is how long GET /work waits before it answers.
const latency = time.Duration({{.Latency}})

// callee is a service this one calls.
type callee struct {
	name string
	env  string // the variable holding its URL
	url  string
	// optional says whether the call's failure is tolerated: the answer then
	// carries a fallback node instead of failing.
	optional bool
}

// callees are the services GET /work calls, in order.
var callees = []callee{
{{- range .Callees}}
	{name: "{{.Name}}", env: "{{.Env}}", optional: {{.Optional}}},
{{- end}}
}

// node is an answer of GET /work.
type node struct {
	Service  string ` + "`json:\"service\"`" + `
	Fallback bool   ` + "`json:\"fallback,omitempty\"`" + `
	Calls    []node ` + "`json:\"calls,omitempty\"`" + `
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	for i, c := range callees {
		callees[i].url = os.Getenv(c.env)
		if callees[i].url == "" {
			log.Fatalf("{{.Name}}: %s, the URL of %s, is not set", c.env, c.name)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /work", work)

	log.Printf("{{.Name}}: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(` + "`" + `{"status": "OK"}` + "`" + `))
}

// work calls every callee in turn. It answers 503 when a required call fails.
func work(w http.ResponseWriter, r *http.Request) {
	time.Sleep(latency)
	result := node{Service: "{{.Name}}"}
	for _, c := range callees {
		n, err := call(c)
		if err != nil {
			if !c.optional {
				http.Error(w, c.name+" failed: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			n = node{Service: c.name, Fallback: true}
		}
		result.Calls = append(result.Calls, n)
	}
	body, err := json.Marshal(result)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// call tries GET /work on c up to attempts times and returns the first answer.
func call(c callee) (node, error) {
	var err error
	for range attempts {
		var n node
		if n, err = get(c.url + "/work"); err == nil {
			return n, nil
		}
	}
	return node{}, err
}

// get sends one GET to url and decodes its 200 answer.
func get(url string) (node, error) {
	client := &http.Client{Timeout: callTimeout}
	resp, err := client.Get(url)
	if err != nil {
		return node{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return node{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	var n node
	if err := json.NewDecoder(resp.Body).Decode(&n); err != nil {
		return node{}, err
	}
	return n, nil
}
`))

// functionalTemplate is the functional test's main package.
var functionalTemplate = template.Must(template.New("functional").Parse(`// Command functional is the functional test of the synthetic application {{.App}},
// written by package synth. It sends GET /work to the entry service and compares the
// answer with the tree of calls the application's graph predicts: without a fault,
// 200 and exactly that tree; with one, 503 (a required call failed), or 200 and the
// tree with some optional calls replaced by fallbacks. It exits 0 when the test passes,
// after printing an "outcome:" line that says which of these it saw, and 1 when it
// fails.
//
// It finds the entry service at {{.Entry}} and the coordinator at FILIBUSTER_URL.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// want is the tree of calls: each node's service, whether the call to it is optional,
// and the calls it makes.
const want = {{.Want}}

// node is a node of the answer, or of want.
type node struct {
	Service  string ` + "`json:\"service\"`" + `
	Optional bool   ` + "`json:\"optional\"`" + `
	Fallback bool   ` + "`json:\"fallback\"`" + `
	Calls    []node ` + "`json:\"calls\"`" + `
}

func main() {
	var expected node
	if err := json.Unmarshal([]byte(want), &expected); err != nil {
		fail(fmt.Errorf("decoding the expected tree: %w", err))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(os.Getenv("{{.Entry}}") + "/work")
	if err != nil {
		fail(fmt.Errorf("requesting /work: %w", err))
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(fmt.Errorf("reading /work: %w", err))
	}
	faulted := runtime.WasFaultInjected()
	if err := check(faulted, resp.StatusCode, body, expected); err != nil {
		fail(err)
	}
	fmt.Println("outcome:", outcome(faulted, resp.StatusCode, body))
}

// check checks an answer, given whether the execution injects a fault.
func check(faulted bool, status int, body []byte, expected node) error {
	if faulted && status == http.StatusServiceUnavailable {
		return nil
	}
	if status != http.StatusOK {
		return fmt.Errorf("status %d (fault injected: %t)", status, faulted)
	}
	var got node
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Errorf("decoding the answer %q: %w", body, err)
	}
	return match(faulted, got, expected)
}

// outcome describes an answer that passed check: "503", "fallback" (200 with a
// fallback in the tree), "complete after a fault" (the whole tree although a fault
// was injected: retries hid it) or "complete".
func outcome(faulted bool, status int, body []byte) string {
	if status != http.StatusOK {
		return fmt.Sprint(status)
	}
	var got node
	json.Unmarshal(body, &got)
	if hasFallback(got) {
		return "fallback"
	}
	if faulted {
		return "complete after a fault"
	}
	return "complete"
}

// hasFallback reports whether the tree holds a fallback.
func hasFallback(n node) bool {
	if n.Fallback {
		return true
	}
	for _, c := range n.Calls {
		if hasFallback(c) {
			return true
		}
	}
	return false
}

// match reports how got differs from want; a fallback is allowed in place of an
// optional call when a fault is injected.
func match(faulted bool, got, want node) error {
	if got.Service != want.Service {
		return fmt.Errorf("service %s where %s is expected", got.Service, want.Service)
	}
	if got.Fallback {
		if !faulted || !want.Optional {
			return fmt.Errorf("fallback for %s (optional: %t, fault injected: %t)", got.Service, want.Optional, faulted)
		}
		if len(got.Calls) > 0 {
			return fmt.Errorf("fallback for %s with calls", got.Service)
		}
		return nil
	}
	if len(got.Calls) != len(want.Calls) {
		return fmt.Errorf("%s made %d calls, want %d", got.Service, len(got.Calls), len(want.Calls))
	}
	for i := range got.Calls {
		if err := match(faulted, got.Calls[i], want.Calls[i]); err != nil {
			return err
		}
	}
	return nil
}

// fail reports err and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
	os.Exit(1)
}
`))
