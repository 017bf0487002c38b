package batch_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// BenchmarkScore is Score on 100,000 generated rows in memory: read,
// check, score and write each row (target for predict batch end to end:
// ≥ 1,000,000 rows/s).
func BenchmarkScore(b *testing.B) {
	m, _ := modeltest.Fit(b, "m", "sample", 1)
	var in bytes.Buffer
	in.Write(generatedB(b, 100000, 7))
	data := in.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := batch.Score(context.Background(), m, bytes.NewReader(data), io.Discard, batch.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/row")
}
