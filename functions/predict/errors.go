package main

import (
	"errors"
	"net/http"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
)

// Sentinel errors of the HTTP layer; statusOf maps them to statuses.
var (
	errBadRequest       = request.ErrBadRequest
	errUnsupportedMedia = errors.New("predict: unsupported media type")
	errTooLarge         = request.ErrTooLarge
	errNotFound         = errors.New("predict: not found")
	errMethod           = errors.New("predict: method not allowed")
	errUnavailable      = errors.New("predict: unavailable")
)

// statusOf is the one place that maps an error to an HTTP status.
func statusOf(err error) int {
	var ps features.Problems
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ps), errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, errTooLarge), errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, errNotAcceptable):
		return http.StatusNotAcceptable
	case errors.Is(err, predictor.ErrNoModel), errors.Is(err, errUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is every error response: "error" says what was wrong; for bad
// fields "problems" lists each with its value and what is allowed.
type errorBody struct {
	Error    string            `json:"error"`
	Problems features.Problems `json:"problems,omitempty"`
}

// writeError answers with err's status and a JSON body.
func writeError(w http.ResponseWriter, err error) {
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", "1")
	}
	body := errorBody{Error: err.Error()}
	var ps features.Problems
	if errors.As(err, &ps) {
		body.Problems = ps
	}
	writeJSON(w, statusOf(err), body)
}

// writeJSON answers with status and v as JSON (runner.WriteJSON, which
// train's handlers use too).
var writeJSON = runner.WriteJSON
