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

// BenchmarkDecodeScore10k is decoding and scoring 10,000 rows in process,
// the part of a batch request that is ours (target ≤ 5 ms).
func BenchmarkDecodeScore10k(b *testing.B) {
	m := fuzzModel(b)
	fs := newFieldSet(m)
	jb, cb := batchBodies(b, 10000)
	out := make([]float64, 10000)
	b.Run("json", func(b *testing.B) {
		b.SetBytes(int64(len(jb)))
		b.ReportAllocs()
		for b.Loop() {
			rows, ok := decodeInstancesFast(jb, fs, 10000)
			if !ok {
				b.Fatal("fast path refused the batch")
			}
			if err := m.PredictBatch(rows, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
	})
	b.Run("csv", func(b *testing.B) {
		b.SetBytes(int64(len(cb)))
		b.ReportAllocs()
		for b.Loop() {
			rows, err := decodeCSV(cb, fs, m.Schema(), 10000)
			if err != nil {
				b.Fatal(err)
			}
			if err := m.PredictBatch(rows, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
	})
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
