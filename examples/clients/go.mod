module github.com/filibuster-go/filibuster-gen/examples/clients

go 1.26.0

require (
	github.com/google/go-github/v75 v75.0.0
	github.com/gorilla/mux v1.8.1
	github.com/julienschmidt/httprouter v1.3.0
	github.com/urfave/negroni/v3 v3.1.2
	golang.org/x/oauth2 v0.38.0
)

require (
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	github.com/google/go-querystring v1.1.0 // indirect
)

replace github.com/filibuster-go/filibuster-gen/runtime => ../../runtime
