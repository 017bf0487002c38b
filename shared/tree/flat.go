package tree

import (
	"math"
	"slices"
)

// flat holds the trees too large for Compiled's tables, laid out to route
// blocks of rows through them: the kernel behind Compiled.AddBatch for
// large ensembles (100 trees of 31 leaves and more).
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
}

// flatCol codes one feature of a block of rows.
type flatCol struct {
	feature int
	numeric bool
	// numeric: the thresholds, sorted and distinct, padded with +Inf to
	// 2^k−1 entries so that a rank takes k branch-free steps; nan is
	// NaN's code, the number of real thresholds + 1.
	thr []float64
	nan uint8
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
}

// flatRows is how many rows a tree routes at a time: row indices are
// bytes, and arrays of this length index by a byte without bounds checks.
const flatRows = 256

// maxFlatThresholds is the most thresholds of the flat trees on one
// numeric feature: its codes (one per threshold, one above them all, one
// for NaN) must fit in a byte.
const maxFlatThresholds = 254

// maxFlatLUTs is the most bytes of tables a model's flat trees may use;
// trees past it are walked by Predict.
const maxFlatLUTs = 64 << 20

// newFlat lays out trees[i] for each i in which (trees already checked by
// Compile). It returns the flat trees, and for each i whether tree i was
// laid out: a tree on a feature with more than 255 codes is not (it is
// walked as before). nil when none was.
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
				f.cols = append(f.cols, flatCol{feature: feat, numeric: true, thr: padThresholds(ts), nan: uint8(len(ts) + 1)})
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
		ft.nodes[i] = flatNode{col: col, lut: off, left: n.Left, right: n.Right}
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
		thr := fc.thr
		for r := range dst {
			v := xs[r*p]
			lo := 0
			for h := (len(thr) + 1) / 2; h > 0; h /= 2 {
				if thr[lo+h-1] < v {
					lo += h
				}
			}
			if v != v {
				lo = int(fc.nan)
			}
			dst[r] = uint8(lo)
		}
	}
}

// flatScratch is what routing one block needs beside the codes.
type flatScratch struct {
	rows  [2][flatRows]uint8 // row indices, ping-ponged level by level
	stack []flatFrame
}

// flatFrame is a node with the rows that reach it: rows[buf][lo:hi].
type flatFrame struct {
	node   int32
	lo, hi int32
	buf    int32
}

// add adds tree t's prediction for the n ≤ flatRows rows of a block to
// out[:n]; column c's codes of the block are codes[c*stride:], flatRows
// bytes at least.
func (f *flat) add(t *flatTree, codes []uint8, stride, n int, out []float64, s *flatScratch) {
	out = out[:n]
	for r := range n {
		s.rows[0][r] = uint8(r)
	}
	nodes, luts := t.nodes, f.luts
	stack := append(s.stack[:0], flatFrame{hi: int32(n)})
	for len(stack) > 0 {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		node, lo, hi, buf := fr.node, int(fr.lo), int(fr.hi), fr.buf&1
		for {
			nd := &nodes[node]
			if nd.col < 0 {
				v := nd.value
				for _, r := range s.rows[buf][lo:hi] {
					out[r] += v
				}
				break
			}
			col := (*[flatRows]uint8)(codes[int(nd.col)*stride:])
			lut := (*[flatRows]uint8)(luts[nd.lut:])
			i := partition(&s.rows[buf], &s.rows[buf^1], col, lut, lo, hi)
			buf ^= 1
			switch {
			case i == lo:
				node = nd.right
			case i == hi:
				node = nd.left
			default:
				stack = append(stack, flatFrame{node: nd.right, lo: int32(i), hi: int32(hi), buf: buf})
				node, hi = nd.left, i
			}
		}
	}
	s.stack = stack
}

// partition writes rows src[lo:hi] into dst[lo:hi], those whose code in
// col lut sends left (lut 1) first, and returns where the right ones
// start. Left rows fill dst from lo up, right rows from hi down; each row
// is written to both ends and the end it does not belong to is
// overwritten later, so nothing branches. (A function of its own keeps
// the loop's few values in registers.)
//
//go:noinline
func partition(src, dst, col, lut *[flatRows]uint8, lo, hi int) int {
	_, _, _ = col[0], lut[0], dst[0] // nil checks once, not per row
	i, j := lo, hi-1
	for _, r := range src[lo:hi] {
		l := int(lut[col[r]])
		dst[uint8(i)] = r
		dst[uint8(j)] = r
		i += l
		j += l - 1
	}
	return i
}
