// Package retryablehttp stands for github.com/hashicorp/go-retryablehttp in the
// generator's cases.
package retryablehttp

import "net/http"

// Client retries.
type Client struct{}

// Request is one request.
type Request struct{}

// NewClient returns a client.
func NewClient() *Client { return &Client{} }

// Do sends req, retrying.
func (c *Client) Do(req *Request) (*http.Response, error) { return nil, nil }

// Get sends a GET with the default client.
func Get(url string) (*http.Response, error) { return nil, nil }
