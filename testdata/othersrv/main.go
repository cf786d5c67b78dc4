// Command othersrv serves with a framework not built on net/http: the generator lists
// the server as not instrumented.
package main

import "github.com/valyala/fasthttp"

func main() {
	fasthttp.ListenAndServe(":8080", func(ctx *fasthttp.RequestCtx) {})
}
