package tree

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Compiled is a list of trees turned into lookup tables for fast
// prediction; it predicts exactly what the trees' Predict does, leaf for
// leaf.
//
// A row is coded once into a few small integers, one per group of
// features:
//
//   - a numeric feature is a group of its own, coded as the number of the
//     trees' thresholds on it that are below the value, so value ≤ t_k ⇔
//     code ≤ k exactly;
//   - categorical features are packed into groups, each coded as the
//     mixed-radix number of its features' levels (levels above every
//     level set the trees use, which all go right, share one code).
//
// A tree then needs no walk: the cells of its table are the products of
// the classes of codes it cannot tell apart (for a numeric group, the
// ranges between its own thresholds; for a categorical one, the codes
// that go the same way at each of its splits), each cell holds the leaf
// it reaches, and a row's cell is a sum of one lookup per group. A tree
// whose table would be too large is walked node by node instead; AddBatch
// routes the rows of a model with such trees through all of its trees in
// blocks (see flat), which costs a row far less than walking it.
type Compiled struct {
	width  int // values per input row the trees read
	groups []codeGroup
	trees  []ctree
	flat   *flat // the trees laid out for AddBatch; nil when none is
	tables int   // how many trees AddBatch reads tables for
}

// codeGroup codes one or more input features into one code.
type codeGroup struct {
	features []int
	thr      []float64 // numeric: the trees' thresholds on the feature, sorted, distinct
	nan      bool      // numeric: NaN has a code of its own, len(thr)+1 (some split sends it left)
	levels   []uint64  // categorical: levels ≥ levels[i] of features[i] code as levels[i]
	radix    []int     // categorical: the multiplier of each feature's code
	size     int       // codes 0…size-1
}

// ctree is one compiled tree: a table, or the nodes to walk.
type ctree struct {
	groups []int      // the groups the tree reads
	luts   [][]uint16 // per group it reads: code → offset of the code's class
	cells  []uint8    // leaf by cell
	values []float64  // value by leaf
	walk   *Tree      // a tree too large to tabulate, walked as Predict does
	flat   int        // 1 + the tree's index in Compiled.flat; 0 when not laid out
}

// Limits of the tables.
const (
	maxGroupCodes  = 1 << 12 // most codes of a categorical group
	maxTableCells  = 1 << 16 // most cells of a tree's table
	maxModelCells  = 1 << 22 // most cells of all tables (one byte each)
	maxTableLeaves = 255     // most leaves of a tabulated tree; 255 marks an unfilled cell
	maxCodeGroups  = 64      // most groups: Predict codes a row on the stack
)

// ErrNotCompilable reports trees that Compile cannot turn into tables
// (they predict with Predict as ever): a feature split both as a number
// and as a category, more than 65,535 thresholds on one feature, or more
// than 64 groups of features.
var ErrNotCompilable = errors.New("tree: trees cannot be compiled")

// Compile turns trees into tables. The trees must be valid (as Check
// reports); they are not changed, and the result does not refer to them,
// so trees changed later need compiling again.
func Compile(trees []Tree) (*Compiled, error) {
	c := &Compiled{}
	thr := map[int][]float64{}
	nan := map[int]bool{}   // numeric features some split sends NaN left at
	top := map[int]uint64{} // categorical feature → 1 + its highest level in any set
	for t := range trees {
		nodes := trees[t].Nodes
		if len(nodes) == 0 {
			return nil, fmt.Errorf("compile: tree %d has no nodes", t)
		}
		for i, n := range nodes {
			if n.Feature < 0 {
				continue
			}
			if n.Left <= int32(i) || n.Right <= int32(i) || int(n.Left) >= len(nodes) || int(n.Right) >= len(nodes) {
				return nil, fmt.Errorf("compile: tree %d node %d: children %d and %d must follow it within %d nodes", t, i, n.Left, n.Right, len(nodes))
			}
			f := int(n.Feature)
			c.width = max(c.width, f+1)
			if n.categorical() {
				top[f] = max(top[f], n.topLevel())
			} else {
				thr[f] = append(thr[f], n.Threshold)
				nan[f] = nan[f] || n.MissingLeft
			}
		}
	}
	// Groups in feature order, so that a compile is deterministic.
	groupOf := make([]int, c.width)
	var cat *codeGroup
	for f := range c.width {
		ts, num := thr[f]
		l, isCat := top[f]
		switch {
		case num && isCat:
			return nil, fmt.Errorf("compile: feature %d is split both as a number and as a category: %w", f, ErrNotCompilable)
		case num:
			slices.Sort(ts)
			ts = slices.Compact(ts)
			if len(ts) >= math.MaxUint16 {
				return nil, fmt.Errorf("compile: feature %d has %d thresholds: %w", f, len(ts), ErrNotCompilable)
			}
			groupOf[f] = len(c.groups)
			c.groups = append(c.groups, codeGroup{features: []int{f}, thr: ts, nan: nan[f], size: len(ts) + 1 + btoi(nan[f])})
			cat = nil
		case isCat:
			if cat == nil || cat.size*int(l+1) > maxGroupCodes {
				c.groups = append(c.groups, codeGroup{size: 1})
			}
			groupOf[f] = len(c.groups) - 1
			cat = &c.groups[len(c.groups)-1]
			cat.features = append(cat.features, f)
			cat.levels = append(cat.levels, l)
			cat.radix = append(cat.radix, cat.size)
			cat.size *= int(l + 1)
		default:
			groupOf[f] = -1
		}
	}
	if len(c.groups) > maxCodeGroups {
		return nil, fmt.Errorf("compile: %d groups of features: %w", len(c.groups), ErrNotCompilable)
	}
	// Plan every table, then build the smallest within the budget: the
	// tables of one model should stay in the processor's caches.
	plans := make([]*tablePlan, len(trees))
	var order []int
	for t := range trees {
		if plans[t] = c.plan(trees[t].Nodes, groupOf); plans[t] != nil {
			order = append(order, t)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return plans[a].cells - plans[b].cells })
	budget := maxModelCells
	c.trees = make([]ctree, len(trees))
	for _, t := range order {
		if plans[t].cells > budget {
			break
		}
		if ct, ok := plans[t].build(); ok {
			c.trees[t] = ct
			c.tables++
			budget -= plans[t].cells
		}
	}
	var walked []int
	for t := range trees {
		if c.trees[t].cells == nil {
			c.trees[t] = ctree{walk: &Tree{Nodes: slices.Clone(trees[t].Nodes)}}
			walked = append(walked, t)
		}
	}
	if len(walked) > 0 {
		c.layOutFlat(trees)
	}
	return c, nil
}

// layOutFlat lays every tree out for AddBatch's flat kernel: a model with
// trees too large to tabulate is routed tree after tree rather than coded
// for the tables as well, which would cost more than the small trees'
// lookups save. Single rows still use the tables.
func (c *Compiled) layOutFlat(trees []Tree) {
	all := make([]int, len(trees))
	for t := range all {
		all[t] = t
	}
	var done []bool
	c.flat, done = newFlat(trees, all)
	k := 0
	for t := range trees {
		if done[t] {
			k++
			c.trees[t].flat = k
			if c.trees[t].cells != nil {
				c.tables--
			}
		}
	}
}

// topLevel is 1 + the highest level in categorical node n's set.
func (n *Node) topLevel() uint64 {
	if n.Set == nil {
		return uint64(bits.Len64(n.Cats))
	}
	set := *n.Set
	for w := len(set) - 1; w >= 0; w-- {
		if set[w] != 0 {
			return uint64(w*64 + bits.Len64(set[w]))
		}
	}
	return 0
}

// tablePlan is a tree's table before its cells are filled.
type tablePlan struct {
	ct      ctree
	dims    []*tableAxis
	cells   int
	nodes   []Node
	groupOf []int
}

// tableAxis is one axis of a tree's table while it is built.
type tableAxis struct {
	codeGroup int
	stride    int
	size      int
	thr       []float64 // numeric: the tree's own thresholds, sorted, distinct
	nan       bool      // numeric: NaN is a class of its own, the last
	sigs      []uint64  // categorical: per class, which of the tree's splits it goes left at
	splits    []int32   // categorical: the tree's nodes on the group, by signature bit
}

// plan lays out the table of tree nodes; nil when it would be too large.
func (c *Compiled) plan(nodes []Node, groupOf []int) *tablePlan {
	leaves := 0
	dims := map[int]*tableAxis{}
	var order []int
	for _, n := range nodes {
		if n.Feature < 0 {
			leaves++
			continue
		}
		g := groupOf[n.Feature]
		d := dims[g]
		if d == nil {
			d = &tableAxis{codeGroup: g}
			dims[g] = d
			order = append(order, g)
		}
		if !n.categorical() {
			d.thr = append(d.thr, n.Threshold)
		}
	}
	if leaves > maxTableLeaves {
		return nil
	}
	slices.Sort(order)
	ct := ctree{groups: order, luts: make([][]uint16, len(order))}
	cells := 1
	for k, g := range order {
		d, gr := dims[g], &c.groups[g]
		lut := make([]uint16, gr.size)
		if gr.thr != nil {
			d.numericClasses(gr, lut)
		} else {
			for i, n := range nodes {
				if n.Feature >= 0 && n.categorical() && groupOf[n.Feature] == g {
					d.splits = append(d.splits, int32(i))
				}
			}
			if len(d.splits) > 64 {
				return nil
			}
			sigs := make([]uint64, len(lut))
			for b, i := range d.splits {
				n := nodes[i]
				k := slices.Index(gr.features, int(n.Feature))
				radix, levels := gr.radix[k], int(gr.levels[k]+1)
				for x := range sigs {
					if n.inSet(uint64(x / radix % levels)) {
						sigs[x] |= 1 << b
					}
				}
			}
			class := map[uint64]uint16{}
			for x, sig := range sigs {
				id, ok := class[sig]
				if !ok {
					if len(class) >= maxTableCells {
						return nil
					}
					id = uint16(len(class))
					class[sig] = id
					d.sigs = append(d.sigs, sig)
				}
				lut[x] = id
			}
			d.size = len(d.sigs)
		}
		d.stride = cells
		cells *= d.size
		if cells > maxTableCells {
			return nil
		}
		for x := range lut {
			lut[x] *= uint16(d.stride)
		}
		ct.luts[k] = lut
	}
	ds := make([]*tableAxis, len(order))
	for k, g := range order {
		ds[k] = dims[g]
	}
	return &tablePlan{ct: ct, dims: ds, cells: cells, nodes: nodes, groupOf: groupOf}
}

// numericClasses sets the classes of numeric axis d (the tree's
// thresholds on group gr's feature) and maps each of gr's codes to its
// class in lut.
func (d *tableAxis) numericClasses(gr *codeGroup, lut []uint16) {
	slices.Sort(d.thr)
	d.thr = slices.Compact(d.thr)
	d.size = len(d.thr) + 1
	codes := lut
	if gr.nan {
		// NaN's code is a class of its own, after the others.
		d.nan = true
		d.size++
		lut[len(lut)-1] = uint16(len(d.thr) + 1)
		codes = lut[:len(lut)-1]
	}
	// Code x (x thresholds of all trees below the value) is in class j
	// when j of the tree's thresholds are below the value.
	j := 0
	for x := range codes {
		for j < len(d.thr) && x > 0 && d.thr[j] <= gr.thr[x-1] {
			j++
		}
		lut[x] = uint16(j)
	}
}

// build fills the planned table; false when the nodes are not a tree.
func (pl *tablePlan) build() (ctree, bool) {
	ct, ds := pl.ct, pl.dims
	ct.cells = make([]uint8, pl.cells)
	for i := range ct.cells {
		ct.cells[i] = maxTableLeaves
	}
	b := tableBuilder{nodes: pl.nodes, dims: ds, ct: &ct, groupOf: pl.groupOf}
	region := make([][]int, len(ds))
	for k, d := range ds {
		region[k] = make([]int, d.size)
		for i := range region[k] {
			region[k][i] = i
		}
	}
	b.fill(0, region)
	if b.failed || slices.Contains(ct.cells, maxTableLeaves) {
		return ctree{}, false // a cell no leaf claimed: not a tree
	}
	return ct, true
}

// tableBuilder fills a tree's table by walking the tree once, narrowing the
// region of the table each node's rows can be in.
type tableBuilder struct {
	nodes   []Node
	dims    []*tableAxis
	ct      *ctree
	groupOf []int
	failed  bool // more leaves reached than a table holds
}

// fill writes node i's leaves over region: per axis, the classes its rows
// can be in. A node no row reaches is skipped, so even nodes reached by
// many paths (not a tree, but Predict walks it) are visited at most once
// per cell.
func (b *tableBuilder) fill(i int32, region [][]int) {
	for _, r := range region {
		if len(r) == 0 || b.failed {
			return
		}
	}
	n := b.nodes[i]
	if n.Feature < 0 {
		if len(b.ct.values) >= maxTableLeaves {
			b.failed = true
			return
		}
		leaf := uint8(len(b.ct.values))
		b.ct.values = append(b.ct.values, n.Value)
		b.paint(region, 0, 0, leaf)
		return
	}
	g := b.groupOf[n.Feature]
	k := slices.IndexFunc(b.dims, func(d *tableAxis) bool { return d.codeGroup == g })
	d := b.dims[k]
	var left, right []int
	if !n.categorical() {
		// A row goes left when at most j of the tree's thresholds are
		// below its value, j the place of this one.
		j, _ := slices.BinarySearch(d.thr, n.Threshold)
		nanClass := -1
		if d.nan {
			nanClass = len(d.thr) + 1
		}
		for _, x := range region[k] {
			if x == nanClass {
				if n.MissingLeft {
					left = append(left, x)
				} else {
					right = append(right, x)
				}
			} else if x <= j {
				left = append(left, x)
			} else {
				right = append(right, x)
			}
		}
	} else {
		bit := slices.Index(d.splits, i)
		for _, x := range region[k] {
			if d.sigs[x]>>bit&1 == 1 {
				left = append(left, x)
			} else {
				right = append(right, x)
			}
		}
	}
	sub := slices.Clone(region)
	sub[k] = left
	b.fill(n.Left, sub)
	sub[k] = right
	b.fill(n.Right, sub)
}

// paint writes leaf into every cell of region from axis k on, at offset at.
func (b *tableBuilder) paint(region [][]int, k, at int, leaf uint8) {
	switch k {
	case len(region):
		b.ct.cells[at] = leaf
		return
	case len(region) - 1:
		stride := b.dims[k].stride
		for _, x := range region[k] {
			b.ct.cells[at+x*stride] = leaf
		}
		return
	}
	for _, x := range region[k] {
		b.paint(region, k+1, at+x*b.dims[k].stride, leaf)
	}
}

// Trees is how many trees were compiled.
func (c *Compiled) Trees() int { return len(c.trees) }

// Width is how many values an input row must have at least.
func (c *Compiled) Width() int { return c.width }

// Routed is how many trees AddBatch routes through its flat kernel (see
// flat) rather than reading tables or walking them row by row.
func (c *Compiled) Routed() int {
	if c.flat == nil {
		return 0
	}
	return len(c.flat.trees)
}

// Codes is how many codes a coded row has.
func (c *Compiled) Codes() int { return len(c.groups) }

// Encode codes row x (at least Width values) into dst (Codes codes).
func (c *Compiled) Encode(x []float64, dst []uint16) {
	x = x[:c.width]
	dst = dst[:len(c.groups)]
	for i := range c.groups {
		dst[i] = c.groups[i].code(x)
	}
}

// code is row x's code in g.
func (g *codeGroup) code(x []float64) uint16 {
	if g.thr != nil {
		v := x[g.features[0]]
		if g.nan && v != v {
			return uint16(len(g.thr) + 1)
		}
		return thresholdCode(g.thr, v)
	}
	s := 0
	for i, f := range g.features {
		// Predict tests a level as uint64(v); so does this.
		l := min(uint64(x[f]), g.levels[i])
		s += int(l) * g.radix[i]
	}
	return uint16(s)
}

// thresholdCode is the number of thresholds below v; NaN, which Predict sends
// right at every numeric split, is above them all.
func thresholdCode(thr []float64, v float64) uint16 {
	if v != v {
		return uint16(len(thr))
	}
	lo, n := 0, len(thr)
	for n > 0 {
		half := n / 2
		if thr[lo+half] < v {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return uint16(lo)
}

// predict is tree t's prediction for row x, coded as codes.
func (c *Compiled) predict(t int, x []float64, codes []uint16) float64 {
	ct := &c.trees[t]
	if ct.walk != nil {
		return ct.walk.Predict(x)
	}
	i := 0
	for k, g := range ct.groups {
		i += int(ct.luts[k][codes[g]])
	}
	return ct.values[ct.cells[i]]
}

// Sum adds the prediction of each tree for row x, coded as codes, to s in
// tree order, as a loop over Predict would.
func (c *Compiled) Sum(x []float64, codes []uint16, s float64) float64 {
	for t := range c.trees {
		s += c.predict(t, x, codes)
	}
	return s
}

// Each writes the prediction of tree t for row x, coded as codes, into
// dst[t].
func (c *Compiled) Each(x []float64, codes []uint16, dst []float64) {
	dst = dst[:len(c.trees)]
	for t := range c.trees {
		dst[t] = c.predict(t, x, codes)
	}
}

// batchRows is how many rows AddBatch codes and runs through every tree
// together: few enough that their codes and running sums stay in the
// first-level cache next to one tree's table.
const batchRows = 512

// batchScratch is what AddBatch needs for one chunk of rows beside the
// tables' codes.
type batchScratch struct {
	idx  [batchRows]int32
	acc  [batchRows]float64 // the flat trees' running sums
	flat *flatBuffers       // from c.flat's pool
}

// AddBatch adds, for each of the len(out) rows of x (p values each, row
// after row, p ≥ Width), every tree's prediction to out in tree order: out
// holds exactly what adding Predict tree by tree would give.
func (c *Compiled) AddBatch(x []float64, p int, out []float64) {
	var buf [4 * batchRows]uint16
	codes := buf[:] // by group, batchRows codes a group
	if q := len(c.groups); q*batchRows > len(buf) {
		codes = make([]uint16, q*batchRows)
	}
	s := &batchScratch{}
	if c.flat != nil {
		s.flat = c.flat.buffers()
		defer c.flat.pool.Put(s.flat)
	}
	for start := 0; start < len(out); start += batchRows {
		rows := min(batchRows, len(out)-start)
		xs := x[start*p : (start+rows)*p]
		if c.tables > 0 {
			// Group by group, so that each tree's loop reads one code
			// array per lookup.
			for r := range rows {
				row := xs[r*p : (r+1)*p]
				for g := range c.groups {
					codes[g*batchRows+r] = c.groups[g].code(row)
				}
			}
		}
		if c.flat != nil {
			c.flat.code(xs, p, rows, s.flat.codes, batchRows)
		}
		c.addChunk(xs, p, codes, s, out[start:start+rows])
	}
}

// addChunk adds every tree's prediction for the len(out) rows of x to
// out, tree after tree, from the chunk's codes (and those in s).
func (c *Compiled) addChunk(x []float64, p int, codes []uint16, s *batchScratch, out []float64) {
	n := len(out)
	idx := s.idx[:n]
	// The flat trees add into s.acc, the others into out: a row's sum
	// moves between them where one kind of tree follows the other.
	inAcc := false
	for t := range c.trees {
		ct := &c.trees[t]
		if ct.flat > 0 {
			if !inAcc {
				copy(s.acc[:n], out)
				inAcc = true
			}
			ft := &c.flat.trees[ct.flat-1]
			for h := 0; h < n; h += flatRows {
				c.flat.add(ft, s.flat.codes[h:], batchRows, min(flatRows, n-h), (*[flatRows]float64)(s.acc[h:]), &s.flat.route)
			}
			continue
		}
		if inAcc {
			copy(out, s.acc[:n])
			inAcc = false
		}
		switch {
		case ct.walk != nil:
			ct.walk.PredictAdd(x, p, out)
			continue
		case len(ct.groups) == 0:
			for r := range out {
				out[r] += ct.values[0]
			}
			continue
		}
		for k, g := range ct.groups {
			lut, cs := ct.luts[k], codes[g*batchRows:g*batchRows+n]
			if k == 0 {
				for r, x := range cs {
					idx[r] = int32(lut[x])
				}
			} else {
				for r, x := range cs {
					idx[r] += int32(lut[x])
				}
			}
		}
		cells, values := ct.cells, ct.values
		for r, i := range idx {
			out[r] += values[cells[i]]
		}
	}
	if inAcc {
		copy(out, s.acc[:n])
	}
}
