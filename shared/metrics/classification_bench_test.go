package metrics_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/studentperf/studentperf/shared/metrics"
)

// BenchmarkEvaluateClassification scores 100,000 rows of two and of five
// classes: the work of one validation fold of a large table.
func BenchmarkEvaluateClassification(b *testing.B) {
	for _, k := range []int{2, 5} {
		y, p := randomCase(rand.New(rand.NewPCG(1, uint64(k))), 100_000, k, 0)
		b.Run(fmt.Sprintf("classes=%d", k), func(b *testing.B) {
			for b.Loop() {
				if _, err := metrics.EvaluateClassification(y, p, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
