// Command external stands in for the external web sites cinema-4 calls
// (www.imdb.com, www.fandango.com, www.rottentomatoes.com): it answers 200 with an empty
// body to every request, so the application runs without network access. It is not
// instrumented: it is outside the application under test, as the real sites were.
//
// It listens on the address given by -addr.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5990", "address to listen on")
	flag.Parse()

	log.Printf("external: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
}
