// Command drivestests is a functional test written as a main package: it imports the
// runtime to ask whether faults were injected, so the generator leaves the whole
// package alone, and gives it no service file.
package main

import (
	"net/http"
	"os"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

func main() {
	resp, err := http.Get(entry() + "/users/chris_rivers/bookings")
	if err != nil {
		if !runtime.WasFaultInjected() {
			os.Exit(1)
		}
		return
	}
	resp.Body.Close()
}
