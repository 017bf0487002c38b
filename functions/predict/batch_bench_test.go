package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// BenchmarkHandlerBatch5000 is one 5,000-row POST /predict through the
// whole handler (decode, score, encode the answer, metrics, log), no
// network.
func BenchmarkHandlerBatch5000(b *testing.B) {
	h := benchHandler(b)
	jb, cb := modeltest.BatchBodies(b, 5000)
	for _, c := range []struct {
		name, ct string
		body     []byte
	}{{"json", "application/json", jb}, {"csv", "text/csv", cb}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/predict", bytes.NewReader(c.body))
				r.Header.Set("Content-Type", c.ct)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body.Bytes()[:min(200, w.Body.Len())])
				}
			}
		})
	}
}
