// Command panics makes an instrumented call, then panics: the stack trace must name
// this file and the line of the panic.
package main

import (
	"fmt"
	"net/http"
)

func main() {
	if resp, err := http.Get("http://127.0.0.1:1/"); err == nil {
		resp.Body.Close()
	}
	fail()
}

func fail() {
	fmt.Println("about to panic")
	panic("boom")
}
