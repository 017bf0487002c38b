package explain_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/explain"
)

// setGame is a Coalition over a value function of the set, counting its
// evaluations and calling after (if set) after each.
type setGame struct {
	v     func(in []bool) float64
	in    []bool
	evals int
	after func(evals int)
}

func (g *setGame) Reset() { clear(g.in) }

func (g *setGame) Join(j int) float64 {
	g.in[j] = true
	g.evals++
	if g.after != nil {
		g.after(g.evals)
	}
	return g.v(g.in)
}

// randomGame is a game with pairwise and triple interactions over p
// players: not additive, so sampling has something to estimate.
func randomGame(rng *rand.Rand, p int) func(in []bool) float64 {
	w1, w2 := make([]float64, p), make([]float64, p*p)
	for i := range w1 {
		w1[i] = rng.NormFloat64() * 10
	}
	for i := range w2 {
		w2[i] = rng.NormFloat64()
	}
	return func(in []bool) float64 {
		var s float64
		for i := range p {
			if !in[i] {
				continue
			}
			s += w1[i]
			for j := i + 1; j < p; j++ {
				if in[j] {
					s += w2[i*p+j]
				}
			}
		}
		if in[0] && in[1] && in[2] {
			s += 20
		}
		return s
	}
}

// all and none are the game's values for every player and for none.
func allNone(v func([]bool) float64, p int) (full, empty float64) {
	in := make([]bool, p)
	empty = v(in)
	for i := range in {
		in[i] = true
	}
	return v(in), empty
}

// TestSampleAddsUpAndIsClose: on games of 12 players the sampled values
// add up to v(all) − v(∅) within 1e-9, are exact for an additive game,
// and are close to the enumerated values for one with interactions.
func TestSampleAddsUpAndIsClose(t *testing.T) {
	const p = 12
	rng := rand.New(rand.NewPCG(51, 52))
	s, err := explain.NewSample(p)
	require.NoError(t, err)
	w := make([]float64, p)
	for i := range w {
		w[i] = rng.NormFloat64() * 10
	}
	additive := func(in []bool) float64 {
		var v float64
		for i, b := range in {
			if b {
				v += w[i]
			}
		}
		return v
	}
	for name, v := range map[string]func([]bool) float64{"additive": additive, "interacting": randomGame(rng, p)} {
		full, empty := allNone(v, p)
		phi := make([]float64, p)
		require.NoError(t, s.Shapley(context.Background(), &setGame{v: v, in: make([]bool, p)}, full, empty, phi))
		assert.InDelta(t, full-empty, sum(phi), 1e-9, name)
		exact := make([]float64, p)
		in := make([]bool, p)
		_, _, err := explain.Exact(p, func(set uint64) float64 {
			for i := range in {
				in[i] = set>>uint(i)&1 == 1
			}
			return v(in)
		}, exact)
		require.NoError(t, err)
		if name == "additive" {
			assert.InDeltaSlice(t, w, phi, 1e-9, name)
			continue
		}
		var worst float64
		for i := range phi {
			worst = max(worst, math.Abs(phi[i]-exact[i]))
		}
		assert.Less(t, worst, 1.0, "%s: the largest error of a sampled value (the values are about 10)", name)
	}
}

// TestSampleIsDeterministic: two samples of the same width give the same
// values bit for bit, and a player that never changes the value gets 0.
func TestSampleIsDeterministic(t *testing.T) {
	const p = 30
	v := randomGame(rand.New(rand.NewPCG(61, 62)), p)
	dummy := func(in []bool) float64 { c := append([]bool(nil), in...); c[p-1] = false; return v(c) }
	full, empty := allNone(dummy, p)
	var runs [2][]float64
	for k := range runs {
		s, err := explain.NewSample(p)
		require.NoError(t, err)
		runs[k] = make([]float64, p)
		require.NoError(t, s.Shapley(context.Background(), &setGame{v: dummy, in: make([]bool, p)}, full, empty, runs[k]))
	}
	for i := range runs[0] {
		require.Equal(t, math.Float64bits(runs[0][i]), math.Float64bits(runs[1][i]), "player %d", i)
	}
	assert.Zero(t, runs[0][p-1], "the player the game ignores")
	assert.InDelta(t, full-empty, sum(runs[0]), 1e-9)
}

// TestSampleAndExactStopWhenTheContextEnds: a context cancelled during
// the work stops it within one order (sampled) or one stride of sets
// (enumerated), counted in evaluations.
func TestSampleAndExactStopWhenTheContextEnds(t *testing.T) {
	const p = 20
	ctx, cancel := context.WithCancel(context.Background())
	g := &setGame{v: func([]bool) float64 { return 1 }, in: make([]bool, p), after: func(n int) {
		if n == 100 {
			cancel()
		}
	}}
	s, err := explain.NewSample(p)
	require.NoError(t, err)
	err = s.Shapley(ctx, g, 1, 0, make([]float64, p))
	require.True(t, errors.Is(err, context.Canceled), "error %v", err)
	assert.Less(t, g.evals, 100+p, "evaluations after the cancel")
	assert.Less(t, g.evals, s.Evaluations())

	ctx, cancel = context.WithCancel(context.Background())
	evals := 0
	_, _, err = explain.ExactContext(ctx, explain.MaxExact, func(uint64) float64 {
		evals++
		if evals == 300 {
			cancel()
		}
		return 0
	}, make([]float64, explain.MaxExact))
	require.True(t, errors.Is(err, context.Canceled), "error %v", err)
	assert.Less(t, evals, 300+256+1, "evaluations after the cancel")
}
