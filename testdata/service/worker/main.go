// Command worker has no net/http use of its own but links a package that has.
package main

import (
	"context"

	"example.com/cases/service/internal/peer"
)

func main() { peer.Call(context.Background()) }
