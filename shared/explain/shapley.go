package explain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// MaxFeatures is the most features a 64-bit mask holds: the compiled
// tables and the mask walk of Tree take at most this many, and wider
// ensembles are walked with a list of the features noted on the path
// instead (Ensemble), at any width.
const MaxFeatures = 64

// MaxExact is the most features Exact enumerates: 2^12 evaluations of the
// model. Wider games are sampled (Sample).
const MaxExact = 12

// ErrTooManyFeatures is returned for more features than an algorithm
// takes.
var ErrTooManyFeatures = errors.New("explain: too many features")

// coef[a][b] = (a−1)!·b!/(a+b)! = 1/(a·C(a+b, a)) for a ≥ 1: the Shapley
// value, for a player in A, of the game 1[A ⊆ S and B ∩ S = ∅] with |A| = a
// and |B| = b. A player in B gets −coef[b][a].
var coef = func() (c [MaxFeatures + 1][MaxFeatures + 1]float64) {
	for a := 1; a <= MaxFeatures; a++ {
		for b := 0; a+b <= MaxFeatures; b++ {
			c[a][b] = 1 / (float64(a) * binomial(a+b, a))
		}
	}
	return c
}()

// coefOf is coef[a][b] for any a ≥ 1 and b ≥ 0: from the table while a+b ≤
// MaxFeatures, else from log-gamma (a path that notes more than 64
// features, in an ensemble wider than a mask).
func coefOf(a, b int) float64 {
	if a+b <= MaxFeatures {
		return coef[a][b]
	}
	la, _ := math.Lgamma(float64(a))
	lb, _ := math.Lgamma(float64(b + 1))
	lab, _ := math.Lgamma(float64(a + b + 1))
	return math.Exp(la + lb - lab)
}

// binomial is C(n, k) in floating point: each step is C(n−k+i, i), exact
// while below 2^53 and correctly rounded past it (C(64, 32) ≈ 1.8e18).
func binomial(n, k int) float64 {
	k = min(k, n-k)
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return c
}

// Exact writes into phi (p values) the Shapley values of the game v over p
// ≤ MaxExact players by enumeration:
//
//	φ_i = Σ_{S ∌ i} |S|!·(p−|S|−1)!/p! · (v(S ∪ {i}) − v(S))
//
// v is called once for each of the 2^p sets (bit j set: player j is in) and
// must not keep its argument. Exact returns v(all) and v(∅).
func Exact(p int, v func(set uint64) float64, phi []float64) (full, empty float64, err error) {
	return ExactContext(context.Background(), p, v, phi)
}

// exactCheckEvery is how many sets ExactContext evaluates between looks
// at its context.
const exactCheckEvery = 256

// ExactContext is Exact that stops with ctx's error when ctx ends, looking
// at it every 256 evaluations.
func ExactContext(ctx context.Context, p int, v func(set uint64) float64, phi []float64) (full, empty float64, err error) {
	if p < 0 || p > MaxExact {
		return 0, 0, fmt.Errorf("exact shapley: %d features: %w (at most %d)", p, ErrTooManyFeatures, MaxExact)
	}
	if len(phi) != p {
		return 0, 0, fmt.Errorf("exact shapley: %d values for %d features", len(phi), p)
	}
	var vals [1 << MaxExact]float64
	n := uint64(1) << p
	for s := range n {
		if s%exactCheckEvery == exactCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return 0, 0, fmt.Errorf("exact shapley: stopped after %d of %d sets: %w", s, n, err)
			}
		}
		vals[s] = v(s)
	}
	// w[s] = s!(p−s−1)!/p! = 1/(p·C(p−1, s))
	var w [MaxExact]float64
	for s := range p {
		w[s] = 1 / (float64(p) * binomial(p-1, s))
	}
	for i := range p {
		bit := uint64(1) << i
		var sum float64
		for s := range n {
			if s&bit == 0 {
				sum += w[bits.OnesCount64(s)] * (vals[s|bit] - vals[s])
			}
		}
		phi[i] = sum
	}
	return vals[n-1], vals[0], nil
}
