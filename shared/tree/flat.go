package tree

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// flat holds a model's trees laid out to route blocks of rows through
// them: the kernel behind Compiled.AddBatch for models with trees too
// large for Compiled's tables (100 trees of 31 leaves on a wide table,
// say), which it routes all, tables or not.
//
// A block of rows is coded once into one byte per row and column: a
// numeric feature as the number of the flat trees' thresholds on it below
// the value (NaN a code of its own after them), a categorical one as its
// level, levels above every set sharing one code. Every split node then
// tests its column's code with a 256-byte table (1: left), numeric and
// categorical alike, so a test is two loads and no branch.
//
// A tree is walked over a block of flatRows rows at a time, node by node:
// each split partitions its rows between its children, as a grower
// partitions rows, and each leaf adds its value to its rows. A row costs a
// few instructions per level, none of which waits on the one before, and
// a row's value is added in tree order, as Predict's sum adds it.
type flat struct {
	cols  []flatCol
	luts  []uint8 // 256-byte tables, one per distinct test
	trees []flatTree
	pool  sync.Pool // of *flatBuffers, so that a batch allocates nothing
}

// flatBuffers is what one AddBatch call codes and routes rows in.
type flatBuffers struct {
	codes []uint8 // by column, batchRows codes a column
	route flatScratch
}

// buffers returns buffers for one AddBatch call, to be put back in f.pool.
func (f *flat) buffers() *flatBuffers {
	if b, ok := f.pool.Get().(*flatBuffers); ok {
		return b
	}
	return &flatBuffers{codes: make([]uint8, len(f.cols)*batchRows)}
}

// flatCol codes one feature of a block of rows.
type flatCol struct {
	feature int
	numeric bool
	// numeric: the thresholds, sorted and distinct, padded with +Inf to
	// 2^k−1 entries so that a rank takes k branch-free steps; nan is
	// NaN's code, the number of real thresholds + 1.
	thr  []float64
	keys []uint64 // thr's orderKey
	nan  uint8
	// categorical: levels ≥ top code as top (every set leaves them out).
	top uint64
}

// flatTree is one tree's nodes, in the tree's own order.
type flatTree struct {
	nodes []flatNode
}

// flatNode is a split (col ≥ 0) or a leaf (col −1, value).
type flatNode struct {
	col         int32 // code column the split tests
	lut         int32 // offset of the split's table in flat.luts
	left, right int32
	value       float64
	final       bool // a split whose children are both leaves
}

// flatRows is how many rows a tree routes at a time (AddBatch's chunk):
// enough that a node's own cost is small beside its rows'. Indices into
// arrays of this length are masked by flatMask, which spares their bounds
// checks.
const (
	flatRows = batchRows
	flatMask = flatRows - 1
)

// maxFlatThresholds is the most thresholds of the flat trees on one
// numeric feature: its codes (one per threshold, one above them all, one
// for NaN) must fit in a byte.
const maxFlatThresholds = 254

// maxFlatLUTs is the most bytes of tables a model's flat trees may use;
// trees past it are walked as Tree.PredictAdd walks them.
const maxFlatLUTs = 16 << 20

// newFlat lays out trees[i] for each i in which (valid trees, as Compile
// takes). It returns the flat trees, and for each tree whether it was
// laid out: a tree on a feature with more than 256 codes is not (it is
// walked as before), nor are trees past maxFlatLUTs. nil when none was.
func newFlat(trees []Tree, which []int) (*flat, []bool) {
	thr := map[int][]float64{}
	top := map[int]uint64{}
	for _, t := range which {
		for i := range trees[t].Nodes {
			n := &trees[t].Nodes[i]
			switch {
			case n.Feature < 0:
			case n.categorical():
				top[int(n.Feature)] = max(top[int(n.Feature)], n.topLevel())
			default:
				thr[int(n.Feature)] = append(thr[int(n.Feature)], n.Threshold)
			}
		}
	}
	f := &flat{}
	numCol, catCol := map[int]int32{}, map[int]int32{}
	// Columns in feature order, so that a layout is deterministic.
	for feat := range maxFeature(trees, which) + 1 {
		if ts, ok := thr[feat]; ok {
			slices.Sort(ts)
			ts = slices.Compact(ts)
			if len(ts) <= maxFlatThresholds {
				numCol[feat] = int32(len(f.cols))
				pad := padThresholds(ts)
				keys := make([]uint64, len(pad))
				for i, t := range pad {
					keys[i] = orderKey(t)
				}
				f.cols = append(f.cols, flatCol{feature: feat, numeric: true, thr: pad, keys: keys, nan: uint8(len(ts) + 1)})
			}
		}
		if l, ok := top[feat]; ok && l <= math.MaxUint8 {
			catCol[feat] = int32(len(f.cols))
			f.cols = append(f.cols, flatCol{feature: feat, top: l})
		}
	}
	done := make([]bool, len(trees))
	lutAt := map[string]int32{}
	for _, t := range which {
		ft, ok := f.layout(trees[t].Nodes, numCol, catCol, lutAt)
		if !ok || len(f.luts) > maxFlatLUTs {
			continue
		}
		f.trees = append(f.trees, ft)
		done[t] = true
	}
	if len(f.trees) == 0 {
		return nil, done
	}
	return f, done
}

// maxFeature is the highest feature any split of trees[i], i in which,
// tests; −1 when none splits.
func maxFeature(trees []Tree, which []int) int {
	m := -1
	for _, t := range which {
		for _, n := range trees[t].Nodes {
			m = max(m, int(n.Feature))
		}
	}
	return m
}

// padThresholds returns ts padded with +Inf to 2^k−1 entries.
func padThresholds(ts []float64) []float64 {
	size := 1
	for size-1 < len(ts) {
		size *= 2
	}
	pad := make([]float64, size-1)
	copy(pad, ts)
	for i := len(ts); i < len(pad); i++ {
		pad[i] = math.Inf(1)
	}
	return pad
}

// layout turns nodes into a flat tree, adding its tests' tables to f.luts
// (the same table once); false when a split's feature has no column.
func (f *flat) layout(nodes []Node, numCol, catCol map[int]int32, lutAt map[string]int32) (flatTree, bool) {
	ft := flatTree{nodes: make([]flatNode, len(nodes))}
	var lut [256]uint8
	for i := range nodes {
		n := &nodes[i]
		if n.Feature < 0 {
			ft.nodes[i] = flatNode{col: -1, value: n.Value}
			continue
		}
		var col int32
		var ok bool
		lut = [256]uint8{}
		if n.categorical() {
			if col, ok = catCol[int(n.Feature)]; !ok {
				return flatTree{}, false
			}
			// Codes above every set's levels go right, as such levels do.
			for c := range lut {
				lut[c] = btou8(n.inSet(uint64(c)))
			}
		} else {
			if col, ok = numCol[int(n.Feature)]; !ok {
				return flatTree{}, false
			}
			fc := &f.cols[col]
			// Code c is the number of thresholds below the value, so
			// value ≤ thr[k] exactly when c ≤ k.
			k, _ := slices.BinarySearch(fc.thr, n.Threshold)
			for c := 0; c <= k; c++ {
				lut[c] = 1
			}
			lut[fc.nan] = btou8(n.MissingLeft)
		}
		off, seen := lutAt[string(lut[:])]
		if !seen {
			off = int32(len(f.luts))
			f.luts = append(f.luts, lut[:]...)
			lutAt[string(lut[:])] = off
		}
		final := nodes[n.Left].Feature < 0 && nodes[n.Right].Feature < 0
		ft.nodes[i] = flatNode{col: col, lut: off, left: n.Left, right: n.Right, final: final}
	}
	return ft, true
}

func btou8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// code writes the codes of the n rows of x (p values each) into codes,
// stride bytes a column.
func (f *flat) code(x []float64, p, n int, codes []uint8, stride int) {
	if n == 0 {
		return
	}
	for c := range f.cols {
		fc := &f.cols[c]
		dst := codes[c*stride : c*stride+n]
		xs := x[fc.feature : (n-1)*p+fc.feature+1]
		if !fc.numeric {
			for r := range dst {
				// Predict tests a level as uint64(v); so does this.
				dst[r] = uint8(min(uint64(xs[r*p]), fc.top))
			}
			continue
		}
		fc.rank(xs, p, dst)
	}
}

// rank writes into dst[r] the numeric code of xs[r*p]: the number of
// thresholds below it, or the NaN code. The search compares integer keys
// that order as the values do, by a subtraction's borrow, so that no step
// branches (a branch there is as hard to predict as a coin), and four
// rows go through it together, their steps independent, so that the
// processor overlaps them.
func (fc *flatCol) rank(xs []float64, p int, dst []uint8) {
	keys := fc.keys
	half := (len(keys) + 1) / 2
	r := 0
	for ; r+4 <= len(dst); r += 4 {
		v0, v1, v2, v3 := xs[r*p], xs[(r+1)*p], xs[(r+2)*p], xs[(r+3)*p]
		k0, k1, k2, k3 := orderKey(v0), orderKey(v1), orderKey(v2), orderKey(v3)
		l0, l1, l2, l3 := 0, 0, 0, 0
		for h := half; h > 0; h /= 2 {
			_, b0 := bits.Sub64(keys[l0+h-1], k0, 0)
			l0 += h & -int(b0)
			_, b1 := bits.Sub64(keys[l1+h-1], k1, 0)
			l1 += h & -int(b1)
			_, b2 := bits.Sub64(keys[l2+h-1], k2, 0)
			l2 += h & -int(b2)
			_, b3 := bits.Sub64(keys[l3+h-1], k3, 0)
			l3 += h & -int(b3)
		}
		dst[r], dst[r+1], dst[r+2], dst[r+3] = fc.code(v0, l0), fc.code(v1, l1), fc.code(v2, l2), fc.code(v3, l3)
	}
	for ; r < len(dst); r++ {
		v := xs[r*p]
		k, l := orderKey(v), 0
		for h := half; h > 0; h /= 2 {
			_, b := bits.Sub64(keys[l+h-1], k, 0)
			l += h & -int(b)
		}
		dst[r] = fc.code(v, l)
	}
}

// orderKey maps a number other than NaN to an unsigned integer that
// orders as the numbers do (−0 and +0 alike): a positive number's bits
// with the sign set, a negative one's all flipped.
func orderKey(v float64) uint64 {
	if v == 0 {
		v = 0 // −0 is +0
	}
	k := math.Float64bits(v)
	return k ^ (uint64(int64(k)>>63) | 1<<63)
}

// code is the code of value v, l thresholds below it unless it is NaN.
func (fc *flatCol) code(v float64, l int) uint8 {
	if v != v {
		return fc.nan
	}
	return uint8(l)
}

// flatScratch is what routing one block needs beside the codes.
type flatScratch struct {
	rows  [2][flatRows]uint16 // row indices, ping-ponged level by level
	stack []flatFrame
}

// flatFrame is a split node with the rows that reach it: rows[buf][lo:hi].
type flatFrame struct {
	node   int32
	lo, hi int32
	buf    int32
}

// add adds tree t's prediction for the n ≤ flatRows rows of a block to
// acc[:n]; column c's codes of the block are codes[c*stride:], flatRows
// bytes at least.
func (f *flat) add(t *flatTree, codes []uint8, stride, n int, acc *[flatRows]float64, s *flatScratch) {
	nodes, luts := t.nodes, f.luts
	if nodes[0].col < 0 {
		v := nodes[0].value
		for r := range acc[:n] {
			acc[r] += v
		}
		return
	}
	for r := range n {
		s.rows[0][r] = uint16(r)
	}
	stack := append(s.stack[:0], flatFrame{hi: int32(n)})
	for len(stack) > 0 {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		node, lo, hi, buf := fr.node, int(fr.lo), int(fr.hi), fr.buf&1
		for {
			nd := &nodes[node]
			col := (*[flatRows]uint8)(codes[int(nd.col)*stride:])
			lut := (*[256]uint8)(luts[nd.lut:])
			if nd.final {
				// Both children are leaves: each row adds one of their
				// values, no partition needed.
				vals := [2]float64{nodes[nd.right].value, nodes[nd.left].value}
				addFinal(acc, &s.rows[buf], col, lut, lo, hi, &vals)
				break
			}
			i := partition(&s.rows[buf], &s.rows[buf^1], col, lut, lo, hi)
			buf ^= 1
			rows := &s.rows[buf]
			// A leaf child takes its rows at once; a split one is
			// routed next (the left) or later (the right).
			if i < hi {
				if r := &nodes[nd.right]; r.col < 0 {
					addLeaf(acc, rows[i:hi], r.value)
				} else {
					stack = append(stack, flatFrame{node: nd.right, lo: int32(i), hi: int32(hi), buf: buf})
				}
			}
			if i > lo {
				if l := &nodes[nd.left]; l.col < 0 {
					addLeaf(acc, rows[lo:i], l.value)
				} else {
					node, hi = nd.left, i
					continue
				}
			}
			break
		}
	}
	s.stack = stack
}

// addLeaf adds a leaf's value v to the sums of its rows.
func addLeaf(acc *[flatRows]float64, rows []uint16, v float64) {
	for _, r := range rows {
		acc[r&flatMask] += v
	}
}

// addFinal adds to each row of src[lo:hi] the value of the leaf its code
// in col sends it to: vals[1] left, vals[0] right.
//
//go:noinline
func addFinal(acc *[flatRows]float64, src *[flatRows]uint16, col *[flatRows]uint8, lut *[256]uint8, lo, hi int, vals *[2]float64) {
	_, _, _ = acc[0], col[0], lut[0] // nil checks once, not per row
	for _, r := range src[lo:hi] {
		r &= flatMask
		acc[r] += vals[lut[col[r]]&1]
	}
}

// partition writes rows src[lo:hi] into dst[lo:hi], those whose code in
// col lut sends left (lut 1) first, and returns where the right ones
// start. Left rows fill dst from lo up, right rows from hi down; each row
// is written to both ends and the end it does not belong to is
// overwritten later, so nothing branches. Two rows a turn halve the
// loop's own cost. (A function of its own keeps the loop's few values in
// registers.)
//
//go:noinline
func partition(src, dst *[flatRows]uint16, col *[flatRows]uint8, lut *[256]uint8, lo, hi int) int {
	_, _, _ = col[0], lut[0], dst[0] // nil checks once, not per row
	i, j := lo, hi-1
	k := lo
	for ; k+2 <= hi; k += 2 {
		r0, r1 := src[k&flatMask], src[(k+1)&flatMask]
		l0 := int(lut[col[r0&flatMask]])
		l1 := int(lut[col[r1&flatMask]])
		dst[i&flatMask] = r0
		dst[j&flatMask] = r0
		i += l0
		j += l0 - 1
		dst[i&flatMask] = r1
		dst[j&flatMask] = r1
		i += l1
		j += l1 - 1
	}
	if k < hi {
		r := src[k&flatMask]
		dst[i&flatMask] = r
		i += int(lut[col[r&flatMask]])
	}
	return i
}
