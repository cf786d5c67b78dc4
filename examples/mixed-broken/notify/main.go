// Command notify is the notification service of the mixed-broken example, plain net/http: it
// accepts notifications to send to account holders.
//
//	POST /notifications   {"account", "message"}: 202, 400 for a malformed notification
//
// It listens on the address given by -addr and calls no other service. Nothing is
// actually sent: the notifications are counted.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"sync/atomic"
)

// notification is the body of POST /notifications.
type notification struct {
	Account string `json:"account"`
	Message string `json:"message"`
}

// accepted counts the notifications accepted.
var accepted atomic.Int64

func main() {
	addr := flag.String("addr", "127.0.0.1:5203", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("POST /notifications", createNotification)

	log.Printf("notify: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// createNotification accepts a notification and answers 202; 400 when the body is not
// a notification.
func createNotification(w http.ResponseWriter, r *http.Request) {
	var n notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(w, "malformed notification: "+err.Error(), http.StatusBadRequest)
		return
	}
	if n.Account == "" || n.Message == "" {
		http.Error(w, "a notification needs an account and a message", http.StatusBadRequest)
		return
	}
	accepted.Add(1)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("notify: writing response: %v", err)
	}
}
