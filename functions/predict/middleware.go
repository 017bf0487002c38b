package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// requestIDs are a random per-process prefix and a counter: unique, and
// cheap enough for every request.
var (
	idPrefix = func() string {
		b := make([]byte, 6)
		rand.Read(b)
		return hex.EncodeToString(b)
	}()
	idCounter atomic.Uint64
)

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 && printable(id) {
		return id
	}
	return idPrefix + "-" + strconv.FormatUint(idCounter.Add(1), 10)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe wraps the handler of one route: request id, a recovered panic
// answered as a JSON 500 (never a crash), one structured log line, and
// the request metrics.
func (a *api) observe(route string, h http.Handler) http.Handler {
	requests := map[int]prometheus.Counter{}
	for _, code := range []int{200, 400, 404, 405, 413, 415, 500, 503} {
		requests[code] = a.metrics.requests.WithLabelValues(route, strconv.Itoa(code))
	}
	latency := a.metrics.latency.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("handler panic", "request_id", id, "route", route, "panic", fmt.Sprint(p))
				if rec.status == 0 {
					writeError(rec, fmt.Errorf("internal error (request %s)", id))
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			if c, ok := requests[status]; ok {
				c.Inc()
			} else {
				a.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			}
			latency.Observe(elapsed.Seconds())
			a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
				slog.String("model_version", w.Header().Get("X-Model-Version")),
			)
		}()
		h.ServeHTTP(rec, r)
	})
}
