// Package echo is the HTTP handler of lambdatest's test function: it answers every request with an
// echo of it, so a test can check what reached the handler through an event.
package echo

import (
	"encoding/json"
	"io"
	"net/http"
)

// Reply is the JSON body Handler answers with.
type Reply struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query"`
	ContentType string `json:"contentType"`
	TraceID     string `json:"traceId"`
	Body        string `json:"body"`
}

// Handler answers every request with 200, a Reply and the header X-Echo-Name: name (so a test can see
// the function's environment reach it).
func Handler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, `{"error":"read body"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo-Name", name)
		_ = json.NewEncoder(w).Encode(Reply{
			Method:      r.Method,
			Path:        r.URL.Path,
			Query:       r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"),
			TraceID:     r.Header.Get("X-Amzn-Trace-Id"),
			Body:        string(body),
		})
	})
}
