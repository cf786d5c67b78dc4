// Command nilhandler serves http.DefaultServeMux through a nil handler.
package main

import (
	"log"
	"net/http"
)

func main() {
	log.Fatal(http.ListenAndServe("127.0.0.1:0", nil))
}
