package explain

import (
	"fmt"
	"math/bits"
	"slices"

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
	var stack walkStack
	return walkTree(t, x, ref, phi, &stack)
}

// walkStack holds the pending frames of a walk. Every pending frame is
// ref's side of a split on the current path where x and ref parted, each
// on a feature of its own, so at most MaxFeatures are pending.
type walkStack [MaxFeatures]frame

type frame struct {
	node    int32
	in, out uint64
}

// walkTree is Tree with the stack given, so that an ensemble clears it
// once rather than once a tree.
func walkTree(t *tree.Tree, x, ref, phi []float64, stack *walkStack) (fx, fr float64) {
	sp := 0
	nodes := t.Nodes
	i, in, out := int32(0), uint64(0), uint64(0)
	for {
		n := &nodes[i]
		if n.Feature >= 0 {
			j := uint(n.Feature)
			bit := uint64(1) << j
			xl := goesLeft(n, x[j])
			if (in|out)&bit == 0 {
				if rl := goesLeft(n, ref[j]); rl != xl {
					// x's side needs j in S, ref's side needs it out.
					var rc int32
					if rl {
						i, rc = n.Right, n.Left
					} else {
						i, rc = n.Left, n.Right
					}
					stack[sp] = frame{rc, in, out | bit}
					sp++
					in |= bit
					continue
				}
			} else if out&bit != 0 {
				xl = goesLeft(n, ref[j])
			}
			if xl {
				i = n.Left
			} else {
				i = n.Right
			}
			continue
		}
		// A leaf: the Shapley values of value·1[in ⊆ S, out ∩ S = ∅].
		v := n.Value
		if in == 0 {
			fr = v
		}
		if out == 0 {
			fx = v
		}
		a, b := bits.OnesCount64(in), bits.OnesCount64(out)
		if a > 0 {
			d := v * coef[a][b]
			for s := in; s != 0; s &= s - 1 {
				phi[bits.TrailingZeros64(s)] += d
			}
		}
		if b > 0 {
			d := v * coef[b][a]
			for s := out; s != 0; s &= s - 1 {
				phi[bits.TrailingZeros64(s)] -= d
			}
		}
		if sp == 0 {
			return fx, fr
		}
		sp--
		i, in, out = stack[sp].node, stack[sp].in, stack[sp].out
	}
}

func goesLeft(n *tree.Node, v float64) bool { return n.GoesLeft(v) }

// Ensemble writes into phi (one value per column of x, each column a
// feature) the exact baseline Shapley values of e for the record x against
// ref, and returns e's predictions for both, bit for bit as e.Predict
// gives them. A sum (boosting) adds its trees' values, a mean (forest)
// averages them, at any width (up to MaxFeatures features with masks,
// beyond with the lists of a wide walk); a weighted median is not additive
// in its trees and is enumerated with Exact, so it takes at most MaxExact
// features here (an Explainer samples a wider one). e must have been
// checked (ensemble.Ensemble.Check) for len(x) features.
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
	clear(phi)
	// Summed in e.Predict's order, so fx and fr are bit for bit its.
	if e.Combine == ensemble.Sum {
		fx, fr = e.Base, e.Base
	}
	if p > MaxFeatures {
		// The walk has its own copies, so that narrower records stay on
		// their callers' stacks.
		w := newWideWalk(slices.Clone(x), slices.Clone(ref), make([]float64, p))
		for i := range e.Trees {
			tx, tr := w.tree(&e.Trees[i])
			fx += tx
			fr += tr
		}
		copy(phi, w.phi)
	} else {
		var stack walkStack
		for i := range e.Trees {
			tx, tr := walkTree(&e.Trees[i], x, ref, phi, &stack)
			fx += tx
			fr += tr
		}
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
