package explain

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sort"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// MaxCompiledBytes bounds the tables of a Compiled ensemble; Compile
// refuses an ensemble whose tables would be larger.
const MaxCompiledBytes = 32 << 20

// ErrTooLarge is returned by Compile for an ensemble whose tables would
// exceed MaxCompiledBytes.
var ErrTooLarge = errors.New("explain: tables too large")

// Compiled is a sum or mean of trees prepared to be explained against one
// fixed reference: the same values as Ensemble, without walking the trees.
//
// Each tree's leaves (up to 64) are numbered, and for every feature j and
// every interval between j's thresholds in the whole ensemble ("bin")
// Compile notes which leaves' paths a value in that bin satisfies (a leaf
// whose path does not split on j is satisfied by every bin). For a record,
// with X_j and R_j those leaf sets for x's and ref's bins of j, the leaves
// some coalition reaches are those in every X_j ∪ R_j, and such a leaf needs
// in S exactly the features with the leaf in X_j but not R_j (A) and out of
// S those with it in R_j but not X_j (B): the sets Tree's walk finds, read
// off a few table rows instead of a walk whose every step waits on the
// last. Trees with more than 64 leaves are walked.
//
// A Compiled is immutable and safe for concurrent use.
type Compiled struct {
	e      *ensemble.Ensemble
	p, nt  int
	thr    [][]float64 // per numeric feature: its sorted distinct thresholds; nil for a category
	levels []int
	// sat[j][bin*nt+t] is the set of tree t's leaves a value of feature j
	// in bin satisfies.
	sat    [][]uint64
	refSat []uint64 // refSat[t*p+j]: sat of ref's bin of j, for tree t
	vals   []float64
	off    []int32 // tree t's leaf values are vals[off[t]:], or off[t] < 0: walked
	ref    []float64
}

// Compile prepares e (a sum or mean, checked for features with the given
// levels as in tree.Data: 0 numeric, else the number of levels) to be
// explained against ref.
func Compile(e *ensemble.Ensemble, levels []int, ref []float64) (*Compiled, error) {
	p := len(levels)
	switch {
	case e.Combine != ensemble.Sum && e.Combine != ensemble.Mean:
		return nil, fmt.Errorf("compile explainer: combination %q is not a sum or mean", e.Combine)
	case p > MaxFeatures:
		return nil, fmt.Errorf("compile explainer: %d features: %w (at most %d)", p, ErrTooManyFeatures, MaxFeatures)
	case len(ref) != p:
		return nil, fmt.Errorf("compile explainer: %d reference values for %d features", len(ref), p)
	}
	if err := e.Check(levels); err != nil {
		return nil, fmt.Errorf("compile explainer: %w", err)
	}
	nt := len(e.Trees)
	c := &Compiled{e: e, p: p, nt: nt, thr: make([][]float64, p), levels: slices.Clone(levels),
		sat: make([][]uint64, p), off: make([]int32, nt), ref: slices.Clone(ref)}
	for t := range e.Trees {
		// Trees with more than 64 leaves, or a split the tables do not
		// model (a set of levels past 64, missing values sent left), are
		// walked.
		if e.Trees[t].Leaves() > 64 || slices.ContainsFunc(e.Trees[t].Nodes, func(n tree.Node) bool { return n.Set != nil || n.MissingLeft }) {
			c.off[t] = -1 // walked
			continue
		}
		for _, n := range e.Trees[t].Nodes {
			if n.Feature >= 0 && levels[n.Feature] == 0 {
				c.thr[n.Feature] = append(c.thr[n.Feature], n.Threshold)
			}
		}
	}
	size := 0
	for j := range p {
		slices.Sort(c.thr[j])
		c.thr[j] = slices.Compact(c.thr[j])
		size += c.bins(j) * nt * 8
	}
	if size > MaxCompiledBytes {
		return nil, fmt.Errorf("compile explainer: %d MB of tables: %w (at most %d MB)", size>>20, ErrTooLarge, MaxCompiledBytes>>20)
	}
	for j := range p {
		c.sat[j] = make([]uint64, c.bins(j)*nt)
	}
	lo, hi := make([]int, p), make([]int, p)         // numeric: allowed bins lo..hi
	cats, high := make([]uint64, p), make([]bool, p) // categorical: allowed levels < 64, and those ≥ 64
	for t := range e.Trees {
		tr := &e.Trees[t]
		if c.off[t] < 0 {
			continue
		}
		c.off[t] = int32(len(c.vals))
		for j := range p {
			lo[j], hi[j], cats[j], high[j] = 0, c.bins(j)-1, ^uint64(0), true
		}
		c.leaves(t, tr, 0, lo, hi, cats, high)
	}
	c.refSat = make([]uint64, nt*p)
	for j := range p {
		b := c.bin(j, ref[j])
		for t := range nt {
			c.refSat[t*p+j] = c.sat[j][b*nt+t]
		}
	}
	return c, nil
}

// bins is the number of bins of feature j.
func (c *Compiled) bins(j int) int {
	if c.levels[j] > 0 {
		return c.levels[j]
	}
	return len(c.thr[j]) + 1
}

// bin is the bin of value v of feature j: the number of thresholds below
// v (so v ≤ threshold i exactly when bin ≤ i), or the level.
func (c *Compiled) bin(j int, v float64) int {
	if c.levels[j] > 0 {
		return int(v)
	}
	th := c.thr[j]
	return sort.Search(len(th), func(i int) bool { return th[i] >= v })
}

// leaves numbers the leaves under node i of tree t and notes, for each,
// the bins its path allows (lo, hi, cats, high: the constraints so far).
func (c *Compiled) leaves(t int, tr *tree.Tree, i int32, lo, hi []int, cats []uint64, high []bool) {
	n := &tr.Nodes[i]
	if n.Feature < 0 {
		l := uint(len(c.vals)) - uint(c.off[t])
		c.vals = append(c.vals, n.Value)
		for j := range c.p {
			row := c.sat[j]
			if c.levels[j] == 0 {
				for b := lo[j]; b <= hi[j]; b++ {
					row[b*c.nt+t] |= 1 << l
				}
				continue
			}
			for b := range c.levels[j] {
				if (b < 64 && cats[j]>>uint(b)&1 == 1) || (b >= 64 && high[j]) {
					row[b*c.nt+t] |= 1 << l
				}
			}
		}
		return
	}
	j := n.Feature
	if c.levels[j] == 0 {
		// left: v ≤ threshold, that is bin ≤ its index
		k := sort.SearchFloat64s(c.thr[j], n.Threshold)
		h := hi[j]
		hi[j] = min(h, k)
		c.leaves(t, tr, n.Left, lo, hi, cats, high)
		hi[j] = h
		l := lo[j]
		lo[j] = max(l, k+1)
		c.leaves(t, tr, n.Right, lo, hi, cats, high)
		lo[j] = l
		return
	}
	s, h := cats[j], high[j]
	cats[j], high[j] = s&n.Cats, false
	c.leaves(t, tr, n.Left, lo, hi, cats, high)
	cats[j], high[j] = s&^n.Cats, h
	c.leaves(t, tr, n.Right, lo, hi, cats, high)
	cats[j], high[j] = s, h
}

// Explain writes into phi the baseline Shapley values of the compiled
// ensemble for x against the compiled reference and returns the
// ensemble's predictions for both, bit for bit as Predict gives them: what
// Ensemble returns, up to rounding in phi. x and phi must have a value per
// feature.
func (c *Compiled) Explain(x, phi []float64) (fx, fr float64, err error) {
	p, nt := c.p, c.nt
	if len(x) != p || len(phi) != p {
		return 0, 0, fmt.Errorf("explain compiled: %d values and %d results for %d features", len(x), len(phi), p)
	}
	var rows [MaxFeatures][]uint64
	for j := range p {
		v := x[j]
		if l := c.levels[j]; l > 0 && !(v >= 0 && v < float64(l)) {
			return 0, 0, fmt.Errorf("explain compiled: feature %d: level %v of %d", j, v, c.levels[j])
		}
		b := c.bin(j, v)
		rows[j] = c.sat[j][b*nt : (b+1)*nt]
	}
	clear(phi)
	if c.e.Combine == ensemble.Sum {
		fx, fr = c.e.Base, c.e.Base
	}
	var stack walkStack
	var xs, es [MaxFeatures]uint64
	for t := range nt {
		if c.off[t] < 0 {
			tx, tr := walkTree(&c.e.Trees[t], x, c.ref, phi, &stack)
			fx += tx
			fr += tr
			continue
		}
		rs := c.refSat[t*p : (t+1)*p]
		reach, xin, rin := ^uint64(0), ^uint64(0), ^uint64(0)
		for j := range p {
			X, R := rows[j][t], rs[j]
			xs[j], es[j] = X&^R, R&^X // leaves that need j in S, and out of it
			reach &= X | R
			xin &= X
			rin &= R
		}
		vals := c.vals[c.off[t]:]
		fx += vals[bits.TrailingZeros64(xin)]
		fr += vals[bits.TrailingZeros64(rin)]
		// The leaf both reach, if one, needs nothing: no term.
		reach &^= xin & rin
		if reach == 0 {
			continue
		}
		// Fixed-length loops over the features rather than over set bits:
		// their trip counts are the same every time, so they do not
		// mispredict.
		for s := reach; s != 0; s &= s - 1 {
			l := uint(bits.TrailingZeros64(s))
			var in, out uint64
			for j := range p {
				in |= (xs[j] >> l & 1) << uint(j)
				out |= (es[j] >> l & 1) << uint(j)
			}
			v := vals[l]
			a, b := bits.OnesCount64(in), bits.OnesCount64(out)
			da, db := v*coef[a][b], v*coef[b][a]
			for j := range p {
				phi[j] += da*float64(in>>uint(j)&1) - db*float64(out>>uint(j)&1)
			}
		}
	}
	if c.e.Combine == ensemble.Mean {
		n := float64(nt)
		fx /= n
		fr /= n
		for j := range phi {
			phi[j] /= n
		}
	}
	return fx, fr, nil
}
