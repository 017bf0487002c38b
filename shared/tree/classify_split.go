package tree

import (
	"cmp"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// exhaustiveSubsets is the most subsets of a categorical feature's levels
// times classes that a multiclass split tries one by one: up to there the
// best partition of the levels is found exactly; beyond it the levels are
// ordered by each class's share in turn and the best prefix of any order
// is taken. Two classes need one order, which is exact (Breiman et al.,
// 1984).
const exhaustiveSubsets = 1 << 14

// score is the node-side term of the impurity decrease of a side whose
// class weights are v (summing to w): Σv²/w for Gini, Σ v log v − w log w
// for entropy, so that a split's decrease of the weighted impurity is
// score(left) + score(right) − score(node).
func (g *ClassGrower) score(v []float64, w float64) float64 {
	var s float64
	if g.imp == Gini {
		for _, c := range v {
			s += c * c
		}
		return s / w
	}
	for _, c := range v {
		if c > 0 {
			s += c * math.Log(c)
		}
	}
	return s - w*math.Log(w)
}

// sides is the impurity decrease of sending the class weights l (summing
// to wl) left out of a node of class weights pv: the right side is what
// is left (each class at least 0, as subtraction may round below it).
// ok is false when a side weighs nothing.
func (g *ClassGrower) sides(l []float64, wl float64, pv []float64, parent float64) (float64, bool) {
	r := g.lv[:len(l)]
	var wr float64
	for c, v := range pv {
		r[c] = max(0, v-l[c])
		wr += r[c]
	}
	if !(wl > 0) || !(wr > 0) {
		return 0, false
	}
	return g.score(l, wl) + g.score(r, wr) - parent, true
}

// bestSplit finds node id's split of the largest impurity decrease over
// the features drawn for it: MaxFeatures of them, and more, one at a time
// in the order drawn, while none of those has a split (as scikit-learn).
// Ties go to the earlier feature of those drawn together, then the lower
// bin, then the missing values on the right.
func (g *ClassGrower) bestSplit(id int32, rows []int32, rng *rand.Rand) csplit {
	nd := &g.nodes[id]
	k := g.k
	pv := g.cls[int(id)*k : int(id+1)*k]
	parent := g.score(pv, nd.w)
	best := csplit{gain: -minGain * nd.w} // no decrease still splits an impure node, as scikit-learn
	feats, first := g.features(rng)
	for i, j := range feats {
		if i >= first && best.ok {
			break
		}
		lo, hi := g.bd.offset[j], g.bd.offset[j]+g.bd.NBins[j]
		h := classHist{w: nd.hist.w[lo*k : hi*k], n: nd.hist.n[lo:hi]}
		if g.bd.Levels[j] > 0 {
			g.bestCategorical(h, j, nd, pv, parent, &best)
			continue
		}
		bins := g.present(j, rows)
		g.scanNumeric(h, j, bins, nd, pv, parent, false, &best)
		if g.bd.missing[j] {
			g.scanNumeric(h, j, bins, nd, pv, parent, true, &best)
		}
	}
	return best
}

// features returns the features to try at a node, and how many of them
// to try together: all, or a random order of them whose first
// MaxFeatures are sorted (ties to the earlier feature).
func (g *ClassGrower) features(rng *rand.Rand) ([]int, int) {
	p := g.bd.Cols()
	g.feats = g.feats[:0]
	for j := range p {
		g.feats = append(g.feats, j)
	}
	m := g.p.MaxFeatures
	if m == 0 || m >= p {
		return g.feats, p
	}
	for i := range p - 1 {
		j := i + rng.IntN(p-i)
		g.feats[i], g.feats[j] = g.feats[j], g.feats[i]
	}
	slices.Sort(g.feats[:m])
	return g.feats, m
}

// present lists, in increasing order, the bins of numeric feature j
// worth scanning for rows: every bin, or for fewer than a quarter as many
// rows as bins only those the rows fall in.
func (g *ClassGrower) present(j int, rows []int32) []uint8 {
	nb := g.bd.NBins[j]
	if len(rows)*4 >= nb {
		return allBins[:nb]
	}
	col := g.bd.column(j)
	var set [4]uint64
	for _, r := range rows {
		c := col[r]
		set[c>>6] |= 1 << (c & 63)
	}
	out := g.bins[:0]
	for w, word := range set {
		for word != 0 {
			out = append(out, uint8(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	g.bins = out
	return out
}

// scanNumeric tries the thresholds of numeric feature j at the bins
// listed (increasing; empty ones may be left out), its last bin holding
// its missing values when missLeft (they then start on the left).
func (g *ClassGrower) scanNumeric(h classHist, j int, bins []uint8, nd *cnode, pv []float64, parent float64, missLeft bool, best *csplit) {
	k, nb, msl, n := g.k, len(h.n), g.p.MinSamplesLeaf, nd.n()
	l := g.leftScratch()
	var wl float64
	var nl int
	limit := nb - 1
	if missLeft {
		if h.n[nb-1] == 0 {
			return
		}
		wl, nl = addClasses(l, h.w[(nb-1)*k:nb*k]), int(h.n[nb-1])
		limit--
	}
	for _, b8 := range bins {
		b := int(b8)
		if b >= limit {
			break
		}
		if h.n[b] == 0 {
			continue
		}
		wl += addClasses(l, h.w[b*k:(b+1)*k])
		nl += int(h.n[b])
		if nl < msl {
			continue
		}
		if n-nl < msl {
			break
		}
		if gain, ok := g.sides(l, wl, pv, parent); ok && gain > best.gain {
			*best = csplit{ok: true, feature: j, bin: b, missLeft: missLeft, gain: gain}
		}
	}
}

// leftScratch returns zeroed scratch for a left side's class weights.
func (g *ClassGrower) leftScratch() []float64 {
	k := g.k
	g.sub = slices.Grow(g.sub[:0], k)[:k]
	clear(g.sub)
	return g.sub
}

// addClasses adds v to l and returns v's sum.
func addClasses(l, v []float64) float64 {
	var s float64
	for c, x := range v {
		l[c] += x
		s += x
	}
	return s
}

// bestCategorical finds the best split of categorical feature j's levels
// present in the node into two sets: every partition when they are few
// (exhaustiveSubsets), else the best prefix of the levels ordered by each
// class's share (only class 1's for two classes, which is exact).
func (g *ClassGrower) bestCategorical(h classHist, j int, nd *cnode, pv []float64, parent float64, best *csplit) {
	present := g.order[:0]
	for l, c := range h.n {
		if c > 0 {
			present = append(present, l)
		}
	}
	g.order = present
	if len(present) < 2 {
		return
	}
	if g.k > 2 && len(present) <= 16 && (1<<(len(present)-1))*g.k <= exhaustiveSubsets {
		g.allSubsets(h, j, slices.Clone(present), nd, pv, parent, best)
		return
	}
	first := 0
	if g.k == 2 {
		first = 1
	}
	levels := slices.Clone(present)
	for c := first; c < g.k; c++ {
		g.orderedPrefixes(h, j, levels, c, nd, pv, parent, best)
	}
}

// orderedPrefixes orders levels by class c's share of their weight (ties
// to the lower level) and tries each prefix of that order on the left.
func (g *ClassGrower) orderedPrefixes(h classHist, j int, levels []int, c int, nd *cnode, pv []float64, parent float64, best *csplit) {
	k, msl, n := g.k, g.p.MinSamplesLeaf, nd.n()
	g.key = slices.Grow(g.key[:0], len(h.n))[:len(h.n)]
	for _, l := range levels {
		var w float64
		for _, v := range h.w[l*k : (l+1)*k] {
			w += v
		}
		g.key[l] = 0
		if w > 0 {
			g.key[l] = h.w[l*k+c] / w
		}
	}
	slices.SortFunc(levels, func(a, b int) int {
		if d := cmp.Compare(g.key[a], g.key[b]); d != 0 {
			return d
		}
		return a - b
	})
	lv := g.leftScratch()
	var wl float64
	var nl int
	for i, l := range levels[:len(levels)-1] {
		wl += addClasses(lv, h.w[l*k:(l+1)*k])
		nl += int(h.n[l])
		if nl < msl || n-nl < msl {
			continue
		}
		if gain, ok := g.sides(lv, wl, pv, parent); ok && gain > best.gain {
			*best = g.catSplit(j, levels[:i+1], gain)
		}
	}
}

// allSubsets tries every partition of the levels present into two sets:
// the first level on the left with each subset of the others but all of
// them, in the order of their bit masks. The class weights of each subset
// are its subset without its lowest member plus that member's.
func (g *ClassGrower) allSubsets(h classHist, j int, present []int, nd *cnode, pv []float64, parent float64, best *csplit) {
	k, msl, n := g.k, g.p.MinSamplesLeaf, nd.n()
	m := 1 << (len(present) - 1)
	g.sub = slices.Grow(g.sub[:0], m*k)[:m*k]
	g.subn = slices.Grow(g.subn[:0], m)[:m]
	l0 := present[0]
	copy(g.sub[:k], h.w[l0*k:(l0+1)*k])
	g.subn[0] = int(h.n[l0])
	bestMask := -1
	for mask := range m - 1 {
		if mask > 0 {
			low := mask & -mask
			lev := present[1+bitIndex(low)]
			prev, cur := g.sub[(mask^low)*k:(mask^low+1)*k], g.sub[mask*k:(mask+1)*k]
			for c := range k {
				cur[c] = prev[c] + h.w[lev*k+c]
			}
			g.subn[mask] = g.subn[mask^low] + int(h.n[lev])
		}
		nl := g.subn[mask]
		if nl < msl || n-nl < msl {
			continue
		}
		lv := g.sub[mask*k : (mask+1)*k]
		var wl float64
		for _, v := range lv {
			wl += v
		}
		if gain, ok := g.sides(lv, wl, pv, parent); ok && gain > best.gain {
			best.gain, bestMask = gain, mask
		}
	}
	if bestMask < 0 {
		return
	}
	left := []int{l0}
	for i, l := range present[1:] {
		if bestMask>>i&1 == 1 {
			left = append(left, l)
		}
	}
	*best = g.catSplit(j, left, best.gain)
}

// bitIndex is the index of the single bit set in b.
func bitIndex(b int) int {
	i := 0
	for b > 1 {
		b >>= 1
		i++
	}
	return i
}

// catSplit is the split of categorical feature j sending levels left.
func (g *ClassGrower) catSplit(j int, levels []int, gain float64) csplit {
	nb := g.bd.NBins[j]
	if nb > wideLevels {
		return csplit{ok: true, feature: j, set: newLevelSet(nb, levels), gain: gain}
	}
	var cats uint64
	for _, l := range levels {
		cats |= 1 << uint(l)
	}
	return csplit{ok: true, feature: j, cats: cats, gain: gain}
}
