package accountsapi

// client.gen.go is generated from openapi.yaml, with the options in config.yaml, by the
// pinned oapi-codegen; run go generate in this directory to regenerate it.

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.5.1 -config config.yaml openapi.yaml
