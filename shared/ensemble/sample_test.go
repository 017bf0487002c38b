package ensemble

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWeightedDrawIsBinarySearch: for weights with zeros, ties, tiny and
// huge values, and for draws at 0, at the total, at every cumulative
// weight and bucket boundary and one step either side, the guide table
// finds the index the binary search finds.
func TestWeightedDrawIsBinarySearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	weights := map[string]func(n int) []float64{
		"uniform": func(n int) []float64 { return fill(n, func(int) float64 { return 1 / float64(n) }) },
		"random":  func(n int) []float64 { return fill(n, func(int) float64 { return rng.Float64() }) },
		"zeros": func(n int) []float64 {
			return fill(n, func(i int) float64 { return pick(rng.IntN(2) == 0 && i < n-1, 0, rng.Float64()) })
		},
		"ties": func(n int) []float64 {
			return fill(n, func(i int) float64 { return pick(i == n-1, 1, float64(rng.IntN(3))) })
		},
		"skewed":   func(n int) []float64 { return fill(n, func(int) float64 { return math.Exp(-30 * rng.Float64()) }) },
		"one":      func(n int) []float64 { return fill(n, func(i int) float64 { return pick(i == n/2, 1, 0) }) },
		"tiny":     func(n int) []float64 { return fill(n, func(int) float64 { return 1e-310 * rng.Float64() }) },
		"huge":     func(n int) []float64 { return fill(n, func(int) float64 { return 1e304 * rng.Float64() }) },
		"all zero": func(n int) []float64 { return make([]float64, n) },
		"nan":      func(n int) []float64 { return fill(n, func(i int) float64 { return pick(i == 0, math.NaN(), 1) }) },
		"inf":      func(n int) []float64 { return fill(n, func(i int) float64 { return pick(i == n-1, math.Inf(1), 1) }) },
	}
	// Totals that are zero, not finite or too small for m/total to be.
	unguided := []string{"tiny", "all zero", "nan", "inf"}
	for name, gen := range weights {
		for _, n := range []int{1, 2, 3, 7, 64, 533} {
			w := gen(n)
			d := newWeightedDraw(n)
			c := d.reset(w)
			if want := !slices.Contains(unguided, name); (d.scale != 0) != want {
				t.Fatalf("%s, %d weights: guide table %v; want %v", name, n, d.scale != 0, want)
			}
			us := []float64{0, c, math.Nextafter(c, 0), math.Nextafter(c, math.Inf(1)), -1, math.NaN(), math.Inf(1)}
			for _, v := range d.cdf {
				us = append(us, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
			}
			for j := range n + 1 {
				b := float64(j) * c / float64(n)
				us = append(us, b, math.Nextafter(b, 0), math.Nextafter(b, math.Inf(1)))
			}
			for range 1000 {
				us = append(us, rng.Float64()*c)
			}
			for _, u := range us {
				want, _ := slices.BinarySearch(d.cdf, u)
				want = min(n-1, want)
				if got := d.index(u); got != want {
					t.Fatalf("%s, %d weights: index(%v) = %d; want %d", name, n, u, got, want)
				}
			}
		}
	}
}

func fill(n int, f func(i int) float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = f(i)
	}
	return w
}

func pick(b bool, yes, no float64) float64 {
	if b {
		return yes
	}
	return no
}
