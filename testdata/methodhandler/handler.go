// Package methodhandler registers method values and a handler type.
package methodhandler

import "net/http"

type server struct{ mux *http.ServeMux }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func (s *server) users(w http.ResponseWriter, r *http.Request) {}

func (s *server) routes() {
	s.mux.HandleFunc("/users", s.users)
	s.mux.Handle("/", s)
}
