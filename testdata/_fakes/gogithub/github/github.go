// Package github stands for github.com/google/go-github/vN/github in the generator's
// cases.
package github

import "context"

// Client is the API client.
type Client struct {
	Repositories *RepositoriesService
}

// NewClient returns a client.
func NewClient() *Client { return &Client{Repositories: &RepositoriesService{}} }

// Repository is a repository.
type Repository struct{}

// Response is an API response.
type Response struct{}

// RepositoriesService calls the repository API.
type RepositoriesService struct{}

// Get gets a repository.
func (s *RepositoriesService) Get(ctx context.Context, owner, repo string) (*Repository, *Response, error) {
	return nil, nil, nil
}

// URL is no call: it takes no context.
func (s *RepositoriesService) URL(owner, repo string) string { return "" }
