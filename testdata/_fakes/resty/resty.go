// Package resty stands for github.com/go-resty/resty/v2 in the generator's cases.
package resty

// Client makes requests.
type Client struct{}

// Request is one request.
type Request struct{}

// Response is its answer.
type Response struct{}

// New returns a client.
func New() *Client { return &Client{} }

// R starts a request.
func (c *Client) R() *Request { return &Request{} }

// SetBody sets the body.
func (r *Request) SetBody(b any) *Request { return r }

// Post sends the request.
func (r *Request) Post(url string) (*Response, error) { return &Response{}, nil }
