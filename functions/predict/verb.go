package main

import (
	"fmt"
	"net/http"
	"strings"
)

// verbRoute splits a path whose last segment is a wildcard and a verb,
// "/v1/models/{model}:predict", into the path the mux matches
// ("/v1/models/{model}"), the wildcard ("model") and the verb ("predict").
func verbRoute(path string) (muxPath, wildcard, verb string, ok bool) {
	i := strings.LastIndex(path, "/")
	seg := path[i+1:]
	if !strings.HasPrefix(seg, "{") {
		return "", "", "", false
	}
	name, verb, ok := strings.Cut(seg[1:], "}:")
	if !ok || name == "" || verb == "" {
		return "", "", "", false
	}
	return path[:i+1] + "{" + name + "}", name, verb, true
}

// withVerb serves h when the wildcard's segment ends in ":verb", with the
// wildcard set to what precedes it; any other segment is a 404.
func withVerb(wildcard, verb string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seg := r.PathValue(wildcard)
		name, ok := strings.CutSuffix(seg, ":"+verb)
		if !ok {
			writeError(w, fmt.Errorf("%w: %s %s: want /…/{%s}:%s", errNotFound, clipHeader(r.Method), clipHeader(r.URL.Path), wildcard, verb))
			return
		}
		r.SetPathValue(wildcard, name)
		h.ServeHTTP(w, r)
	})
}
