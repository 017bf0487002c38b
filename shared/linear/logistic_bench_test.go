package linear_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/studentperf/studentperf/shared/linear"
)

// BenchmarkLogisticFit fits each penalty on generated rows (30 standard
// normal features, the first 10 relevant) for two and five classes: the
// cost of one candidate's fit on one fold.
func BenchmarkLogisticFit(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		for _, k := range []int{2, 5} {
			rng := rand.New(rand.NewPCG(uint64(k), 3))
			weights := make([][]float64, k)
			for c := range weights {
				weights[c] = make([]float64, 10)
				for j := range weights[c] {
					weights[c][j] = rng.NormFloat64() / 2
				}
			}
			X, y := labelled(n, 30, weights, uint64(n))
			for _, spec := range []linear.Candidate{l2(1), l1(1), elastic(1, 0.5)} {
				b.Run(fmt.Sprintf("rows=%d/classes=%d/%s", n, k, spec.Family), func(b *testing.B) {
					for b.Loop() {
						if _, err := linear.FitLogistic(X, y, k, spec); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
