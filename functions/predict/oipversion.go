package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
)

// The Open Inference Protocol's versioned routes,
// /v2/models/{model}/versions/{version}[/ready|/infer]: the version must be
// the one loaded, which is the only one served; any other is a 404 naming
// it and the one that is.

// checkVersion answers 404 for a version this server does not serve now
// (503 while no model is loaded).
func (a *api) checkVersion(r *http.Request) error {
	v := r.PathValue("version")
	l, _, err := a.current()
	if err != nil {
		return err
	}
	if v != l.Version {
		return fmt.Errorf("%w: version %q of model %q is not served (the current version is %q)", errNotFound, features.Clip(v), a.pred.Name(), l.Version)
	}
	return nil
}

// versioned serves h for the version in the path, once it is checked.
func (a *api) versioned(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		if err := a.checkVersion(r); err != nil {
			if strings.HasSuffix(r.URL.Path, "/ready") && statusOf(err) == http.StatusServiceUnavailable {
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"name": a.pred.Name(), "ready": false, "error": err.Error()})
				return
			}
			writeError(w, err)
			return
		}
		h(w, r)
	}
}
