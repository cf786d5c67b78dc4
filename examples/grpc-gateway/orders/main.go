// Command orders is the orders service of grpc-gateway: a plain gRPC server
// ("health_check": "tcp:") storing each user's orders, which asks the catalog to
// describe their items.
//
// It listens on the address given by -addr and finds the catalog at CATALOG_URL
// (default 127.0.0.1:6003), a host:port or an http://host:port URL.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/internal/peer"
	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/shoppb"
)

// catalogTimeout bounds the call to the catalog.
const catalogTimeout = time.Second

// order is one stored order: its id and the SKUs of its items.
type order struct {
	id   string
	skus []string
}

// orders maps a username to the user's orders, oldest first.
var orders = map[string][]order{
	"alice": {
		{id: "o-1001", skus: []string{"book-1"}},
		{id: "o-1002", skus: []string{"tea-1", "book-1"}},
	},
}

// server implements shoppb.OrdersServer.
type server struct {
	shoppb.UnimplementedOrdersServer
	catalog shoppb.CatalogClient
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6002", "address to listen on")
	flag.Parse()
	conn, err := grpc.NewClient(peer.Target("CATALOG_URL", "127.0.0.1:6003"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("orders: %v", err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("orders: %v", err)
	}
	srv := grpc.NewServer()
	shoppb.RegisterOrdersServer(srv, &server{catalog: shoppb.NewCatalogClient(conn)})
	log.Printf("orders: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// ListOrders returns the user's orders with their items as the catalog describes them,
// all looked up in one call. It answers NOT_FOUND for a user with no orders,
// UNAVAILABLE when the catalog is unavailable or does not answer in time, and INTERNAL
// when the catalog fails otherwise (an order lists an item it does not know).
func (s *server) ListOrders(ctx context.Context, req *shoppb.UserRequest) (*shoppb.OrderList, error) {
	stored, ok := orders[req.GetUsername()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no orders for %q", req.GetUsername())
	}
	var skus []string
	for _, o := range stored {
		skus = append(skus, o.skus...)
	}
	cctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	described, err := s.catalog.GetItems(cctx, &shoppb.ItemsRequest{Skus: skus})
	cancel()
	switch status.Code(err) {
	case codes.OK:
	case codes.Unavailable, codes.DeadlineExceeded:
		return nil, status.Errorf(codes.Unavailable, "catalog: %v", status.Convert(err).Message())
	default:
		return nil, status.Errorf(codes.Internal, "catalog: %v", status.Convert(err).Message())
	}
	if len(described.GetItems()) != len(skus) {
		return nil, status.Errorf(codes.Internal, "catalog described %d items of %d", len(described.GetItems()), len(skus))
	}
	list := &shoppb.OrderList{}
	next := described.GetItems()
	for _, o := range stored {
		list.Orders = append(list.Orders, &shoppb.Order{Id: o.id, Items: next[:len(o.skus)]})
		next = next[len(o.skus):]
	}
	return list, nil
}
