// Command gateway is the entry service of the mixed-broken example, a chi router: it makes
// transfers between accounts.
//
//	POST /transfers   {"from", "to", "amount"}: 201 {"entry", "from", "to", "amount"},
//	                  404 for an unknown account, 409 when from holds too little,
//	                  400 for a malformed transfer, 503 when a service it needs fails
//
// A transfer looks both accounts up with accounts, through the client generated from
// ../accountsapi/openapi.yaml over an otelhttp transport; records it with ledger through
// resty; and tells notify through go-retryablehttp, best effort.
//
// It listens on the address given by -addr and finds the other services at ACCOUNTS_URL,
// LEDGER_URL and NOTIFY_URL (default 127.0.0.1:5201, 5202 and 5203).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/filibuster-go/filibuster-gen/examples/mixed-broken/accountsapi"
)

// transfer is the body of POST /transfers, and what gateway sends ledger.
type transfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"` // in cents
}

// entry is ledger's answer to a recorded transfer.
type entry struct {
	Entry string `json:"entry"`
}

// gateway holds the clients of the services a transfer needs.
type gateway struct {
	accounts  *accountsapi.ClientWithResponses
	ledger    *resty.Client
	ledgerURL string
	notify    *retryablehttp.Client
	notifyURL string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5200", "address to listen on")
	flag.Parse()

	g, err := newGateway(
		serviceURL("ACCOUNTS_URL", "http://127.0.0.1:5201"),
		serviceURL("LEDGER_URL", "http://127.0.0.1:5202"),
		serviceURL("NOTIFY_URL", "http://127.0.0.1:5203"),
	)
	if err != nil {
		log.Fatal(err)
	}

	r := chi.NewRouter()
	r.Get("/health-check", healthCheck)
	r.Post("/transfers", g.createTransfer)

	log.Printf("gateway: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, r))
}

// serviceURL returns the value of the environment variable name, or def when it is unset.
func serviceURL(name, def string) string {
	if u := os.Getenv(name); u != "" {
		return u
	}
	return def
}

// newGateway makes the three clients. The accounts client's transport is traced with
// otelhttp; no tracer provider is installed, so the global no-op one is used and no span
// leaves the process.
func newGateway(accountsURL, ledgerURL, notifyURL string) (*gateway, error) {
	traced := &http.Client{
		Transport: otelhttp.NewTransport(http.DefaultTransport),
		Timeout:   5 * time.Second,
	}
	accounts, err := accountsapi.NewClientWithResponses(accountsURL, accountsapi.WithHTTPClient(traced))
	if err != nil {
		return nil, fmt.Errorf("accounts client: %w", err)
	}

	notify := retryablehttp.NewClient()
	notify.RetryMax = 2
	notify.RetryWaitMin = 10 * time.Millisecond
	notify.RetryWaitMax = 50 * time.Millisecond
	notify.HTTPClient.Timeout = 5 * time.Second
	notify.Logger = nil

	return &gateway{
		accounts:  accounts,
		ledger:    resty.New().SetTimeout(5 * time.Second),
		ledgerURL: ledgerURL,
		notify:    notify,
		notifyURL: notifyURL,
	}, nil
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// createTransfer checks both accounts exist, records the transfer with ledger, notifies
// the sender and answers 201 with the ledger's entry id.
func (g *gateway) createTransfer(w http.ResponseWriter, r *http.Request) {
	var t transfer
	if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
		http.Error(w, "malformed transfer: "+err.Error(), http.StatusBadRequest)
		return
	}
	if t.From == "" || t.To == "" || t.From == t.To || t.Amount <= 0 {
		http.Error(w, "a transfer needs two different accounts and a positive amount", http.StatusBadRequest)
		return
	}

	// 1. Both accounts must exist: a 404 from accounts is the caller's mistake, any
	// other failure means accounts is unavailable.
	for _, id := range []string{t.From, t.To} {
		resp, err := g.accounts.GetAccountWithResponse(r.Context(), id)
		if err != nil {
			http.Error(w, "accounts unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		switch {
		case resp.StatusCode() == http.StatusNotFound:
			http.Error(w, "no account "+id, http.StatusNotFound)
			return
		case resp.JSON200 == nil:
			http.Error(w, fmt.Sprintf("accounts unavailable: status %d", resp.StatusCode()), http.StatusServiceUnavailable)
			return
		}
	}

	// 2. Record the transfer. The ledger decides whether the funds suffice.
	id, status, err := g.record(r, t)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}

	// 3. Tell the sender, best effort: the transfer is made whatever notify says.
	if err := g.sendNotification(r, t, id); err != nil {
		log.Printf("gateway: notifying %s of %s: %v", t.From, id, err)
	}

	writeJSON(w, http.StatusCreated, map[string]any{"entry": id, "from": t.From, "to": t.To, "amount": t.Amount})
}

// record asks ledger to record t and returns the entry's id; or, when it was not
// recorded, the status to answer and why: 409 when ledger says the funds are
// insufficient, 503 when ledger refuses the entry otherwise.
//
// THE BUG: when ledger cannot be reached or fails (a transport error or a 5xx), gateway
// answers 500, as if the fault were its own, instead of 503 (examples/mixed).
func (g *gateway) record(r *http.Request, t transfer) (string, int, error) {
	resp, err := g.ledger.R().SetContext(r.Context()).SetBody(t).Post(g.ledgerURL + "/entries")
	if err != nil {
		return "", http.StatusInternalServerError, fmt.Errorf("recording the transfer: %w", err)
	}
	switch code := resp.StatusCode(); {
	case code == http.StatusConflict:
		return "", http.StatusConflict, errors.New("insufficient funds")
	case code >= 500:
		return "", http.StatusInternalServerError, fmt.Errorf("recording the transfer: status %d", code)
	case code != http.StatusCreated:
		return "", http.StatusServiceUnavailable, fmt.Errorf("ledger refused the entry: status %d", code)
	}
	var e entry
	if err := json.Unmarshal(resp.Body(), &e); err != nil || e.Entry == "" {
		return "", http.StatusServiceUnavailable, fmt.Errorf("ledger answered an entry without an id: %q", resp.Body())
	}
	return e.Entry, 0, nil
}

// sendNotification tells notify about the transfer. go-retryablehttp retries a
// transport error or a 5xx twice, 10 to 50 ms apart.
func (g *gateway) sendNotification(r *http.Request, t transfer, id string) error {
	body, err := json.Marshal(map[string]string{
		"account": t.From,
		"message": fmt.Sprintf("transfer %s: %d to %s", id, t.Amount, t.To),
	})
	if err != nil {
		return err
	}
	req, err := retryablehttp.NewRequestWithContext(r.Context(), http.MethodPost, g.notifyURL+"/notifications", body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.notify.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("gateway: writing response: %v", err)
	}
}
