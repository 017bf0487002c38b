package main

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of routes.go; a test keeps the two in
// step.
//
//go:embed openapi.json
var openAPIDoc []byte

func (a *api) openAPI() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPIDoc)
	}
}
