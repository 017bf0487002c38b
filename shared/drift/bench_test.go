package drift_test

import (
	"sync/atomic"
	"testing"

	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// BenchmarkObserve counts one served record, cycling through 1024
// generated ones; allocs/op must stay 0.
func BenchmarkObserve(b *testing.B) {
	m, _, rows := monitor(b, 2000, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Observe(rows[i&1023])
		i++
	}
}

// BenchmarkObserveParallel counts from GOMAXPROCS goroutines at once, the
// worst case for the shared counters (every record touches the same cache
// lines).
func BenchmarkObserveParallel(b *testing.B) {
	m, _, rows := monitor(b, 2000, 1024)
	b.ReportAllocs()
	var start atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(start.Add(97))
		for pb.Next() {
			m.Observe(rows[i&1023])
			i++
		}
	})
}

// BenchmarkPredictOne is the model's own share of one /predict, a linear
// model on one row: a lower bound of the request Observe is added to.
func BenchmarkPredictOne(b *testing.B) {
	_, _, rows := monitor(b, 2000, 1024)
	mod, _ := modeltest.Fit(b, "m", "synthetic:2000", 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := mod.Predict(rows[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSnapshot is one GET /model/drift or scrape.
func BenchmarkSnapshot(b *testing.B) {
	m, _, rows := monitor(b, 2000, 1024)
	for _, r := range rows {
		m.Observe(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Snapshot()
	}
}
