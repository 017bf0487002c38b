package tree

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params are the hyper-parameters of one tree.
type Params struct {
	Criterion       Criterion
	MaxDepth        int     // deepest level of a leaf (the root is 0); 0 is unlimited
	MaxLeaves       int     // most leaves; 0 is unlimited, else the tree grows best-first
	MinSamplesLeaf  int     // fewest rows in a leaf; 0 means 1
	MinSamplesSplit int     // fewest rows in a node that may split; 0 means 2
	MaxFeatures     int     // features tried at each split, drawn anew per node; 0 is all
	L2              float64 // λ: leaf value Σy/(n+λ) and gains to match (squared error only)
	Workers         int     // goroutines that build one large histogram; 0 means 1
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
	return p
}

// Leaf is a leaf of a grown tree and the range of the grower's rows that
// fell into it: Grow leaves rows partitioned, leaf by leaf.
type Leaf struct {
	Node   int32
	Lo, Hi int
}

// Grower grows trees on one binned data set and keeps its scratch memory
// from tree to tree. It is not safe for concurrent use.
type Grower struct {
	bd    *Binned
	p     Params
	pool  histPool
	abs   absScratch
	feats []int   // scratch: features tried at a node
	right []int32 // scratch: rows going right in a partition
	buf   []float64
}

// NewGrower checks p against bd and returns a grower.
func NewGrower(bd *Binned, p Params) (*Grower, error) {
	if bd == nil || bd.Rows == 0 {
		return nil, errors.New("tree: no binned rows")
	}
	if err := p.Check(bd.Cols()); err != nil {
		return nil, err
	}
	return &Grower{bd: bd, p: p.withDefaults(), pool: histPool{size: bd.total}}, nil
}

// growing is a node while the tree grows: its rows, sums, histogram and
// best split. The finished tree keeps only Node records.
type growing struct {
	id     int32
	lo, hi int
	depth  int
	sum    float64
	hist   histogram
	best   split
}

func (nd *growing) n() int { return nd.hi - nd.lo }

// Grow grows a tree fitting y (indexed by binned row) on rows, which may
// repeat a row (a bootstrap sample) and which Grow reorders: on return each
// leaf's rows are rows[Leaf.Lo:Leaf.Hi]. rng draws the features of each
// split when MaxFeatures is set and may otherwise be nil.
func (g *Grower) Grow(y []float64, rows []int32, rng *rand.Rand) (*Tree, []Leaf, error) {
	bd := g.bd
	switch {
	case len(y) != bd.Rows:
		return nil, nil, fmt.Errorf("tree: %d targets for %d rows", len(y), bd.Rows)
	case len(rows) == 0:
		return nil, nil, errors.New("tree: no rows to grow on")
	case g.p.MaxFeatures > 0 && g.p.MaxFeatures < bd.Cols() && rng == nil:
		return nil, nil, errors.New("tree: feature subsampling needs a random source")
	}
	var sum float64
	for _, r := range rows {
		if int(r) < 0 || int(r) >= bd.Rows {
			return nil, nil, fmt.Errorf("tree: row %d out of range", r)
		}
		v := y[r]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("tree: target of row %d is %v", r+1, v)
		}
		if g.p.Criterion == Poisson && v < 0 {
			return nil, nil, fmt.Errorf("tree: poisson needs targets ≥ 0; row %d has %v", r+1, v)
		}
		sum += v
	}
	if g.p.Criterion == Poisson && sum <= 0 {
		return nil, nil, errors.New("tree: poisson needs targets with a positive sum")
	}

	t := &Tree{Nodes: []Node{{Feature: -1}}}
	var leaves []Leaf
	root := &growing{id: 0, lo: 0, hi: len(rows), sum: sum}
	front := &frontier{bestFirst: g.p.MaxLeaves > 0}
	if g.splittable(root) {
		if g.p.Criterion != AbsoluteError {
			root.hist = g.pool.get()
			root.hist.build(bd, y, rows, g.p.Workers, &g.pool)
		}
		g.consider(root, y, rows, rng, front, &leaves)
	} else {
		leaves = append(leaves, Leaf{Node: 0, Lo: 0, Hi: len(rows)})
	}
	nLeaves := 1
	for front.Len() > 0 {
		if g.p.MaxLeaves > 0 && nLeaves >= g.p.MaxLeaves {
			break
		}
		nd := front.pop()
		l, r := g.split(t, nd, y, rows)
		nLeaves++
		g.children(nd, l, r, y, rows)
		g.consider(l, y, rows, rng, front, &leaves)
		g.consider(r, y, rows, rng, front, &leaves)
	}
	for _, nd := range front.nodes {
		g.pool.put(nd.hist)
		leaves = append(leaves, Leaf{Node: nd.id, Lo: nd.lo, Hi: nd.hi})
	}
	slices.SortFunc(leaves, func(a, b Leaf) int { return int(a.Node - b.Node) })
	for _, lf := range leaves {
		t.Nodes[lf.Node].Value = g.leafValue(y, rows[lf.Lo:lf.Hi])
	}
	return t, leaves, nil
}

// splittable reports whether a node may split at all.
func (g *Grower) splittable(nd *growing) bool {
	return (g.p.MaxDepth == 0 || nd.depth < g.p.MaxDepth) &&
		nd.n() >= g.p.MinSamplesSplit && nd.n() >= 2*g.p.MinSamplesLeaf
}

// consider finds a splittable node's best split and queues it, or records
// it as a leaf.
func (g *Grower) consider(nd *growing, y []float64, rows []int32, rng *rand.Rand, front *frontier, leaves *[]Leaf) {
	if g.splittable(nd) {
		feats := g.features(rng)
		if g.p.Criterion == AbsoluteError {
			nd.best = g.bestSplitAbsolute(y, rows[nd.lo:nd.hi], feats)
		} else {
			nd.best = g.bestSplit(nd.hist, nd.sum, nd.n(), feats)
		}
		if nd.best.ok {
			front.push(nd)
			return
		}
	}
	g.pool.put(nd.hist)
	nd.hist = nil
	*leaves = append(*leaves, Leaf{Node: nd.id, Lo: nd.lo, Hi: nd.hi})
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

// split partitions nd's rows by its best split, turns its record into a
// split node and returns the two children (without histograms).
func (g *Grower) split(t *Tree, nd *growing, y []float64, rows []int32) (*growing, *growing) {
	bd := g.bd
	sp := &nd.best
	p, j := bd.Cols(), sp.feature
	cat := bd.Levels[j] > 0
	// A stable partition: rows keep their order within each child, so
	// later passes over a node read codes and targets in memory order.
	i := nd.lo
	right := g.right[:0]
	var ls float64
	for _, r := range rows[nd.lo:nd.hi] {
		if sp.goesLeft(bd.Codes[int(r)*p+j], cat) {
			ls += y[r]
			rows[i] = r
			i++
		} else {
			right = append(right, r)
		}
	}
	copy(rows[i:nd.hi], right)
	g.right = right
	left := int32(len(t.Nodes))
	t.Nodes = append(t.Nodes, Node{Feature: -1}, Node{Feature: -1})
	n := &t.Nodes[nd.id]
	n.Feature, n.Left, n.Right = int32(j), left, left+1
	if cat {
		n.Cats = sp.cats
	} else {
		n.Threshold = bd.Edges[j][sp.bin]
		n.bin = uint8(sp.bin)
	}
	l := &growing{id: left, lo: nd.lo, hi: i, depth: nd.depth + 1, sum: ls}
	r := &growing{id: left + 1, lo: i, hi: nd.hi, depth: nd.depth + 1, sum: nd.sum - ls}
	return l, r
}

// children gives the children that may split their histograms: the
// smaller child is counted, the larger one is the parent's minus it.
func (g *Grower) children(parent, l, r *growing, y []float64, rows []int32) {
	if g.p.Criterion == AbsoluteError {
		return
	}
	small, large := l, r
	if r.n() < l.n() {
		small, large = r, l
	}
	needSmall, needLarge := g.splittable(small), g.splittable(large)
	switch {
	case needLarge:
		small.hist = g.pool.get()
		small.hist.build(g.bd, y, rows[small.lo:small.hi], g.p.Workers, &g.pool)
		parent.hist.subtract(small.hist)
		large.hist = parent.hist
		if !needSmall {
			g.pool.put(small.hist)
			small.hist = nil
		}
	case needSmall:
		clear(parent.hist)
		parent.hist.build(g.bd, y, rows[small.lo:small.hi], g.p.Workers, &g.pool)
		small.hist = parent.hist
	default:
		g.pool.put(parent.hist)
	}
	parent.hist = nil
}

// leafValue is the criterion's best constant for the rows of a leaf.
func (g *Grower) leafValue(y []float64, rows []int32) float64 {
	if g.p.Criterion == AbsoluteError {
		g.buf = slices.Grow(g.buf[:0], len(rows))
		return median(y, rows, g.buf)
	}
	var s float64
	for _, r := range rows {
		s += y[r]
	}
	return s / (float64(len(rows)) + g.p.L2)
}

// frontier holds the nodes waiting to split: a stack (depth-first, which
// keeps few histograms alive) or, under a leaf limit, a max-heap by gain
// with ties to the earlier node.
type frontier struct {
	bestFirst bool
	nodes     []*growing
}

func (f *frontier) push(nd *growing) {
	if f.bestFirst {
		heap.Push(f, nd)
	} else {
		f.nodes = append(f.nodes, nd)
	}
}

func (f *frontier) pop() *growing {
	if f.bestFirst {
		return heap.Pop(f).(*growing)
	}
	return f.Pop().(*growing)
}

// The heap.Interface of the best-first order.
func (f *frontier) Len() int { return len(f.nodes) }
func (f *frontier) Less(i, j int) bool {
	a, b := f.nodes[i], f.nodes[j]
	if a.best.gain != b.best.gain {
		return a.best.gain > b.best.gain
	}
	return a.id < b.id
}
func (f *frontier) Swap(i, j int) { f.nodes[i], f.nodes[j] = f.nodes[j], f.nodes[i] }
func (f *frontier) Push(x any)    { f.nodes = append(f.nodes, x.(*growing)) }
func (f *frontier) Pop() any {
	n := len(f.nodes) - 1
	x := f.nodes[n]
	f.nodes = f.nodes[:n]
	return x
}
