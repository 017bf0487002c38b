package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
)

// batchBodies returns n generated rows as a JSON {"instances": …} body and
// as CSV of the feature columns.
func batchBodies(tb testing.TB, n int) (jsonBody, csvBody []byte) {
	tb.Helper()
	var b bytes.Buffer
	if err := dataset.Generate(&b, n, 3); err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	var instances []map[string]any
	for i, r := range recs {
		var row []string
		inst := map[string]any{}
		for j, h := range recs[0] {
			if h == "math_score" {
				continue
			}
			row = append(row, r[j])
			if i > 0 {
				if h == "reading_score" || h == "writing_score" {
					v, _ := strconv.ParseFloat(r[j], 64)
					inst[h] = v
				} else {
					inst[h] = r[j]
				}
			}
		}
		w.Write(row)
		if i > 0 {
			instances = append(instances, inst)
		}
	}
	w.Flush()
	jb, err := json.Marshal(map[string]any{"instances": instances})
	if err != nil {
		tb.Fatal(err)
	}
	return jb, out.Bytes()
}

// BenchmarkHandlerBatch5000 is one 5,000-row POST /predict through the
// whole handler (decode, score, encode the answer, metrics, log), no
// network.
func BenchmarkHandlerBatch5000(b *testing.B) {
	h := benchHandler(b)
	jb, cb := batchBodies(b, 5000)
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
