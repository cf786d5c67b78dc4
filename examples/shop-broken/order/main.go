// Command order is the order service of the shop-broken example and its entry service:
// POST /orders places an order, {"item": "widget", "quantity": 1, "card": "..."}, and
// answers 201 {"order", "reservation", "charge", "amount"}.
//
// Placing an order takes four steps:
//
//  1. In parallel, on two goroutines, it asks the catalog for the item's price and the
//     inventory for its stock. Without the price there is no order (503; 404 for an item
//     the shop does not sell). The stock check is advisory: when it fails the order goes
//     on, since the reservation is authoritative.
//  2. It reserves the quantity with the inventory (409 when out of stock).
//  3. It charges the card with the payments service, trying twice when the call fails or
//     payments answers 5xx. A declined card (402) is not retried.
//  4. When the charge fails, it releases the reservation (DELETE /reservations/<id>) and
//     answers 402 for a declined card, 503 otherwise.
//
// It listens on the address given by -addr and finds the other services at CATALOG_URL,
// INVENTORY_URL and PAYMENTS_URL (defaults http://127.0.0.1:5101, :5102 and :5103).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The base URLs of the services order calls.
var (
	catalogURL   = envOr("CATALOG_URL", "http://127.0.0.1:5101")
	inventoryURL = envOr("INVENTORY_URL", "http://127.0.0.1:5102")
	paymentsURL  = envOr("PAYMENTS_URL", "http://127.0.0.1:5103")
)

// client is used for every outgoing call. Its timeout bounds each call, reading the
// answer included.
var client = &http.Client{Timeout: 5 * time.Second}

// chargeAttempts is how many times a charge is tried before the order gives up.
const chargeAttempts = 2

// chargeBackoff is the pause between two attempts of a charge.
const chargeBackoff = 10 * time.Millisecond

// lastOrder numbers the orders placed since the service started.
var lastOrder atomic.Int64

// orderRequest is the body of POST /orders.
type orderRequest struct {
	Card     string `json:"card"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// orderResponse is the answer to a successful POST /orders.
type orderResponse struct {
	Amount      int    `json:"amount"` // in cents
	Charge      string `json:"charge"`
	Order       string `json:"order"`
	Reservation string `json:"reservation"`
}

// catalogItem is the catalog's answer to GET /items/{item}.
type catalogItem struct {
	Item  string `json:"item"`
	Price int    `json:"price"` // in cents
}

// stockLevel is the inventory's answer to GET /stock/{item}.
type stockLevel struct {
	Available int    `json:"available"`
	Item      string `json:"item"`
}

// statusError is a call that was answered with an unexpected status.
type statusError struct {
	URL    string
	Status int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s answered %d", e.URL, e.Status)
}

// statusOf returns the status of the answer err reports, or 0 when err is not an
// unexpected status (a transport error, a body that cannot be read or decoded).
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5100", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("POST /orders", createOrder)

	log.Printf("order: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// createOrder places an order (see the package comment for the steps).
func createOrder(w http.ResponseWriter, r *http.Request) {
	var req orderRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Item == "" || req.Quantity <= 0 || req.Card == "" {
		http.Error(w, "malformed order", http.StatusBadRequest)
		return
	}

	// Step 1: the price and the stock, in parallel. Each goroutine writes only its own
	// variables, and wg.Wait orders those writes before the reads below.
	var (
		wg       sync.WaitGroup
		item     catalogItem
		itemErr  error
		stock    stockLevel
		stockErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		resp, err := client.Get(catalogURL + "/items/" + url.PathEscape(req.Item))
		if err != nil {
			itemErr = err
			return
		}
		itemErr = decode(resp, http.StatusOK, &item)
	}()
	go func() {
		defer wg.Done()
		resp, err := client.Get(inventoryURL + "/stock/" + url.PathEscape(req.Item))
		if err != nil {
			stockErr = err
			return
		}
		stockErr = decode(resp, http.StatusOK, &stock)
	}()
	wg.Wait()

	if itemErr != nil {
		if statusOf(itemErr) == http.StatusNotFound {
			http.Error(w, "no such item: "+req.Item, http.StatusNotFound)
			return
		}
		log.Printf("order: pricing %q: %v", req.Item, itemErr)
		http.Error(w, "catalog unavailable", http.StatusServiceUnavailable)
		return
	}
	if stockErr != nil {
		log.Printf("order: stock check for %q failed, relying on the reservation: %v", req.Item, stockErr)
	} else if stock.Available < req.Quantity {
		http.Error(w, "out of stock: "+req.Item, http.StatusConflict)
		return
	}

	// Step 2: hold the stock.
	reservation, err := reserve(req.Item, req.Quantity)
	if err != nil {
		switch statusOf(err) {
		case http.StatusConflict:
			http.Error(w, "out of stock: "+req.Item, http.StatusConflict)
		case http.StatusNotFound:
			http.Error(w, "no such item: "+req.Item, http.StatusNotFound)
		default:
			log.Printf("order: reserving %d %q: %v", req.Quantity, req.Item, err)
			http.Error(w, "inventory unavailable", http.StatusServiceUnavailable)
		}
		return
	}

	// Step 3: take the payment.
	amount := item.Price * req.Quantity
	charge, err := chargeCard(amount, req.Card, reservation)
	if err != nil {
		log.Printf("order: charging for reservation %s: %v", reservation, err)

		// Step 4: the order is off; give the stock back.
		if err := release(reservation); err != nil {
			// BUG (deliberate): a failed release is treated as fatal and the client is
			// told 500, although the order's outcome is known (the payment failed) and
			// a held reservation is something to reconcile later, not the client's
			// problem.
			log.Printf("order: releasing reservation %s: %v", reservation, err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if statusOf(err) == http.StatusPaymentRequired {
			http.Error(w, "payment declined", http.StatusPaymentRequired)
			return
		}
		http.Error(w, "payments unavailable", http.StatusServiceUnavailable)
		return
	}

	// Step 5: done.
	writeJSON(w, http.StatusCreated, orderResponse{
		Amount:      amount,
		Charge:      charge,
		Order:       fmt.Sprintf("ord-%d", lastOrder.Add(1)),
		Reservation: reservation,
	})
}

// reserve holds quantity of item with the inventory and returns the reservation's id.
func reserve(item string, quantity int) (string, error) {
	body, err := json.Marshal(map[string]any{"item": item, "quantity": quantity})
	if err != nil {
		return "", err
	}
	resp, err := client.Post(inventoryURL+"/reservations", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := decode(resp, http.StatusCreated, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("the inventory answered a reservation without an id")
	}
	return out.ID, nil
}

// chargeCard charges amount to card for the reservation and returns the charge's id. It
// tries again once when the call fails (no answer, or one that cannot be read) or
// payments answers 5xx; any other status (402 for a declined card, 400) is final.
func chargeCard(amount int, card, reservation string) (string, error) {
	body, err := json.Marshal(map[string]any{"amount": amount, "card": card, "reservation": reservation})
	if err != nil {
		return "", err
	}
	for attempt := 1; ; attempt++ {
		charge, err := chargeOnce(body)
		if err == nil {
			return charge, nil
		}
		if status := statusOf(err); status != 0 && status < 500 {
			return "", err // declined or refused: trying again would not help
		}
		if attempt == chargeAttempts {
			return "", fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		log.Printf("order: charge attempt %d failed, retrying: %v", attempt, err)
		time.Sleep(chargeBackoff)
	}
}

// chargeOnce sends one charge to payments and returns the charge's id.
func chargeOnce(body []byte) (string, error) {
	resp, err := client.Post(paymentsURL+"/charges", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	var out struct {
		Charge string `json:"charge"`
	}
	if err := decode(resp, http.StatusCreated, &out); err != nil {
		return "", err
	}
	if out.Charge == "" {
		return "", errors.New("payments answered a charge without an id")
	}
	return out.Charge, nil
}

// release gives a reservation back to the inventory.
func release(reservation string) error {
	req, err := http.NewRequest(http.MethodDelete, inventoryURL+"/reservations/"+url.PathEscape(reservation), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &statusError{URL: req.URL.String(), Status: resp.StatusCode}
	}
	return nil
}

// decode reads and closes resp's body and, when resp has status want, decodes the body
// into v. Any other status is a *statusError.
func decode(resp *http.Response, want int, v any) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", resp.Request.URL, err)
	}
	if resp.StatusCode != want {
		return &statusError{URL: resp.Request.URL.String(), Status: resp.StatusCode}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding the answer of %s: %w", resp.Request.URL, err)
	}
	return nil
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
