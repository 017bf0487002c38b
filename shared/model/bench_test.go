package model_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkPredict is one prediction through the served path: category
// lookups, validation and the folded linear model. Target: ≤ 2 µs, 0
// allocations.
func BenchmarkPredict(b *testing.B) {
	m, _ := trained(b, 1000)
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		y, err := m.Predict(reference)
		if err != nil {
			b.Fatal(err)
		}
		sink += y
	}
	_ = sink
}

// BenchmarkPredictBatch10k predicts 10,000 distinct rows. Target: ≤ 5 ms.
func BenchmarkPredictBatch10k(b *testing.B) {
	m, tab := trained(b, 10000)
	rows, err := m.Transform.Rows(tab)
	require.NoError(b, err)
	out := make([]float64, len(rows))
	b.ReportAllocs()
	for b.Loop() {
		if err := m.PredictBatch(rows, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

// BenchmarkTransformEncode is the generic path (transform, then the
// estimator's dot product) for comparison with the folded one.
func BenchmarkTransformEncode(b *testing.B) {
	m, _ := trained(b, 1000)
	x := make([]float64, m.Transform.Width())
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Transform.Encode(reference, x); err != nil {
			b.Fatal(err)
		}
		_ = m.Estimator.Linear.Predict(x)
	}
}
