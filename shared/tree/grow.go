package tree

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Params are the hyper-parameters of one tree.
type Params struct {
	Criterion       Criterion
	MaxDepth        int     // deepest level of a leaf (the root is 0); 0 is unlimited
	MaxLeaves       int     // most leaves; 0 is unlimited, else the tree grows best-first
	MinSamplesLeaf  int     // fewest rows in a leaf; 0 means 1
	MinSamplesSplit int     // fewest rows in a node that may split; 0 means 2
	MaxFeatures     int     // features tried at each split, drawn anew per node; 0 is all
	L2              float64 // λ: leaf value Σy/(n+λ), or −G/(H+λ) on gradients, and gains to match (squared error only)
	Workers         int     // goroutines that build one large histogram; 0 means 1
	// MinHessianLeaf is the least sum of hessians in a leaf grown on
	// gradients (GrowNewton); 0 means 1e-3, scikit-learn's
	// min_hessian_to_split. Growth on targets ignores it.
	MinHessianLeaf float64
}

// Check reports parameters no tree can be grown with.
func (p Params) Check(features int) error {
	switch {
	case p.Criterion < SquaredError || p.Criterion > Poisson:
		return fmt.Errorf("tree: unknown criterion %d", int(p.Criterion))
	case p.MaxDepth < 0:
		return fmt.Errorf("tree: max depth %d must be positive (or 0 for unlimited)", p.MaxDepth)
	case p.MaxLeaves < 0 || p.MaxLeaves == 1:
		return fmt.Errorf("tree: max leaves %d must be at least 2 (or 0 for unlimited)", p.MaxLeaves)
	case p.MinSamplesLeaf < 0:
		return fmt.Errorf("tree: min samples per leaf %d must be positive", p.MinSamplesLeaf)
	case p.MinSamplesSplit < 0 || p.MinSamplesSplit == 1:
		return fmt.Errorf("tree: min samples per split %d must be at least 2", p.MinSamplesSplit)
	case p.MaxFeatures < 0 || p.MaxFeatures > features:
		return fmt.Errorf("tree: max features %d must be in [1, %d] (or 0 for all)", p.MaxFeatures, features)
	case !(p.L2 >= 0) || math.IsInf(p.L2, 1):
		return fmt.Errorf("tree: L2 %v must be a non-negative number", p.L2)
	case p.L2 != 0 && p.Criterion != SquaredError:
		return fmt.Errorf("tree: L2 applies to squared error only, not %s", p.Criterion)
	case p.Workers < 0:
		return fmt.Errorf("tree: workers %d must be positive", p.Workers)
	case !(p.MinHessianLeaf >= 0) || math.IsInf(p.MinHessianLeaf, 1):
		return fmt.Errorf("tree: min hessian per leaf %v must be a non-negative number", p.MinHessianLeaf)
	}
	return nil
}

func (p Params) withDefaults() Params {
	if p.MinSamplesLeaf == 0 {
		p.MinSamplesLeaf = 1
	}
	if p.MinSamplesSplit == 0 {
		p.MinSamplesSplit = 2
	}
	if p.Workers == 0 {
		p.Workers = 1
	}
	if p.MinHessianLeaf == 0 {
		p.MinHessianLeaf = defaultMinHessian
	}
	return p
}

// newtonEps is added to a leaf's hessians (and λ) before dividing, as
// scikit-learn's compute_node_value does.
const newtonEps = 1e-15

// defaultMinHessian is MinHessianLeaf's default, scikit-learn's
// min_hessian_to_split.
const defaultMinHessian = 1e-3

// Leaf is a leaf of a grown tree and the range of the grower's rows that
// fell into it: Grow leaves rows partitioned, leaf by leaf.
type Leaf struct {
	Node   int32
	Lo, Hi int
}

// Grower grows trees on one binned data set and keeps its scratch memory
// from tree to tree: growing a tree allocates little more than its
// finished Nodes. It is not safe for concurrent use.
type Grower struct {
	bd    *Binned
	p     Params
	pool  histPool
	ext   histPool // histograms counted by group (Binned.extent)
	abs   absScratch
	feats []int     // scratch: features tried at a node
	right []int32   // scratch: rows going right in a partition
	buf   []float64 // scratch: a leaf's targets (absolute error)
	nodes []growing // the nodes of the tree being grown, by id
	recs  []Node    // the records of the tree being grown, by id
	slab  []Node    // finished trees' records are carved from it
	arena Arena     // the pooled slabs among them
	// Carry: the root histogram of the last tree, shifted by Shift.
	carry    bool
	root     histogram
	rootRows int
	rootSum  float64
	rootOK   bool // root is the next tree's, if it has rootRows rows
	front    frontier
	leaves   []Leaf
	left     [256]uint8 // a split's side of each code: 1 is left
	inv      []float64  // inv[k] = 1/(k+λ)
	bins     []uint8    // scratch: the bins a small node's rows fall in
	order    []int      // scratch: a categorical feature's levels by mean
	mean     []float64  // scratch: their means
	wleft    []uint8    // a wide split's side of each code: 1 is left
	// hess is the hessians of the rows while GrowNewton grows a tree (y
	// then holds the gradients); nil while Grow grows one.
	hess []float64
}

// NewGrower checks p against bd and returns a grower.
func NewGrower(bd *Binned, p Params) (*Grower, error) {
	if bd == nil || bd.Rows == 0 {
		return nil, errors.New("tree: no binned rows")
	}
	if err := p.Check(bd.Cols()); err != nil {
		return nil, err
	}
	return &Grower{bd: bd, p: p.withDefaults(), pool: histPool{size: bd.total}, ext: histPool{size: bd.extent()}}, nil
}

// growing is a node while the tree grows: its rows, sums, histogram and
// best split. The finished tree keeps only Node records.
type growing struct {
	lo, hi int
	depth  int
	sum    float64 // of the targets, or of the gradients (GrowNewton)
	hist   histogram
	best   split
	// GrowNewton only: the sum of the hessians and their histogram (the
	// count of each bin is also in hist).
	hsum  float64
	hhist histogram
}

func (nd *growing) n() int { return nd.hi - nd.lo }

// Grow grows a tree fitting y (indexed by binned row) on rows, which may
// repeat a row (a bootstrap sample) and which Grow reorders: on return each
// leaf's rows are rows[Leaf.Lo:Leaf.Hi]. The leaves are the grower's
// memory, valid until the next Grow. rng draws the features of each split
// when MaxFeatures is set and may otherwise be nil.
func (g *Grower) Grow(y []float64, rows []int32, rng *rand.Rand) (*Tree, []Leaf, error) {
	if err := g.checkCall(y, rows, rng); err != nil {
		return nil, nil, err
	}
	g.dropLeafHists()
	carried := g.carry && g.rootOK && len(rows) == g.rootRows
	g.rootOK = false
	// Shift's contract stands in for the check: the same rows, their
	// targets shifted leaf by leaf from ones that were checked.
	sum := g.rootSum
	if !carried {
		var err error
		if sum, err = g.check(y, rows); err != nil {
			return nil, nil, err
		}
	}
	g.hess = nil
	return g.grow(y, rows, rng, sum, 0, carried)
}

// GrowNewton grows a tree on the gradients grad and hessians hess of a
// loss at the current predictions (both indexed by binned row), as
// scikit-learn's HistGradientBoosting and XGBoost do: histograms of the
// sums of both, a split's gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ),
// a leaf's value the Newton step −G/(H+λ) (plus 1e-15 below, so that
// hessians of 0 give 0), and no leaf of fewer than
// MinSamplesLeaf rows or less than MinHessianLeaf hessian. Splits are
// those of Grow: numeric thresholds with the missing values' side learnt,
// and categories as two sets of levels (ordered by G/H, the best prefix
// taken). Squared error is the case grad = prediction − y, hess = 1
// (Grow's leaf values then come out negated). rows, rng and the leaves
// returned are as in Grow; Carry does not apply, since a loss's
// gradients do not shift by a leaf's value.
func (g *Grower) GrowNewton(grad, hess []float64, rows []int32, rng *rand.Rand) (*Tree, []Leaf, error) {
	if err := g.checkCall(grad, rows, rng); err != nil {
		return nil, nil, err
	}
	switch {
	case len(hess) != g.bd.Rows:
		return nil, nil, fmt.Errorf("tree: %d hessians for %d rows", len(hess), g.bd.Rows)
	case g.carry:
		return nil, nil, errors.New("tree: Carry does not apply to growth on gradients")
	case g.p.Criterion != SquaredError:
		return nil, nil, fmt.Errorf("tree: growth on gradients has its own gain, not %s", g.p.Criterion)
	}
	g.dropLeafHists()
	sum, hsum, err := g.checkNewton(grad, hess, rows)
	if err != nil {
		return nil, nil, err
	}
	g.hess = hess
	defer func() { g.hess = nil }()
	return g.grow(grad, rows, rng, sum, hsum, false)
}

// checkCall reports a call to Grow or GrowNewton that cannot grow a tree.
func (g *Grower) checkCall(y []float64, rows []int32, rng *rand.Rand) error {
	bd := g.bd
	switch {
	case len(y) != bd.Rows:
		return fmt.Errorf("tree: %d targets for %d rows", len(y), bd.Rows)
	case len(rows) == 0:
		return errors.New("tree: no rows to grow on")
	case g.p.MaxFeatures > 0 && g.p.MaxFeatures < bd.Cols() && rng == nil:
		return errors.New("tree: feature subsampling needs a random source")
	}
	return nil
}

// grow grows a tree on rows from checked inputs: y (targets, or gradients
// with g.hess) whose sum over rows is sum, hsum the hessians' sum, and
// carried whether the root histogram is the carried one.
func (g *Grower) grow(y []float64, rows []int32, rng *rand.Rand, sum, hsum float64, carried bool) (*Tree, []Leaf, error) {
	if cap(g.right) < len(rows) {
		g.right = make([]int32, len(rows))
	}
	for k := len(g.inv); k <= len(rows); k++ {
		g.inv = append(g.inv, 1/(float64(k)+g.p.L2))
	}

	g.recs = append(g.recs[:0], Node{Feature: -1})
	g.nodes = append(g.nodes[:0], growing{lo: 0, hi: len(rows), sum: sum, hsum: hsum})
	g.leaves = g.leaves[:0]
	g.front = frontier{bestFirst: g.p.MaxLeaves > 0, ids: g.front.ids[:0]}
	if g.splittable(&g.nodes[0]) || g.carry {
		if g.p.Criterion != AbsoluteError {
			h := g.pool.get()
			if g.hess != nil {
				g.nodes[0].hhist = g.pool.get()
				g.countPair(h, g.nodes[0].hhist, y, rows)
			} else if carried {
				copy(h, g.root)
			} else {
				g.count(h, y, rows)
			}
			if g.carry {
				g.root = append(g.root[:0], h...)
				g.rootRows, g.rootSum = len(rows), sum
			}
			g.nodes[0].hist = h
		}
	}
	if g.splittable(&g.nodes[0]) {
		g.consider(0, y, rows, rng)
	} else {
		g.leaves = append(g.leaves, Leaf{Node: 0, Lo: 0, Hi: len(rows)})
	}
	nLeaves := 1
	for len(g.front.ids) > 0 {
		if g.p.MaxLeaves > 0 && nLeaves >= g.p.MaxLeaves {
			break
		}
		id := g.front.pop(g.before)
		l, r := g.split(id, rows)
		nLeaves++
		g.children(id, l, r, y, rows)
		g.consider(l, y, rows, rng)
		g.consider(r, y, rows, rng)
	}
	for _, id := range g.front.ids {
		nd := &g.nodes[id]
		if !g.carry {
			g.putHists(nd)
		}
		g.leaves = append(g.leaves, Leaf{Node: id, Lo: nd.lo, Hi: nd.hi})
	}
	slices.SortFunc(g.leaves, func(a, b Leaf) int { return int(a.Node - b.Node) })
	for _, lf := range g.leaves {
		g.recs[lf.Node].Value = g.leafValue(&g.nodes[lf.Node], y, rows[lf.Lo:lf.Hi])
	}
	return &Tree{Nodes: g.keep(g.recs)}, g.leaves, nil
}

// slabNodes is how many nodes the grower allocates at once for the trees
// it returns: a search grows tens of thousands of small trees, and one
// allocation each would be most of its garbage.
const slabNodes = 4096

// slabs recycles the slabs of freed Arenas.
var slabs = sync.Pool{New: func() any { s := make([]Node, 0, slabNodes); return &s }}

// Arena is the memory of the trees one grower finished. Free hands it back
// for other growers to reuse: a search that scores each fit and drops it
// then reuses the same pages instead of faulting in new ones.
type Arena struct {
	slabs []*[]Node
}

// Free recycles the arena's memory. Every tree grown into it must be
// dropped first: their nodes will be overwritten.
func (a *Arena) Free() {
	for _, s := range a.slabs {
		*s = (*s)[:0]
		slabs.Put(s)
	}
	a.slabs = nil
}

// Arena returns the memory of the trees the grower has finished.
func (g *Grower) Arena() *Arena { return &g.arena }

// keep copies a finished tree's records into the grower's slab and returns
// them, capped so that an append to one tree cannot reach the next.
func (g *Grower) keep(recs []Node) []Node {
	if len(recs) > cap(g.slab)-len(g.slab) {
		if len(recs) > slabNodes {
			g.slab = make([]Node, 0, len(recs))
		} else {
			s := slabs.Get().(*[]Node)
			g.arena.slabs = append(g.arena.slabs, s)
			g.slab = (*s)[:0]
		}
	}
	lo := len(g.slab)
	g.slab = append(g.slab, recs...)
	return g.slab[lo:len(g.slab):len(g.slab)]
}

// check reports rows out of range and targets the criterion cannot take,
// and returns the targets' sum.
func (g *Grower) check(y []float64, rows []int32) (float64, error) {
	var sum float64
	for _, r := range rows {
		if int(r) < 0 || int(r) >= g.bd.Rows {
			return 0, fmt.Errorf("tree: row %d out of range", r)
		}
		v := y[r]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("tree: target of row %d is %v", r+1, v)
		}
		if g.p.Criterion == Poisson && v < 0 {
			return 0, fmt.Errorf("tree: poisson needs targets ≥ 0; row %d has %v", r+1, v)
		}
		sum += v
	}
	if g.p.Criterion == Poisson && sum <= 0 {
		return 0, errors.New("tree: poisson needs targets with a positive sum")
	}
	return sum, nil
}

// checkNewton reports rows out of range, gradients that are not finite
// and hessians that are not finite numbers ≥ 0, and returns the sums of
// both over rows.
func (g *Grower) checkNewton(grad, hess []float64, rows []int32) (float64, float64, error) {
	var gs, hs float64
	for _, r := range rows {
		if int(r) < 0 || int(r) >= g.bd.Rows {
			return 0, 0, fmt.Errorf("tree: row %d out of range", r)
		}
		gv, hv := grad[r], hess[r]
		if math.IsNaN(gv) || math.IsInf(gv, 0) {
			return 0, 0, fmt.Errorf("tree: gradient of row %d is %v", r+1, gv)
		}
		if !(hv >= 0) || math.IsInf(hv, 1) {
			return 0, 0, fmt.Errorf("tree: hessian of row %d is %v; want a finite number ≥ 0", r+1, hv)
		}
		gs += gv
		hs += hv
	}
	return gs, hs, nil
}

// splittable reports whether a node may split at all.
func (g *Grower) splittable(nd *growing) bool {
	return (g.p.MaxDepth == 0 || nd.depth < g.p.MaxDepth) &&
		nd.n() >= g.p.MinSamplesSplit && nd.n() >= 2*g.p.MinSamplesLeaf
}

// consider finds a splittable node's best split and queues it, or records
// it as a leaf.
func (g *Grower) consider(id int32, y []float64, rows []int32, rng *rand.Rand) {
	nd := &g.nodes[id]
	if g.splittable(nd) {
		feats := g.features(rng)
		if g.hess != nil {
			nd.best = g.bestSplitNewton(nd, feats, rows[nd.lo:nd.hi])
		} else if g.p.Criterion == AbsoluteError {
			nd.best = g.bestSplitAbsolute(y, rows[nd.lo:nd.hi], feats)
		} else {
			nd.best = g.bestSplit(nd.hist, nd.sum, nd.n(), feats, rows[nd.lo:nd.hi])
		}
		if nd.best.ok {
			g.front.push(id, g.before)
			return
		}
	}
	if !g.carry {
		g.putHists(nd)
	}
	g.leaves = append(g.leaves, Leaf{Node: id, Lo: nd.lo, Hi: nd.hi})
}

// putHists returns a node's histograms to the pool.
func (g *Grower) putHists(nd *growing) {
	g.pool.put(nd.hist)
	g.pool.put(nd.hhist)
	nd.hist, nd.hhist = nil, nil
}

// features returns the features to try at a node: all, or MaxFeatures of
// them drawn without replacement, in increasing order so that ties still go
// to the earlier feature.
func (g *Grower) features(rng *rand.Rand) []int {
	p := g.bd.Cols()
	g.feats = g.feats[:0]
	for j := range p {
		g.feats = append(g.feats, j)
	}
	k := g.p.MaxFeatures
	if k == 0 || k >= p {
		return g.feats
	}
	for i := range k {
		j := i + rng.IntN(p-i)
		g.feats[i], g.feats[j] = g.feats[j], g.feats[i]
	}
	slices.Sort(g.feats[:k])
	return g.feats[:k]
}

// split partitions node id's rows by its best split, turns its record into
// a split node and returns the two children (without histograms). The
// left child's sum is the split's, from the histogram.
func (g *Grower) split(id int32, rows []int32) (int32, int32) {
	bd := g.bd
	nd := g.nodes[id]
	sp := &nd.best
	j := sp.feature
	cat := bd.Levels[j] > 0
	left := (*[256]uint8)(upTo[255-sp.bin:])
	if cat {
		left = g.sides(j, sp)
	} else if sp.missLeft {
		g.left = *left
		g.left[bd.NBins[j]-1] = 1
		left = &g.left
	}
	var mid int
	if bd.wide != nil && bd.wide[j] != nil {
		mid = nd.lo + g.partitionWide(rows[nd.lo:nd.hi], bd.wide[j], g.wleft)
	} else {
		mid = nd.lo + g.partition(rows[nd.lo:nd.hi], j, left)
	}
	l := int32(len(g.recs))
	g.recs = append(g.recs, Node{Feature: -1}, Node{Feature: -1})
	n := &g.recs[id]
	n.Feature, n.Left, n.Right = int32(j), l, l+1
	if cat {
		n.Cats, n.Set = sp.cats, sp.set
	} else {
		// Every value left of the missing values' bin: no edge, but
		// every finite value is at most the largest number.
		n.Threshold = math.MaxFloat64
		if sp.bin < len(bd.Edges[j]) {
			n.Threshold = bd.Edges[j][sp.bin]
		}
		n.bin = uint8(sp.bin)
		n.MissingLeft = sp.missLeft
	}
	g.nodes = append(g.nodes,
		growing{lo: nd.lo, hi: mid, depth: nd.depth + 1, sum: sp.ls, hsum: sp.lh},
		growing{lo: mid, hi: nd.hi, depth: nd.depth + 1, sum: nd.sum - sp.ls, hsum: nd.hsum - sp.lh})
	return l, l + 1
}

// sides sets the side of every code of categorical feature j at split sp:
// in g.left for a feature of up to 256 levels, which it returns, or in
// g.wleft for a wider one.
func (g *Grower) sides(j int, sp *split) *[256]uint8 {
	nb := g.bd.NBins[j]
	side := g.left[:]
	if nb > byteLevels {
		g.wleft = slices.Grow(g.wleft[:0], nb)[:nb]
		side = g.wleft
	}
	for c := range nb {
		if sp.set != nil {
			side[c] = uint8((*sp.set)[c>>6] >> (c & 63) & 1)
		} else {
			side[c] = uint8(sp.cats >> c & 1)
		}
	}
	return &g.left
}

// partitionWide is partition on a feature of more than 256 levels: col
// is its codes, left[code] its sides. It runs on one goroutine.
func (g *Grower) partitionWide(rows []int32, col []uint16, left []uint8) int {
	right := g.right[:len(rows)]
	i, k := 0, 0
	for _, r := range rows {
		l := int(left[col[r]])
		rows[i] = r
		right[k] = r
		i += l
		k += 1 - l
	}
	copy(rows[i:], right[:k])
	return i
}

// upTo[255-b:] is the side of every code for a numeric split at bin b:
// 1 (left) for codes up to b, 0 above.
var upTo = func() (t [511]uint8) {
	for c := range 256 {
		t[c] = 1
	}
	return t
}()

// partChunk is the size of the row chunks a large node is partitioned in,
// each on its own goroutine; the result is the sequential one.
const partChunk = 1 << 15

// partition moves the rows whose code of feature j goes left (left[code]
// = 1) before the others, keeping their order within each side (so that
// later passes over a node read codes and targets in memory order), and
// returns how many went left. It reads feature j's column of codes, a
// byte a row.
func (g *Grower) partition(rows []int32, j int, left *[256]uint8) int {
	n := len(rows)
	col := g.bd.column(j)
	if g.p.Workers <= 1 || n < 2*partChunk {
		k := partitionChunk(rows, g.right[:n], col, left)
		copy(rows[n-k:], g.right[:k])
		return n - k
	}
	chunks := (n + partChunk - 1) / partChunk
	nr := make([]int, chunks) // rows of each chunk going right
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	work := func() {
		for c := range next {
			lo, hi := c*partChunk, min(n, (c+1)*partChunk)
			nr[c] = partitionChunk(rows[lo:hi], g.right[lo:hi], col, left)
		}
	}
	// This goroutine works too, rather than sleep until the others end.
	var wg sync.WaitGroup
	for range min(g.p.Workers, chunks) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	// Chunk c's left rows move down to follow chunk c−1's (never past
	// rows still to be moved), then the right rows follow in chunk order.
	at := 0
	for c := range chunks {
		lo, hi := c*partChunk, min(n, (c+1)*partChunk)
		at += copy(rows[at:], rows[lo:hi-nr[c]])
	}
	mid := at
	for c := range chunks {
		lo := c * partChunk
		at += copy(rows[at:], g.right[lo:lo+nr[c]])
	}
	return mid
}

// partitionChunk moves the left rows of rows to its front, in order, and
// the right ones to right, in order, without branching on the side, and
// returns how many went right. Row r's code is col[r].
func partitionChunk(rows, right []int32, col []uint8, left *[256]uint8) int {
	i, k := 0, 0
	for _, r := range rows {
		l := int(left[col[r]])
		rows[i] = r
		right[k] = r
		i += l
		k += 1 - l
	}
	return k
}

// children gives the children that may split their histograms: the
// smaller child is counted, the larger one is the parent's minus it.
func (g *Grower) children(parent, l, r int32, y []float64, rows []int32) {
	if g.p.Criterion == AbsoluteError {
		return
	}
	pa := &g.nodes[parent]
	small, large := &g.nodes[l], &g.nodes[r]
	if large.n() < small.n() {
		small, large = large, small
	}
	needSmall, needLarge := g.splittable(small), g.splittable(large)
	switch {
	case g.carry: // every leaf keeps its histogram, for Shift
		small.hist = g.pool.get()
		small.hist.build(g.bd, y, rows[small.lo:small.hi], g.p.Workers, &g.pool, &g.ext)
		pa.hist.subtract(small.hist)
		large.hist = pa.hist
	case needLarge:
		// Few rows are cheaper to take out of the parent one by one than
		// a whole histogram is to subtract (or, unneeded, to count).
		few := small.n()*g.bd.Cols() < g.bd.total
		if needSmall || !few {
			small.hist = g.pool.get()
			if g.hess != nil {
				small.hhist = g.pool.get()
				g.countPair(small.hist, small.hhist, y, rows[small.lo:small.hi])
			} else {
				g.count(small.hist, y, rows[small.lo:small.hi])
			}
		}
		if few {
			pa.hist.remove(g.bd, y, rows[small.lo:small.hi])
			if g.hess != nil {
				pa.hhist.remove(g.bd, g.hess, rows[small.lo:small.hi])
			}
		} else {
			pa.hist.subtract(small.hist)
			if g.hess != nil {
				pa.hhist.subtract(small.hhist)
			}
		}
		large.hist, large.hhist = pa.hist, pa.hhist
		if !needSmall {
			g.putHists(small)
		}
	case needSmall:
		clear(pa.hist)
		if g.hess != nil {
			clear(pa.hhist)
			g.countPair(pa.hist, pa.hhist, y, rows[small.lo:small.hi])
		} else {
			g.count(pa.hist, y, rows[small.lo:small.hi])
		}
		small.hist, small.hhist = pa.hist, pa.hhist
	default:
		g.putHists(pa)
	}
	pa.hist, pa.hhist = nil, nil
}

// count counts rows into h, which must be zero.
func (g *Grower) count(h histogram, y []float64, rows []int32) {
	h.build(g.bd, y, rows, g.p.Workers, &g.pool, &g.ext)
}

// countPair counts rows into h (the gradients y) and hh (the hessians),
// both zero, growing on gradients.
func (g *Grower) countPair(h, hh histogram, y []float64, rows []int32) {
	buildPair(g.bd, y, g.hess, rows, h, hh, g.p.Workers, &g.pool, &g.ext)
}

// Carry makes the grower keep, from the next Grow on, the histograms of
// the root and of every leaf, so that Shift can turn them into the next
// tree's root histogram: gradient boosting on every row then never counts
// the root twice. It applies to the criteria that count histograms, and to
// data of carryRows rows a histogram slot or more: on less, keeping a
// histogram per leaf costs more than counting the root.
func (g *Grower) Carry() {
	g.carry = g.p.Criterion != AbsoluteError && g.bd.Rows >= carryRows*g.bd.extent()
}

// carryRows is the fewest rows per histogram slot for which Carry keeps
// histograms.
const carryRows = 64

// Shift records that the targets of the rows of the last tree's leaf i
// (the leaves Grow returned, in order) have each gone down by delta[i],
// as boosting's residuals do. If the next Grow is on the same rows, in any
// order, with those targets, it starts from the last root histogram less
// the shifts instead of counting every row. Without Carry, or with a
// delta per leaf missing, Shift does nothing and the next Grow counts.
func (g *Grower) Shift(delta []float64) {
	if !g.carry || len(g.root) == 0 || len(delta) != len(g.leaves) {
		g.dropLeafHists()
		return
	}
	for i, lf := range g.leaves {
		h, d := g.nodes[lf.Node].hist, delta[i]
		if h == nil {
			g.dropLeafHists()
			return
		}
		for b := range g.root {
			g.root[b].Sum -= d * float64(h[b].N)
		}
		g.rootSum -= d * float64(lf.Hi-lf.Lo)
	}
	g.dropLeafHists()
	g.rootOK = true
}

// dropLeafHists returns the histograms the last tree's nodes kept.
func (g *Grower) dropLeafHists() {
	for i := range g.nodes {
		g.putHists(&g.nodes[i])
	}
}

// leafValue is the criterion's best constant for the rows of a leaf: their
// median, or their sum (kept since the root) over their count plus λ.
func (g *Grower) leafValue(nd *growing, y []float64, rows []int32) float64 {
	if g.hess != nil {
		// As scikit-learn: a leaf whose hessians are all 0 (margins so
		// large that p is 0 or 1 exactly) gets 0, not NaN.
		return -nd.sum / (nd.hsum + g.p.L2 + newtonEps)
	}
	if g.p.Criterion == AbsoluteError {
		g.buf = slices.Grow(g.buf[:0], len(rows))
		return median(y, rows, g.buf)
	}
	return nd.sum / (float64(len(rows)) + g.p.L2)
}

// PredictRows writes into dst[i] the prediction of t, grown by g, for
// binned row rows[i]: what t.PredictBinned gives. The rows go down the
// tree together, a chunk at a time, partitioned at each split on their
// codes as Grow partitions its rows.
func (g *Grower) PredictRows(t *Tree, rows []int32, dst []float64) {
	if len(rows) < routeRows {
		for i, r := range rows {
			dst[i] = t.PredictBinned(g.bd, int(r))
		}
		return
	}
	var idx, tmp [routeChunk]int32
	for lo := 0; lo < len(rows); lo += routeChunk {
		k := min(routeChunk, len(rows)-lo)
		for i := range k {
			idx[i] = int32(i)
		}
		g.route(t, rows[lo:lo+k], dst[lo:lo+k], idx[:k], tmp[:k], 0)
	}
}

// route writes the value of the leaf under node into dst[i] for each
// index i of idx (binned row rows[i]), splitting idx (and using tmp, as
// long) between the children on the way down.
func (g *Grower) route(t *Tree, rows []int32, dst []float64, idx, tmp []int32, node int32) {
	nd := &t.Nodes[node]
	for nd.Feature >= 0 {
		i, k := 0, 0
		if nd.Set != nil {
			f := int(nd.Feature)
			for _, x := range idx {
				l := 0
				if nd.Set.Has(uint64(g.bd.code(int(rows[x]), f))) {
					l = 1
				}
				idx[i] = x
				tmp[k] = x
				i += l
				k += 1 - l
			}
		} else if cats := nd.Cats; cats != 0 {
			col := g.bd.column(int(nd.Feature))
			for _, x := range idx {
				l := int((cats >> col[rows[x]]) & 1)
				idx[i] = x
				tmp[k] = x
				i += l
				k += 1 - l
			}
		} else {
			col := g.bd.column(int(nd.Feature))
			bin := nd.bin
			miss := 256 // no code
			if nd.MissingLeft {
				miss = g.bd.NBins[nd.Feature] - 1
			}
			for _, x := range idx {
				l := 0
				if c := col[rows[x]]; c <= bin || int(c) == miss {
					l = 1
				}
				idx[i] = x
				tmp[k] = x
				i += l
				k += 1 - l
			}
		}
		copy(idx[i:], tmp[:k])
		if i > 0 {
			g.route(t, rows, dst, idx[:i], tmp[:i], nd.Left)
		}
		if k == 0 {
			return
		}
		idx, tmp = idx[i:], tmp[i:]
		nd = &t.Nodes[nd.Right]
	}
	v := nd.Value
	for _, x := range idx {
		dst[x] = v
	}
}

// frontier holds the ids of the nodes waiting to split: a stack
// (depth-first, which keeps few histograms alive) or, under a leaf limit,
// a heap in the grower's order (before: the larger gain first, ties to the
// earlier node). Both growers keep one.
type frontier struct {
	bestFirst bool
	ids       []int32
}

// push queues node id to split.
func (f *frontier) push(id int32, before func(a, b int32) bool) {
	f.ids = append(f.ids, id)
	if !f.bestFirst {
		return
	}
	h := f.ids
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !before(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// pop takes the next node to split: the last queued (depth-first) or the
// first in before's order (best-first).
func (f *frontier) pop(before func(a, b int32) bool) int32 {
	h := f.ids
	n := len(h) - 1
	if !f.bestFirst {
		f.ids = h[:n]
		return h[n]
	}
	top := h[0]
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < n && before(h[l], h[s]) {
			s = l
		}
		if l+1 < n && before(h[l+1], h[s]) {
			s = l + 1
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	f.ids = h
	return top
}

// before is the heap order: the larger gain, then the earlier node.
func (g *Grower) before(a, b int32) bool {
	ga, gb := g.nodes[a].best.gain, g.nodes[b].best.gain
	if ga != gb {
		return ga > gb
	}
	return a < b
}
