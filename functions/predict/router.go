package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// router registers routes with the middleware that logs and counts them,
// and answers unknown paths (404) and wrong methods (405) with JSON errors
// instead of the mux's plain text.
type router struct {
	mux     *http.ServeMux
	a       *api
	methods map[string][]string // path pattern → methods registered
	order   []string
}

func (r *router) handle(pattern string, h http.Handler) {
	method, path, _ := strings.Cut(pattern, " ")
	muxPattern := pattern
	if muxPath, wildcard, verb, ok := verbRoute(path); ok {
		// KServe's "/v1/models/{model}:predict": the mux matches whole
		// segments only, so the segment is matched and the verb checked.
		h = withVerb(wildcard, verb, h)
		path, muxPattern = muxPath, method+" "+muxPath
	}
	if _, ok := r.methods[path]; !ok {
		r.order = append(r.order, path)
	}
	r.methods[path] = append(r.methods[path], method)
	if method == http.MethodGet {
		r.methods[path] = append(r.methods[path], http.MethodHead)
	}
	r.mux.Handle(muxPattern, r.a.observe(pattern, h))
}

// fallbacks registers, for each path, a method-less pattern that answers
// 405 with an Allow header, and a catch-all 404.
func (r *router) fallbacks() {
	for _, path := range r.order {
		allowed := slices.Clone(r.methods[path])
		slices.Sort(allowed)
		allow := strings.Join(allowed, ", ")
		r.mux.Handle(path, r.a.observe("405 "+path, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, fmt.Errorf("%w: %s %s (allowed: %s)", errMethod, clipHeader(req.Method), clipHeader(req.URL.Path), allow))
		})))
	}
	if _, ok := r.methods["/{$}"]; ok {
		// "/{$}" matches only "/": everything else falls through to here.
		r.mux.Handle("/", r.a.observe("404", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			writeError(w, fmt.Errorf("%w: no route for %s %s", errNotFound, clipHeader(req.Method), clipHeader(req.URL.Path)))
		})))
	}
}
