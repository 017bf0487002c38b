package tree

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Node is one fixed-size record of a finished tree. A split node sends a
// row left when its feature's value is ≤ Threshold (numeric) or its level
// is in its set of levels (categorical): Cats for a feature of at most 64
// levels (Cats ≠ 0), Set for a wider one (Set ≠ nil, Cats 0); a leaf has
// Feature −1 and predicts Value. Children come after their parent, so a
// walk always ends.
type Node struct {
	Feature int32 `json:"f"`
	Left    int32 `json:"l,omitempty"`
	Right   int32 `json:"r,omitempty"`
	bin     uint8 // numeric threshold as a bin code, while training
	// MissingLeft sends a missing value (NaN) left at a numeric split;
	// otherwise it goes right.
	MissingLeft bool      `json:"m,omitempty"`
	Threshold   float64   `json:"t,omitempty"`
	Cats        uint64    `json:"c,omitempty"`
	Value       float64   `json:"v,omitempty"`
	Set         *LevelSet `json:"s,omitempty"`
}

// LevelSet is a set of levels of any number: level l is in it when bit
// l%64 of word l/64 is set. Words past the end are empty.
type LevelSet []uint64

// Has reports whether level l is in the set.
func (s LevelSet) Has(l uint64) bool {
	w := l >> 6
	return w < uint64(len(s)) && s[w]>>(l&63)&1 == 1
}

// newLevelSet returns the set of the given levels, sized for levels
// below n.
func newLevelSet(n int, levels []int) *LevelSet {
	s := make(LevelSet, (n+63)/64)
	for _, l := range levels {
		s[l>>6] |= 1 << (l & 63)
	}
	return &s
}

// categorical reports whether n splits by a set of levels.
func (n *Node) categorical() bool { return n.Cats != 0 || n.Set != nil }

// inSet reports whether level l goes left at categorical node n. A
// shift by 64 or more leaves nothing, so a level past Cats goes right.
func (n *Node) inSet(l uint64) bool {
	if n.Set != nil {
		return n.Set.Has(l)
	}
	return n.Cats>>l&1 == 1
}

// GoesLeft reports whether a row whose feature n.Feature holds v goes
// to n's left child, as Predict decides.
func (n *Node) GoesLeft(v float64) bool {
	if n.categorical() {
		return n.inSet(uint64(v))
	}
	return v <= n.Threshold || (n.MissingLeft && v != v)
}

// Tree is a finished regression tree: Nodes[0] is the root.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Predict walks one row (numeric values and level indices, as in Data) to
// its leaf. The row must have the features the tree was checked for.
func (t *Tree) Predict(x []float64) float64 {
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return n.Value
		}
		v := x[n.Feature]
		var left bool
		if n.Cats != 0 {
			left = n.Cats>>uint64(v)&1 == 1
		} else if n.Set != nil {
			left = n.Set.Has(uint64(v))
		} else {
			left = v <= n.Threshold || (n.MissingLeft && v != v)
		}
		if left {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// PredictBinned walks row r of the data the tree was grown on.
func (t *Tree) PredictBinned(bd *Binned, r int) float64 {
	p := bd.Cols()
	codes := bd.Codes[r*p : (r+1)*p]
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return n.Value
		}
		c := codes[n.Feature]
		var left bool
		if n.Cats != 0 {
			left = n.Cats>>c&1 == 1
		} else if n.Set != nil {
			left = n.Set.Has(uint64(bd.code(r, int(n.Feature))))
		} else {
			left = c <= n.bin || (n.MissingLeft && int(c) == bd.NBins[n.Feature]-1)
		}
		if left {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// Scale multiplies every leaf value by f (a boosting learning rate).
func (t *Tree) Scale(f float64) {
	for i := range t.Nodes {
		if t.Nodes[i].Feature < 0 {
			t.Nodes[i].Value *= f
		}
	}
}

// Leaves counts the leaves.
func (t *Tree) Leaves() int {
	n := 0
	for _, nd := range t.Nodes {
		if nd.Feature < 0 {
			n++
		}
	}
	return n
}

// Check reports a tree that cannot predict rows with the given features
// (levels as in Data): a bad index or child, a category split on a numeric
// feature or outside the levels, a value that is not finite.
func (t *Tree) Check(levels []int) error {
	if len(t.Nodes) == 0 {
		return errors.New("tree has no nodes")
	}
	for i, n := range t.Nodes {
		if n.Feature < 0 {
			if n.Feature != -1 || n.Left != 0 || n.Right != 0 || n.Threshold != 0 || n.Cats != 0 || n.Set != nil || n.MissingLeft {
				return fmt.Errorf("node %d: a leaf has feature -1 and nothing but a value", i)
			}
			if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
				return fmt.Errorf("node %d: leaf value is not finite", i)
			}
			continue
		}
		if int(n.Feature) >= len(levels) {
			return fmt.Errorf("node %d: feature %d of %d", i, n.Feature, len(levels))
		}
		if n.Left <= int32(i) || n.Right <= int32(i) || int(n.Left) >= len(t.Nodes) || int(n.Right) >= len(t.Nodes) {
			return fmt.Errorf("node %d: children %d and %d must follow it within %d nodes", i, n.Left, n.Right, len(t.Nodes))
		}
		if l := levels[n.Feature]; l > 0 {
			if err := n.checkSet(l); err != nil {
				return fmt.Errorf("node %d: %w", i, err)
			}
		} else if n.categorical() || math.IsNaN(n.Threshold) || math.IsInf(n.Threshold, 0) {
			return fmt.Errorf("node %d: numeric split needs a finite threshold", i)
		}
	}
	return nil
}

// checkSet reports a categorical split on a feature of l levels whose set
// is not the kind the feature's width takes (Cats up to 64 levels, Set
// beyond), is empty, or names a level past l.
func (n *Node) checkSet(l int) error {
	if n.Threshold != 0 || n.MissingLeft {
		return errors.New("categorical split has a threshold or a side for missing values")
	}
	if l <= wideLevels {
		if n.Set != nil || n.Cats == 0 || (l < 64 && n.Cats>>uint(l) != 0) {
			return fmt.Errorf("categorical split needs a non-empty set of levels within %d in c", l)
		}
		return nil
	}
	if n.Cats != 0 || n.Set == nil || len(*n.Set) > (l+63)/64 {
		return fmt.Errorf("categorical split of %d levels needs a set of at most %d words in s", l, (l+63)/64)
	}
	empty := true
	for w, word := range *n.Set {
		if word == 0 {
			continue
		}
		empty = false
		if top := w*64 + 63 - bits.LeadingZeros64(word); top >= l {
			return fmt.Errorf("categorical split names level %d of %d", top, l)
		}
	}
	if empty {
		return errors.New("categorical split has an empty set of levels")
	}
	return nil
}

// wideLevels is the most levels of a feature whose splits keep their
// set in Node.Cats; a wider feature's go in Node.Set.
const wideLevels = 64

// block is how many rows PredictAdd walks through a tree together: their
// walks are independent, so the processor overlaps them instead of waiting
// on one node load at a time.
const block = 8

// PredictAdd adds the tree's prediction for each of the len(out) rows of
// x (p values each, row after row) to out. It gives exactly what Predict
// gives row by row.
//
// The rows go down the tree together, a chunk at a time: each split node
// partitions its rows' indices between its children, as a grower
// partitions its rows, so a row costs a comparison and a store per level
// instead of a dependent load of the next node.
func (t *Tree) PredictAdd(x []float64, p int, out []float64) {
	n := len(out)
	if n < routeRows {
		t.walkAdd(x, p, out)
		return
	}
	var idx, tmp [routeChunk]int32
	for lo := 0; lo < n; lo += routeChunk {
		k := min(routeChunk, n-lo)
		for i := range k {
			idx[i] = int32(i)
		}
		t.route(x[lo*p:(lo+k)*p], p, out[lo:lo+k], idx[:k], tmp[:k], 0)
	}
}

// routeRows is the fewest rows PredictAdd routes together; routeChunk the
// most, which keeps its index buffers on the stack.
const (
	routeRows  = 16
	routeChunk = 512
)

// route adds the value of the leaf under node to out[r] for each row r of
// idx, splitting idx (and using tmp, as long) between the children on the
// way down.
func (t *Tree) route(x []float64, p int, out []float64, idx, tmp []int32, node int32) {
	nd := &t.Nodes[node]
	for nd.Feature >= 0 {
		f := int(nd.Feature)
		i, k := 0, 0
		if set := nd.Set; set != nil {
			for _, r := range idx {
				l := 0
				if set.Has(uint64(x[int(r)*p+f])) {
					l = 1
				}
				idx[i] = r
				tmp[k] = r
				i += l
				k += 1 - l
			}
		} else if cats := nd.Cats; cats != 0 {
			for _, r := range idx {
				l := int((cats >> uint64(x[int(r)*p+f])) & 1)
				idx[i] = r
				tmp[k] = r
				i += l
				k += 1 - l
			}
		} else {
			thr, miss := nd.Threshold, nd.MissingLeft
			for _, r := range idx {
				l := 0
				if v := x[int(r)*p+f]; v <= thr || (miss && v != v) {
					l = 1
				}
				idx[i] = r
				tmp[k] = r
				i += l
				k += 1 - l
			}
		}
		copy(idx[i:], tmp[:k])
		if i > 0 {
			t.route(x, p, out, idx[:i], tmp[:i], nd.Left)
		}
		if k == 0 {
			return
		}
		idx, tmp = idx[i:], tmp[i:]
		nd = &t.Nodes[nd.Right]
	}
	v := nd.Value
	for _, r := range idx {
		out[r] += v
	}
}

// walkAdd is PredictAdd walking block rows through the tree together,
// each on its own path: the processor overlaps their node loads.
func (t *Tree) walkAdd(x []float64, p int, out []float64) {
	nodes := t.Nodes
	n := len(out)
	r := 0
	for ; r+block <= n; r += block {
		var idx [block]int32
		for {
			moved := false
			for k := range block {
				nd := &nodes[idx[k]]
				if nd.Feature < 0 {
					continue
				}
				moved = true
				v := x[(r+k)*p+int(nd.Feature)]
				// The child is computed rather than branched on: a row's
				// direction at a node is as good as random.
				var right int32
				if nd.Cats != 0 {
					right = int32(^(nd.Cats >> uint64(v)) & 1)
				} else if nd.Set != nil {
					if !nd.Set.Has(uint64(v)) {
						right = 1
					}
				} else if !(v <= nd.Threshold || (nd.MissingLeft && v != v)) {
					right = 1
				}
				idx[k] = nd.Left + (nd.Right-nd.Left)*right
			}
			if !moved {
				break
			}
		}
		for k := range block {
			out[r+k] += nodes[idx[k]].Value
		}
	}
	for ; r < n; r++ {
		out[r] += t.Predict(x[r*p : (r+1)*p])
	}
}
