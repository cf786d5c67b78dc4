// Command catalog is the catalog service of grpc-gateway: a plain gRPC server
// ("health_check": "tcp:") describing the items on sale.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"context"
	"flag"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/shoppb"
)

// items maps a SKU to its item.
var items = map[string]*shoppb.Item{
	"book-1": {Sku: "book-1", Title: "Through the Looking-Glass", PriceCents: 1299},
	"tea-1":  {Sku: "tea-1", Title: "Darjeeling, 100 g", PriceCents: 850},
	"hat-1":  {Sku: "hat-1", Title: "Top hat", PriceCents: 4500},
}

// server implements shoppb.CatalogServer.
type server struct {
	shoppb.UnimplementedCatalogServer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6003", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("catalog: %v", err)
	}
	srv := grpc.NewServer()
	shoppb.RegisterCatalogServer(srv, server{})
	log.Printf("catalog: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetItems returns the items with the given SKUs, in order, or NOT_FOUND when one is
// unknown.
func (server) GetItems(ctx context.Context, req *shoppb.ItemsRequest) (*shoppb.ItemList, error) {
	list := &shoppb.ItemList{}
	for _, sku := range req.GetSkus() {
		item, ok := items[sku]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "no item %q", sku)
		}
		list.Items = append(list.Items, item)
	}
	return list, nil
}
