package knn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/knn"
)

// TestPredictBruteForce sorts every training row by (distance, row) and
// averages the first k, uniformly or by inverse distance.
func TestPredictBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, dim = 80, 3
	X := make([]float64, n*dim)
	y := make([]float64, n)
	for i := range X {
		X[i] = float64(rng.IntN(4)) // many ties in distance
	}
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	for _, k := range []int{1, 3, 7, 20, n} {
		for _, dist := range []bool{false, true} {
			m, err := knn.Fit(X, dim, y, k, dist)
			require.NoError(t, err)
			for q := range 30 {
				x := []float64{float64(rng.IntN(4)), float64(rng.IntN(4)) + 0.5, float64(q % 4)}
				if q%5 == 0 {
					copy(x, X[q*dim:(q+1)*dim]) // a training row: distance 0
				}
				idx := make([]int, n)
				d := make([]float64, n)
				for i := range n {
					idx[i] = i
					for j := range dim {
						d[i] += (X[i*dim+j] - x[j]) * (X[i*dim+j] - x[j])
					}
				}
				slices.SortStableFunc(idx, func(a, b int) int {
					if d[a] < d[b] {
						return -1
					} else if d[a] > d[b] {
						return 1
					}
					return 0
				})
				var want float64
				switch {
				case !dist:
					for _, i := range idx[:k] {
						want += y[i]
					}
					want /= float64(k)
				case d[idx[0]] == 0:
					c := 0
					for _, i := range idx[:k] {
						if d[i] == 0 {
							want += y[i]
							c++
						}
					}
					want /= float64(c)
				default:
					var ws float64
					for _, i := range idx[:k] {
						w := 1 / math.Sqrt(d[i])
						want += w * y[i]
						ws += w
					}
					want /= ws
				}
				require.InDelta(t, want, m.Predict(x), 1e-12, "k %d distance %v query %d", k, dist, q)
			}
		}
	}
}

func TestFitRefusesBadK(t *testing.T) {
	X, y := []float64{1, 2, 3}, []float64{1, 2, 3}
	for _, k := range []int{0, -1, 4, knn.MaxK + 1} {
		_, err := knn.Fit(X, 1, y, k, false)
		require.Error(t, err, "k %d", k)
	}
	_, err := knn.Fit([]float64{1, math.NaN()}, 1, []float64{1, 2}, 1, false)
	require.Error(t, err)
}
