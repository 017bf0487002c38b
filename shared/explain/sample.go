package explain

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// Permutations is how many orders of the players Sample averages over: 64
// antithetic pairs.
const Permutations = 128

// sampleSeed seeds every Sample's orders: explanations are deterministic,
// the same record explained the same way in any batch and any process.
const sampleSeed = 0x5a4d_504c_4544 // "SAMPLED"

// A Coalition is a game played by players joining one at a time, as
// Sample plays it: Reset empties the coalition, and Join adds player j
// and returns the value of the coalition with j. It need not be safe for
// concurrent use; one explanation owns it.
type Coalition interface {
	Reset()
	Join(j int) float64
}

// Sample estimates Shapley values by permutation sampling (Castro, Gómez
// and Tejada, "Polynomial calculation of the Shapley value based on
// sampling", 2009) over a fixed set of orders of p players: Permutations
// orders in antithetic pairs (an order drawn uniformly, then the same
// order reversed, which cancels much of the first one's error), drawn
// once from a fixed seed. In each order the players join one after the
// other and each is credited with the change its joining makes; φ_j is
// the mean of j's credits.
//
// Each order's credits telescope to v(all) − v(∅), so the estimate is
// efficient, as the exact values are: Σφ = v(all) − v(∅) up to rounding,
// whatever the orders. A player that never changes the value gets 0. It
// costs Permutations·(p−1) evaluations of the game, against 2^p for
// Exact.
//
// A Sample is immutable and safe for concurrent use.
type Sample struct {
	p     int
	order []int32 // Permutations orders of p players, one after the other
}

// NewSample draws the orders of p ≥ 1 players.
func NewSample(p int) (*Sample, error) {
	if p < 1 {
		return nil, fmt.Errorf("sampled shapley: %d players", p)
	}
	s := &Sample{p: p, order: make([]int32, Permutations*p)}
	rng := rand.New(rand.NewPCG(sampleSeed, uint64(p)))
	for k := 0; k < Permutations; k += 2 {
		fwd := s.order[k*p : (k+1)*p]
		for i := range fwd {
			fwd[i] = int32(i)
		}
		rng.Shuffle(p, func(i, j int) { fwd[i], fwd[j] = fwd[j], fwd[i] })
		rev := s.order[(k+1)*p : (k+2)*p]
		for i, j := range fwd {
			rev[p-1-i] = j
		}
	}
	return s, nil
}

// Evaluations is what one Shapley call costs: the game's evaluations.
func (s *Sample) Evaluations() int { return Permutations * (s.p - 1) }

// Shapley writes into phi (p values) the sampled Shapley values of the
// game c whose value is full for all players and empty for none (c is
// never asked for either). It looks at ctx between orders and stops with
// its error when it has ended.
func (s *Sample) Shapley(ctx context.Context, c Coalition, full, empty float64, phi []float64) error {
	p := s.p
	if len(phi) != p {
		return fmt.Errorf("sampled shapley: %d values for %d players", len(phi), p)
	}
	clear(phi)
	for k := range Permutations {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sampled shapley: stopped after %d of %d orders: %w", k, Permutations, err)
		}
		order := s.order[k*p : (k+1)*p]
		c.Reset()
		prev := empty
		for _, j := range order[:p-1] {
			v := c.Join(int(j))
			phi[j] += v - prev
			prev = v
		}
		phi[order[p-1]] += full - prev
	}
	for j := range phi {
		phi[j] /= Permutations
	}
	return nil
}
