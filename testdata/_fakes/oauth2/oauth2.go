// Package oauth2 stands for golang.org/x/oauth2 in the generator's cases.
package oauth2

import "context"

// Token is a token.
type Token struct{}

// Config is a client's configuration.
type Config struct{}

// Exchange trades a code for a token.
func (c *Config) Exchange(ctx context.Context, code string) (*Token, error) { return nil, nil }
