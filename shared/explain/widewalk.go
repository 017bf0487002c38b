package explain

import "github.com/studentperf/studentperf/shared/tree"

// Notes of a wide walk: how a feature's value is taken on the current
// path.
const (
	unnoted  int8 = iota // x and ref have not parted on it
	notedIn              // in S: x's value
	notedOut             // out of S: ref's value
)

// wideWalk is Tree's walk for records wider than a mask (more than
// MaxFeatures features): the same game, the same sets A and B per leaf,
// kept as lists of the features noted on the current path with a note per
// feature, so that any width works. The lists are at most as long as the
// deepest path.
type wideWalk struct {
	x, ref, phi []float64
	note        []int8
	in, out     []int32
	fx, fr      float64
}

func newWideWalk(x, ref, phi []float64) *wideWalk {
	return &wideWalk{x: x, ref: ref, phi: phi, note: make([]int8, len(x))}
}

// tree adds the values of t to phi and returns t's predictions for x and
// for ref.
func (w *wideWalk) tree(t *tree.Tree) (fx, fr float64) {
	w.walk(t.Nodes, 0)
	return w.fx, w.fr
}

// walk follows the coalitions from node i: down the way x and ref agree
// on, or down both ways where they part on a feature not yet noted.
func (w *wideWalk) walk(nodes []tree.Node, i int32) {
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			w.leaf(n.Value)
			return
		}
		j := n.Feature
		xl := goesLeft(n, w.x[j])
		switch w.note[j] {
		case notedOut:
			xl = goesLeft(n, w.ref[j])
		case unnoted:
			if rl := goesLeft(n, w.ref[j]); rl != xl {
				xc, rc := n.Left, n.Right
				if rl {
					xc, rc = rc, xc
				}
				w.note[j] = notedIn
				w.in = append(w.in, j)
				w.walk(nodes, xc)
				w.in = w.in[:len(w.in)-1]
				w.note[j] = notedOut
				w.out = append(w.out, j)
				w.walk(nodes, rc)
				w.out = w.out[:len(w.out)-1]
				w.note[j] = unnoted
				return
			}
		}
		if xl {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// leaf credits the Shapley values of value·1[in ⊆ S, out ∩ S = ∅].
func (w *wideWalk) leaf(v float64) {
	a, b := len(w.in), len(w.out)
	if a == 0 {
		w.fr = v
	}
	if b == 0 {
		w.fx = v
	}
	if a > 0 {
		d := v * coefOf(a, b)
		for _, j := range w.in {
			w.phi[j] += d
		}
	}
	if b > 0 {
		d := v * coefOf(b, a)
		for _, j := range w.out {
			w.phi[j] -= d
		}
	}
}
