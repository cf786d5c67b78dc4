// Command gateway is the HTTP front of grpc-gateway: a net/http server answering JSON,
// which calls the users, orders and recommendations gRPC services and maps their
// status codes to HTTP statuses.
//
// It listens on the address given by -addr, answers GET /health-check, and finds its
// services at USERS_URL, ORDERS_URL and RECOMMENDATIONS_URL (defaults 127.0.0.1:6001,
// 6002 and 6004), each a host:port or an http://host:port URL.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/internal/peer"
	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/shoppb"
)

// The deadlines of the calls to each service. Orders's is longer than its own call to
// the catalog, so that a slow catalog is orders's failure to report, not the gateway's.
const (
	usersTimeout           = time.Second
	ordersTimeout          = 2 * time.Second
	recommendationsTimeout = 500 * time.Millisecond
)

// gateway serves the HTTP API.
type gateway struct {
	users           shoppb.UsersClient
	orders          shoppb.OrdersClient
	recommendations shoppb.RecommendationsClient
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6000", "address to listen on")
	flag.Parse()

	g := &gateway{}
	for _, c := range []struct {
		key, def string
		bind     func(*grpc.ClientConn)
	}{
		{"USERS_URL", "127.0.0.1:6001", func(cc *grpc.ClientConn) { g.users = shoppb.NewUsersClient(cc) }},
		{"ORDERS_URL", "127.0.0.1:6002", func(cc *grpc.ClientConn) { g.orders = shoppb.NewOrdersClient(cc) }},
		{"RECOMMENDATIONS_URL", "127.0.0.1:6004", func(cc *grpc.ClientConn) { g.recommendations = shoppb.NewRecommendationsClient(cc) }},
	} {
		cc, err := grpc.NewClient(peer.Target(c.key, c.def), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			log.Fatalf("gateway: %v", err)
		}
		c.bind(cc)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /users/{username}/dashboard", g.dashboard)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("gateway: listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}

// Dashboard is the answer of GET /users/{username}/dashboard.
type Dashboard struct {
	Username string  `json:"username"`
	Name     string  `json:"name"`
	Orders   []Order `json:"orders"`
	// Recommendations are the SKUs suggested to the user; empty when the
	// recommendations service failed, and then Degraded is true.
	Recommendations []string `json:"recommendations"`
	Degraded        bool     `json:"degraded"`
}

// Order is one order of a Dashboard.
type Order struct {
	ID    string `json:"id"`
	Items []Item `json:"items"`
}

// Item is one item of an Order.
type Item struct {
	SKU        string `json:"sku"`
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
}

// Error is the answer of a request that failed because a service did: the service and
// its status's message. The HTTP status is the one httpStatus gives its code.
type Error struct {
	Service string `json:"service"`
	Error   string `json:"error"`
}

// dashboard answers GET /users/{username}/dashboard: the user (from users), the user's
// orders (from orders, which asks the catalog) and the items recommended to the user
// (from recommendations). A failure of users or orders fails the request with the
// status httpStatus maps its code to; a failure of recommendations is the fallback:
// the dashboard without recommendations, marked degraded.
func (g *gateway) dashboard(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	req := &shoppb.UserRequest{Username: username}

	ctx, cancel := context.WithTimeout(r.Context(), usersTimeout)
	user, err := g.users.GetUser(ctx, req)
	cancel()
	if err != nil {
		fail(w, "users", err)
		return
	}

	ctx, cancel = context.WithTimeout(r.Context(), ordersTimeout)
	orders, err := g.orders.ListOrders(ctx, req)
	cancel()
	if err != nil {
		fail(w, "orders", err)
		return
	}

	d := Dashboard{Username: user.GetUsername(), Name: user.GetName(), Orders: []Order{}, Recommendations: []string{}}
	for _, o := range orders.GetOrders() {
		order := Order{ID: o.GetId()}
		for _, it := range o.GetItems() {
			order.Items = append(order.Items, Item{SKU: it.GetSku(), Title: it.GetTitle(), PriceCents: it.GetPriceCents()})
		}
		d.Orders = append(d.Orders, order)
	}

	ctx, cancel = context.WithTimeout(r.Context(), recommendationsTimeout)
	rec, err := g.recommendations.Recommend(ctx, req)
	cancel()
	if err != nil {
		log.Printf("gateway: recommendations for %s: %v; answering without them", username, err)
		d.Degraded = true
	} else {
		d.Recommendations = append(d.Recommendations, rec.GetSkus()...)
	}
	writeJSON(w, http.StatusOK, d)
}

// fail answers a request that failed because service's call did with err.
func fail(w http.ResponseWriter, service string, err error) {
	st := status.Convert(err)
	writeJSON(w, httpStatus(st.Code()), Error{Service: service, Error: st.Message()})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// writeJSON answers v as JSON with the status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}
