package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// A Sink is where a handler gives its response a status: a function or method whose
// argument is the status, a function that always answers one status, or a struct field
// that holds the status of an error the framework turns into a response.
//
// Sinks are matched by the full name of the callee as go/types prints it, so that the
// analysis needs none of the frameworks' modules to build:
//
//	net/http.Error                               a function
//	(*github.com/gin-gonic/gin.Context).JSON     a method of a concrete type
//	(github.com/labstack/echo/v4.Context).JSON   a method of an interface, called through it
//	github.com/labstack/echo/v4.HTTPError.Code   a struct field (Field)
type Sink struct {
	// Function is the full name of the function or method; empty for a field sink.
	Function string `json:"function,omitempty"`
	// Arg is the index of the status among the call's arguments, the receiver not
	// counted. It is used when Status is 0.
	Arg int `json:"status_arg,omitempty"`
	// Status is the status the function always answers (http.NotFound's 404).
	Status int `json:"status,omitempty"`
	// Field is "<package path>.<type>.<field>": a status stored in that field, in a
	// composite literal or an assignment, is answered.
	Field string `json:"field,omitempty"`
	// GRPC says the status is a gRPC code (google.golang.org/grpc/codes.Code), as the
	// argument of status.Error is: a service answering it is a gRPC service.
	GRPC bool `json:"grpc,omitempty"`
}

// DefaultSinks are the sinks of net/http, gin, echo and chi's render package, and of
// gRPC's status package. WriteHeader
// on any http.ResponseWriter, called through the interface or on a type of another
// module that implements it, is a sink too, found by type rather than listed here.
// http.Redirect and gin's Redirect are not: they answer 3xx. gin's Bind methods are sinks
// of 400, which they answer when the request does not bind.
func DefaultSinks() []Sink {
	sinks := []Sink{
		{Function: "net/http.Error", Arg: 2},
		{Function: "net/http.NotFound", Status: 404},
		{Function: "(net/http.ResponseWriter).WriteHeader", Arg: 0},
		{Function: "github.com/go-chi/render.Status", Arg: 1},
		{Function: "github.com/labstack/echo/v4.NewHTTPError", Arg: 0},
		{Field: "github.com/labstack/echo/v4.HTTPError.Code"},
	}
	// A gRPC handler returns status.Error(codes.NotFound, ...) or an error made the
	// same ways.
	for _, f := range []string{"Error", "Errorf", "New", "Newf"} {
		sinks = append(sinks, Sink{Function: "google.golang.org/grpc/status." + f, Arg: 0, GRPC: true})
	}
	for _, m := range []string{
		"JSON", "IndentedJSON", "SecureJSON", "JSONP", "AsciiJSON", "PureJSON", "String", "XML",
		"YAML", "TOML", "ProtoBuf", "Data", "DataFromReader", "Render", "Status",
		"AbortWithStatus", "AbortWithStatusJSON", "AbortWithStatusPureJSON", "AbortWithError",
	} {
		sinks = append(sinks, Sink{Function: "(*github.com/gin-gonic/gin.Context)." + m, Arg: 0})
	}
	// gin's Bind methods answer 400 themselves when the request does not bind.
	for _, m := range []string{"Bind", "BindJSON", "BindXML", "BindQuery", "BindYAML", "BindTOML", "BindHeader", "BindUri", "MustBindWith"} {
		sinks = append(sinks, Sink{Function: "(*github.com/gin-gonic/gin.Context)." + m, Status: 400})
	}
	for _, m := range []string{
		"JSON", "JSONPretty", "JSONBlob", "JSONP", "JSONPBlob", "String", "HTML", "HTMLBlob",
		"XML", "XMLPretty", "XMLBlob", "Blob", "Stream", "NoContent",
	} {
		sinks = append(sinks, Sink{Function: "(github.com/labstack/echo/v4.Context)." + m, Arg: 0})
	}
	return sinks
}

// ReadSinks reads a sink table: a JSON array of sinks, e.g.
//
//	[
//	  {"function": "(*example.com/web.Ctx).Fail", "status_arg": 0},
//	  {"function": "example.com/web.Gone", "status": 410},
//	  {"field": "example.com/web.Problem.Status"}
//	]
func ReadSinks(path string) ([]Sink, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sinks, err := ParseSinks(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sinks, nil
}

// ParseSinks decodes a sink table and checks each entry.
func ParseSinks(data []byte) ([]Sink, error) {
	var sinks []Sink
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&sinks); err != nil {
		return nil, fmt.Errorf("sink table: %w", err)
	}
	for i, s := range sinks {
		switch {
		case (s.Function == "") == (s.Field == ""):
			return nil, fmt.Errorf("sink table: [%d]: give one of function and field", i)
		case s.Field != "" && strings.Count(s.Field, ".") < 2:
			return nil, fmt.Errorf("sink table: [%d]: field %q: want <package path>.<type>.<field>", i, s.Field)
		case s.Arg < 0:
			return nil, fmt.Errorf("sink table: [%d]: status_arg %d is negative", i, s.Arg)
		case s.Status != 0 && (s.Status < 100 || s.Status > 999):
			return nil, fmt.Errorf("sink table: [%d]: status %d is not an HTTP status", i, s.Status)
		}
	}
	return sinks, nil
}
