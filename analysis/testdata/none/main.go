// Command none answers no error code of its own: only 500, which any service can.
package main

import "net/http"

func main() {
	http.ListenAndServe("127.0.0.1:0", http.FileServer(http.Dir(".")))
}
