package tree

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ClassGrower grows classification trees on one binned data set, as
// scikit-learn's DecisionTreeClassifier grows them: each split the one of
// the largest decrease of the weighted impurity (Gini or entropy), found
// on histograms of the class weights of every bin (the histogram of a
// child is its parent's minus its sibling's, so only the smaller child is
// counted); numeric thresholds with the side of the missing values learnt,
// categories split natively into two sets of levels; leaves holding the
// class shares of their rows. As scikit-learn, a node splits while it is
// impure and a split of it keeps MinSamplesLeaf rows a side, even when no
// split decreases the impurity, so that an unlimited tree fits separable
// rows exactly. Where scikit-learn's threshold is the midpoint of the
// node's own neighbouring values, a ClassGrower's is the binner's edge
// (exact bins: the midpoint of neighbouring values of all the rows): the
// same split of the training rows. Ties between splits go to the earlier
// feature, then the lower bin (scikit-learn breaks them by a random order
// of the features). It keeps its scratch memory from tree to tree and is
// not safe for concurrent use.
type ClassGrower struct {
	bd   *Binned
	p    Params
	imp  Impurity
	k    int
	free []classHist // recycled histograms

	lab   []int32   // class of each binned row, for the rows of the tree
	wt    []float64 // weight of each binned row, for the rows of the tree
	nodes []cnode
	cls   []float64 // class weights of node id: cls[id*k:(id+1)*k]
	recs  []Node
	front frontier // nodes waiting to split
	feats []int
	right []int32
	left  [256]uint8
	wside []uint8
	lv    []float64 // scratch: a side's class weights
	sub   []float64 // scratch: class weights of subsets of levels
	subn  []int
	order []int
	key   []float64
	bins  []uint8 // scratch: the bins a small node's rows fall in
}

// cnode is a node while a classification tree grows.
type cnode struct {
	lo, hi int
	depth  int
	w      float64 // weight of its rows
	hist   classHist
	best   csplit
}

func (nd *cnode) n() int { return nd.hi - nd.lo }

// classHist is a node's histogram: the weight of each class in each bin
// slot (w[slot*k+c]) and the rows in it (n[slot]).
type classHist struct {
	w []float64
	n []int32
}

// csplit is a candidate split of a node.
type csplit struct {
	ok       bool
	feature  int
	bin      int       // numeric: codes ≤ bin go left
	missLeft bool      // numeric: the missing values' bin goes left too
	cats     uint64    // categorical of up to 64 levels: the levels going left
	set      *LevelSet // categorical of more levels
	gain     float64
}

// NewClassGrower checks p against bd and returns a grower of trees of
// classes classes (2 to MaxClasses) by imp. Of p it uses MaxDepth,
// MaxLeaves (best-first growth by impurity decrease), MinSamplesLeaf,
// MinSamplesSplit and MaxFeatures; the impurity replaces Criterion, which
// must be left at its zero value, and L2 must be 0.
func NewClassGrower(bd *Binned, classes int, imp Impurity, p Params) (*ClassGrower, error) {
	switch {
	case bd == nil || bd.Rows == 0:
		return nil, errors.New("tree: no binned rows")
	case classes < 2 || classes > MaxClasses:
		return nil, fmt.Errorf("tree: %d classes; want 2 to %d", classes, MaxClasses)
	case imp != Gini && imp != Entropy:
		return nil, fmt.Errorf("tree: unknown impurity %d", int(imp))
	case p.Criterion != SquaredError:
		return nil, fmt.Errorf("tree: a classification tree splits by its impurity, not %s", p.Criterion)
	case p.L2 != 0:
		return nil, fmt.Errorf("tree: L2 %v does not apply to a classification tree", p.L2)
	}
	if err := p.Check(bd.Cols()); err != nil {
		return nil, err
	}
	return &ClassGrower{bd: bd, p: p.withDefaults(), imp: imp, k: classes,
		lab: make([]int32, bd.Rows), wt: make([]float64, bd.Rows)}, nil
}

// Grow grows a tree on rows (which may repeat a row, and which Grow
// reorders: on return each leaf's rows are rows[Leaf.Lo:Leaf.Hi], the
// leaves in node order and valid until the next Grow) whose classes y
// (class indices 0 to classes−1, indexed by binned row) carry weights w
// (nil: 1 each; else positive and finite). rng draws the features of each
// split when MaxFeatures is set and may otherwise be nil.
func (g *ClassGrower) Grow(y, w []float64, rows []int32, rng *rand.Rand) (*ClassTree, []Leaf, error) {
	if err := g.checkCall(y, w, rows, rng); err != nil {
		return nil, nil, err
	}
	k := g.k
	g.nodes = g.nodes[:0]
	g.cls = g.cls[:0]
	g.recs = append(g.recs[:0], Node{Feature: -1})
	g.front = frontier{bestFirst: g.p.MaxLeaves > 0, ids: g.front.ids[:0]}
	if cap(g.right) < len(rows) {
		g.right = make([]int32, len(rows))
	}
	g.lv = slices.Grow(g.lv[:0], k)[:k]
	g.addNode(0, len(rows), 0, rows)
	var leaves []Leaf
	if g.splittable(0) {
		g.nodes[0].hist = g.getHist()
		g.count(g.nodes[0].hist, rows)
		leaves = g.consider(0, rows, rng, leaves)
	} else {
		leaves = append(leaves, Leaf{Node: 0, Lo: 0, Hi: len(rows)})
	}
	nLeaves := 1
	for len(g.front.ids) > 0 && (g.p.MaxLeaves == 0 || nLeaves < g.p.MaxLeaves) {
		id := g.front.pop(g.before)
		l, r := g.split(id, rows)
		nLeaves++
		g.children(id, l, r, rows)
		leaves = g.consider(l, rows, rng, leaves)
		leaves = g.consider(r, rows, rng, leaves)
	}
	for _, id := range g.front.ids {
		nd := &g.nodes[id]
		g.putHist(&nd.hist)
		leaves = append(leaves, Leaf{Node: id, Lo: nd.lo, Hi: nd.hi})
	}
	slices.SortFunc(leaves, func(a, b Leaf) int { return int(a.Node - b.Node) })
	t := &ClassTree{Classes: k, Nodes: slices.Clone(g.recs), Proba: make([]float64, 0, len(leaves)*k)}
	for i, lf := range leaves {
		t.Nodes[lf.Node].Value = float64(i)
		nd := &g.nodes[lf.Node]
		for _, v := range g.cls[int(lf.Node)*k : int(lf.Node+1)*k] {
			t.Proba = append(t.Proba, v/nd.w)
		}
	}
	return t, leaves, nil
}

// checkCall reports a call to Grow that cannot grow a tree, and records
// the class and weight of each row.
func (g *ClassGrower) checkCall(y, w []float64, rows []int32, rng *rand.Rand) error {
	bd := g.bd
	switch {
	case len(y) != bd.Rows:
		return fmt.Errorf("tree: %d classes for %d rows", len(y), bd.Rows)
	case w != nil && len(w) != bd.Rows:
		return fmt.Errorf("tree: %d weights for %d rows", len(w), bd.Rows)
	case len(rows) == 0:
		return errors.New("tree: no rows to grow on")
	case g.p.MaxFeatures > 0 && g.p.MaxFeatures < bd.Cols() && rng == nil:
		return errors.New("tree: feature subsampling needs a random source")
	}
	for _, r := range rows {
		if int(r) < 0 || int(r) >= bd.Rows {
			return fmt.Errorf("tree: row %d out of range", r)
		}
		c := y[r]
		if !(c >= 0 && c < float64(g.k)) || c != math.Trunc(c) {
			return fmt.Errorf("tree: class of row %d is %v; want a class index 0 to %d", r+1, c, g.k-1)
		}
		g.lab[r] = int32(c)
		g.wt[r] = 1
		if w != nil {
			if v := w[r]; !(v > 0) || math.IsInf(v, 1) {
				return fmt.Errorf("tree: row %d weighs %v: %w", r+1, v, ErrBadWeight)
			}
			g.wt[r] = w[r]
		}
	}
	return nil
}

// addNode appends a node of rows[lo:hi] at depth, with the class weights
// of its rows summed in row order.
func (g *ClassGrower) addNode(lo, hi, depth int, rows []int32) {
	k := g.k
	base := len(g.cls)
	g.cls = slices.Grow(g.cls, k)[:base+k]
	c := g.cls[base:]
	clear(c)
	var w float64
	for _, r := range rows[lo:hi] {
		c[g.lab[r]] += g.wt[r]
	}
	for _, v := range c {
		w += v
	}
	g.nodes = append(g.nodes, cnode{lo: lo, hi: hi, depth: depth, w: w})
}

// splittable reports whether node id may split: within the depth, with
// enough rows, and impure.
func (g *ClassGrower) splittable(id int32) bool {
	nd := &g.nodes[id]
	if (g.p.MaxDepth > 0 && nd.depth >= g.p.MaxDepth) || nd.n() < g.p.MinSamplesSplit || nd.n() < 2*g.p.MinSamplesLeaf {
		return false
	}
	present := 0
	for _, v := range g.cls[int(id)*g.k : int(id+1)*g.k] {
		if v > 0 {
			present++
		}
	}
	return present > 1
}

// consider finds a splittable node's best split and queues it, or adds it
// to the leaves.
func (g *ClassGrower) consider(id int32, rows []int32, rng *rand.Rand, leaves []Leaf) []Leaf {
	nd := &g.nodes[id]
	if nd.hist.n != nil {
		nd.best = g.bestSplit(id, rows[nd.lo:nd.hi], rng)
		if nd.best.ok {
			g.front.push(id, g.before)
			return leaves
		}
	}
	g.putHist(&nd.hist)
	return append(leaves, Leaf{Node: id, Lo: nd.lo, Hi: nd.hi})
}

// count adds rows to h.
func (g *ClassGrower) count(h classHist, rows []int32) {
	bd, k := g.bd, g.k
	p := bd.Cols()
	if bd.slots != nil {
		for _, r := range rows {
			c, w := int(g.lab[r]), g.wt[r]
			for _, s := range bd.slots[int(r)*p : int(r)*p+p] {
				h.w[int(s)*k+c] += w
				h.n[s]++
			}
		}
		return
	}
	for _, r := range rows {
		c, w := int(g.lab[r]), g.wt[r]
		for j, code := range bd.Codes[int(r)*p : int(r)*p+p] {
			s := bd.offset[j] + int(code)
			h.w[s*k+c] += w
			h.n[s]++
		}
	}
}

// getHist returns a zero histogram.
func (g *ClassGrower) getHist() classHist {
	if n := len(g.free); n > 0 {
		h := g.free[n-1]
		g.free = g.free[:n-1]
		clear(h.w)
		clear(h.n)
		return h
	}
	return classHist{w: make([]float64, g.bd.total*g.k), n: make([]int32, g.bd.total)}
}

// putHist recycles *h and clears it.
func (g *ClassGrower) putHist(h *classHist) {
	if h.n != nil {
		g.free = append(g.free, *h)
	}
	*h = classHist{}
}

// children gives the children of parent that may split their
// histograms: the smaller child is counted, the larger is the parent's
// histogram less the smaller child's rows (one by one when they are few,
// else less its histogram).
func (g *ClassGrower) children(parent, l, r int32, rows []int32) {
	pa := &g.nodes[parent]
	small, large := l, r
	if g.nodes[large].n() < g.nodes[small].n() {
		small, large = large, small
	}
	needSmall, needLarge := g.splittable(small), g.splittable(large)
	h := pa.hist
	pa.hist = classHist{}
	sn := &g.nodes[small]
	var sh classHist
	if needSmall {
		sh = g.getHist()
		g.count(sh, rows[sn.lo:sn.hi])
	}
	switch {
	case !needLarge:
		g.putHist(&h)
	case sn.n()*g.bd.Cols() < len(h.w):
		g.remove(h, rows[sn.lo:sn.hi])
	default:
		if !needSmall {
			sh = g.getHist()
			g.count(sh, rows[sn.lo:sn.hi])
		}
		for i := range h.w {
			h.w[i] -= sh.w[i]
		}
		for i := range h.n {
			h.n[i] -= sh.n[i]
		}
	}
	if needLarge {
		g.nodes[large].hist = h
	}
	if needSmall {
		g.nodes[small].hist = sh
	} else {
		g.putHist(&sh)
	}
}

// remove takes rows out of h.
func (g *ClassGrower) remove(h classHist, rows []int32) {
	bd, k := g.bd, g.k
	p := bd.Cols()
	for _, r := range rows {
		c, w := int(g.lab[r]), g.wt[r]
		if bd.slots != nil {
			for _, s := range bd.slots[int(r)*p : int(r)*p+p] {
				h.w[int(s)*k+c] -= w
				h.n[s]--
			}
			continue
		}
		for j, code := range bd.Codes[int(r)*p : int(r)*p+p] {
			s := bd.offset[j] + int(code)
			h.w[s*k+c] -= w
			h.n[s]--
		}
	}
}

// split partitions node id's rows by its best split, turns its record into
// a split node and appends its two children.
func (g *ClassGrower) split(id int32, rows []int32) (int32, int32) {
	bd := g.bd
	nd := g.nodes[id]
	sp := &nd.best
	j := sp.feature
	nb := bd.NBins[j]
	side := g.left[:]
	if nb > byteLevels {
		g.wside = slices.Grow(g.wside[:0], nb)[:nb]
		side = g.wside
	}
	cat := bd.Levels[j] > 0
	for c := range nb {
		switch {
		case sp.set != nil:
			side[c] = uint8((*sp.set)[c>>6] >> (c & 63) & 1)
		case cat:
			side[c] = uint8(sp.cats >> c & 1)
		default:
			side[c] = uint8(btoi(c <= sp.bin || (sp.missLeft && c == nb-1)))
		}
	}
	part := rows[nd.lo:nd.hi]
	var nl int
	if bd.wide != nil && bd.wide[j] != nil {
		col, i, k := bd.wide[j], 0, 0
		for _, r := range part {
			l := int(side[col[r]])
			part[i], g.right[k] = r, r
			i += l
			k += 1 - l
		}
		copy(part[i:], g.right[:k])
		nl = i
	} else {
		k := partitionChunk(part, g.right[:len(part)], bd.column(j), &g.left)
		copy(part[len(part)-k:], g.right[:k])
		nl = len(part) - k
	}
	l := int32(len(g.recs))
	g.recs = append(g.recs, Node{Feature: -1}, Node{Feature: -1})
	n := &g.recs[id]
	n.Feature, n.Left, n.Right = int32(j), l, l+1
	if cat {
		n.Cats, n.Set = sp.cats, sp.set
	} else {
		n.Threshold = math.MaxFloat64
		if sp.bin < len(bd.Edges[j]) {
			n.Threshold = bd.Edges[j][sp.bin]
		}
		n.bin = uint8(sp.bin)
		n.MissingLeft = sp.missLeft
	}
	g.addNode(nd.lo, nd.lo+nl, nd.depth+1, rows)
	g.addNode(nd.lo+nl, nd.hi, nd.depth+1, rows)
	return l, l + 1
}

// before is the heap order: the larger gain, then the earlier node.
func (g *ClassGrower) before(a, b int32) bool {
	ga, gb := g.nodes[a].best.gain, g.nodes[b].best.gain
	if ga != gb {
		return ga > gb
	}
	return a < b
}
