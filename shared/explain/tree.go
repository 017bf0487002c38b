package explain

import (
	"fmt"
	"math/bits"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// Tree adds to phi (one value per column of x, each column a feature) the
// exact baseline Shapley values of one tree t for the record x against the
// reference ref, and returns the tree's predictions for x and for ref.
//
// The game of a tree is a sum over its leaves. Walk from the root: where a
// split sends x and ref the same way, every coalition goes that way; where
// they part on feature j, the coalitions with j go x's way and those
// without go ref's way, so the walk takes both branches, noting j as "in"
// on x's side and "out" on ref's. Further down, a split on a noted feature
// is decided by the note, and a leaf is reached by exactly the coalitions
// S with A ⊆ S and B ∩ S = ∅ (A the features noted in, B those noted out).
// Its term value·1[A ⊆ S, B ∩ S = ∅] has Shapley value
// value·(a−1)!·b!/(a+b)! for each feature of A and −value·a!·(b−1)!/(a+b)!
// for each of B (a = |A|, b = |B|): a feature of A adds the leaf exactly
// when it joins after the rest of A and before all of B. The leaf with A =
// ∅ is ref's leaf and the one with B = ∅ is x's.
//
// The walk visits each node at most once, and branches at most once per
// feature on any path. t must have been checked (tree.Tree.Check) for
// len(x) ≤ MaxFeatures features; x, ref and phi must be as long.
func Tree(t *tree.Tree, x, ref, phi []float64) (fx, fr float64) {
	w := walker{nodes: t.Nodes, x: x, ref: ref, phi: phi}
	w.walk(0, 0, 0)
	return w.fx, w.fr
}

type walker struct {
	nodes  []tree.Node
	x, ref []float64
	phi    []float64
	fx, fr float64
}

// walk explores node i reached by the coalitions with every feature of in
// and none of out.
func (w *walker) walk(i int32, in, out uint64) {
	for {
		n := &w.nodes[i]
		if n.Feature < 0 {
			w.leaf(n.Value, in, out)
			return
		}
		j := uint(n.Feature)
		bit := uint64(1) << j
		xl := goesLeft(n, w.x[j])
		switch {
		case in&bit != 0:
			// decided: x's value
		case out&bit != 0:
			xl = goesLeft(n, w.ref[j])
		default:
			if rl := goesLeft(n, w.ref[j]); rl != xl {
				xc, rc := n.Right, n.Left
				if xl {
					xc, rc = n.Left, n.Right
				}
				w.walk(rc, in, out|bit)
				i, in = xc, in|bit
				continue
			}
		}
		if xl {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

func goesLeft(n *tree.Node, v float64) bool {
	if n.Cats != 0 {
		return n.Cats>>uint64(v)&1 == 1
	}
	return v <= n.Threshold
}

// leaf adds the Shapley values of value·1[in ⊆ S, out ∩ S = ∅].
func (w *walker) leaf(value float64, in, out uint64) {
	if in == 0 {
		w.fr = value
	}
	if out == 0 {
		w.fx = value
	}
	a, b := bits.OnesCount64(in), bits.OnesCount64(out)
	if a > 0 {
		d := value * coef[a][b]
		for s := in; s != 0; s &= s - 1 {
			w.phi[bits.TrailingZeros64(s)] += d
		}
	}
	if b > 0 {
		d := value * coef[b][a]
		for s := out; s != 0; s &= s - 1 {
			w.phi[bits.TrailingZeros64(s)] -= d
		}
	}
}

// Ensemble writes into phi (one value per column of x, each column a
// feature) the exact baseline Shapley values of e for the record x against
// ref, and returns e's predictions for both, bit for bit as e.Predict
// gives them. A sum (boosting) adds its trees' values, a mean (forest)
// averages them; a weighted median is not additive in its trees and is
// enumerated with Exact, so it takes at most MaxExact features. e must have
// been checked (ensemble.Ensemble.Check) for len(x) features.
func Ensemble(e *ensemble.Ensemble, x, ref, phi []float64) (fx, fr float64, err error) {
	p := len(x)
	if len(ref) != p || len(phi) != p {
		return 0, 0, fmt.Errorf("tree shapley: %d values, %d reference values and %d results", p, len(ref), len(phi))
	}
	if e.Combine == ensemble.Median {
		if p > MaxExact {
			return 0, 0, fmt.Errorf("tree shapley: a median of trees over %d features: %w (at most %d)", p, ErrTooManyFeatures, MaxExact)
		}
		var buf [MaxExact]float64
		mix := buf[:p]
		_, fr, err = Exact(p, func(s uint64) float64 {
			Mix(mix, x, ref, s)
			return e.Predict(mix)
		}, phi)
		return e.Predict(x), fr, err
	}
	if p > MaxFeatures {
		return 0, 0, fmt.Errorf("tree shapley: %d features: %w (at most %d)", p, ErrTooManyFeatures, MaxFeatures)
	}
	clear(phi)
	// Summed in e.Predict's order, so fx and fr are bit for bit its.
	if e.Combine == ensemble.Sum {
		fx, fr = e.Base, e.Base
	}
	for i := range e.Trees {
		tx, tr := Tree(&e.Trees[i], x, ref, phi)
		fx += tx
		fr += tr
	}
	if e.Combine == ensemble.Mean {
		n := float64(len(e.Trees))
		fx /= n
		fr /= n
		for j := range phi {
			phi[j] /= n
		}
	}
	return fx, fr, nil
}

// Mix writes into dst the record of set s: x's value where bit j of s is
// set, ref's elsewhere.
func Mix(dst, x, ref []float64, s uint64) {
	for j := range dst {
		if s>>uint(j)&1 == 1 {
			dst[j] = x[j]
		} else {
			dst[j] = ref[j]
		}
	}
}
