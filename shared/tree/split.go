package tree

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Criterion is what a split minimises.
type Criterion int

// The criteria of scikit-learn's DecisionTreeRegressor.
const (
	SquaredError  Criterion = iota // sum of squared errors around the mean
	FriedmanMSE                    // Friedman's improvement n_l·n_r/n·(mean_l − mean_r)²
	AbsoluteError                  // sum of absolute errors around the median
	Poisson                        // Poisson deviance around the mean; targets ≥ 0
)

var criterionNames = []string{"squared_error", "friedman_mse", "absolute_error", "poisson"}

func (c Criterion) String() string {
	if c >= 0 && int(c) < len(criterionNames) {
		return criterionNames[c]
	}
	return fmt.Sprintf("Criterion(%d)", int(c))
}

// ParseCriterion reads a criterion by its scikit-learn name.
func ParseCriterion(s string) (Criterion, error) {
	if i := slices.Index(criterionNames, s); i >= 0 {
		return Criterion(i), nil
	}
	return 0, fmt.Errorf("unknown criterion %q (want one of %v)", s, criterionNames)
}

// split is a candidate split of a node.
type split struct {
	ok      bool
	feature int
	bin     int       // numeric: rows with code ≤ bin go left
	cats    uint64    // categorical of up to 64 levels: rows whose level is in the set go left
	set     *LevelSet // categorical of more levels: the same
	gain    float64
	ls      float64 // the left side's sum of targets (of gradients, GrowNewton)
	lh      float64 // GrowNewton: the left side's sum of hessians
	// numeric: the missing values' bin goes left too
	missLeft bool
}

// minGain is the smallest gain, relative to the node's own score, that is
// worth a split: below it the difference is rounding, and a pure node would
// otherwise split on noise.
const minGain = 1e-12

// gain is the criterion's improvement from splitting (s, n) into (ls, ln)
// and (rs, rn); ok is false for a split the criterion cannot take.
func (g *Grower) gain(ls float64, ln int, rs float64, rn int, s float64, n int) (float64, bool) {
	switch g.p.Criterion {
	case FriedmanMSE:
		d := ls/float64(ln) - rs/float64(rn)
		return float64(ln) * float64(rn) / float64(n) * d * d, true
	case Poisson:
		// scikit-learn refuses a child whose targets sum to zero: its mean
		// would be 0 and the deviance of any positive target infinite.
		if ls <= 1e-9*s || rs <= 1e-9*s {
			return 0, false
		}
		return ls*math.Log(ls/float64(ln)) + rs*math.Log(rs/float64(rn)) - s*math.Log(s/float64(n)), true
	default:
		l := g.p.L2
		return ls*ls/(float64(ln)+l) + rs*rs/(float64(rn)+l) - s*s/(float64(n)+l), true
	}
}

// threshold is the gain a split must beat: minGain of the node's score.
func (g *Grower) threshold(s float64, n int) float64 {
	return minGain * math.Max(1, math.Abs(s*s/float64(n)))
}

// bestSplit finds the best split of a node with sum s and n rows over the
// given features from its histogram. Ties go to the earlier feature, then
// the lower bin: only a strictly better gain replaces the best.
//
// A node with few rows has few non-empty bins: it scans only the bins its
// rows' codes name, in increasing order, which adds the same numbers in the
// same order as the full scan.
func (g *Grower) bestSplit(h histogram, s float64, n int, feats []int, rows []int32) split {
	best := split{gain: g.threshold(s, n)}
	msl := g.p.MinSamplesLeaf
	bd := g.bd
	for _, j := range feats {
		hj := h[bd.offset[j] : bd.offset[j]+bd.NBins[j]]
		if bd.Levels[j] > 0 {
			g.bestCategorical(hj, j, s, n, &best)
			continue
		}
		if g.p.Criterion == Poisson {
			g.scanNumeric(hj, j, s, n, &best)
			continue
		}
		// Squared error and Friedman's improvement are the same function
		// of the sums (n_l·n_r/n·(m_l − m_r)² = S_l²/n_l + S_r²/n_r − S²/n),
		// so both scan with the cheaper form, which also takes λ.
		// inv[k] is 1/(k+λ): a multiplication per side instead of a
		// division.
		inv := g.inv[:n+1]
		parent := s * s * inv[n]
		var ls float64
		var ln int
		bestGain, bestBin, bestLs := best.gain, -1, 0.0
		bins := g.presentBins(j, rows, len(hj))
		for bi := 0; bi < len(bins); bi++ {
			b := int(bins[bi])
			if b >= len(hj)-1 {
				break
			}
			if hj[b].N == 0 {
				continue
			}
			ls += hj[b].Sum
			ln += hj[b].N
			if ln < msl {
				continue
			}
			rn := n - ln
			if rn < msl {
				break
			}
			rs := s - ls
			gain := ls*ls*inv[ln] + rs*rs*inv[rn] - parent
			if gain > bestGain {
				bestGain, bestBin, bestLs = gain, b, ls
			}
		}
		missLeft := false
		if bd.missing[j] {
			missLeft = g.scanMissingLeft(hj, bins, s, n, &bestGain, &bestBin, &bestLs)
		}
		if bestBin >= 0 {
			best = split{ok: true, feature: j, bin: bestBin, gain: bestGain, ls: bestLs, missLeft: missLeft}
		}
	}
	return best
}

// scanMissingLeft is bestSplit's scan of a numeric feature whose last bin
// holds its missing values, with that bin on the left of every threshold
// (the first scan had it on the right). It updates the best gain, bin and
// left sum and reports whether it found a better split.
func (g *Grower) scanMissingLeft(hj histogram, bins []uint8, s float64, n int, bestGain *float64, bestBin *int, bestLs *float64) bool {
	m := hj[len(hj)-1]
	if m.N == 0 {
		return false
	}
	inv := g.inv[:n+1]
	parent := s * s * inv[n]
	msl := g.p.MinSamplesLeaf
	ls, ln := m.Sum, m.N
	found := false
	for _, b8 := range bins {
		b := int(b8)
		if b >= len(hj)-2 {
			break
		}
		if hj[b].N == 0 {
			continue
		}
		ls += hj[b].Sum
		ln += hj[b].N
		if ln < msl {
			continue
		}
		rn := n - ln
		if rn < msl {
			break
		}
		rs := s - ls
		if gain := ls*ls*inv[ln] + rs*rs*inv[rn] - parent; gain > *bestGain {
			*bestGain, *bestBin, *bestLs = gain, b, ls
			found = true
		}
	}
	return found
}

// presentBins lists, in increasing order, the bins of numeric feature j
// (nb of them) worth scanning for rows: every bin, or for a node with
// fewer than a quarter as many rows as bins only those its rows fall in,
// found as the bits of a set of codes.
func (g *Grower) presentBins(j int, rows []int32, nb int) []uint8 {
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
	for w, bitsLeft := range set {
		for bitsLeft != 0 {
			out = append(out, uint8(w<<6+bits.TrailingZeros64(bitsLeft)))
			bitsLeft &= bitsLeft - 1
		}
	}
	g.bins = out
	return out
}

// allBins lists every bin code.
var allBins = func() []uint8 {
	b := make([]uint8, MaxBins+1)
	for i := range b {
		b[i] = uint8(i)
	}
	return b
}()

// scanNumeric tries every threshold of numeric feature j with the
// criterion's gain.
func (g *Grower) scanNumeric(hj histogram, j int, s float64, n int, best *split) {
	msl := g.p.MinSamplesLeaf
	var ls float64
	var ln int
	for b := 0; b < len(hj)-1; b++ {
		if hj[b].N == 0 {
			continue
		}
		ls += hj[b].Sum
		ln += hj[b].N
		if ln < msl {
			continue
		}
		rn := n - ln
		if rn < msl {
			break
		}
		if gain, ok := g.gain(ls, ln, s-ls, rn, s, n); ok && gain > best.gain {
			*best = split{ok: true, feature: j, bin: b, gain: gain, ls: ls}
		}
	}
}

// bestCategorical sorts the levels present in the node by their mean
// target and tries every split of that order into a prefix and the rest,
// which finds the best two-set partition for squared error (Fisher, 1958).
func (g *Grower) bestCategorical(hj histogram, j int, s float64, n int, best *split) {
	if len(hj) == 2 {
		g.bestOfTwo(hj, j, s, n, best)
		return
	}
	if len(hj) > wideLevels {
		g.bestWide(hj, j, s, n, best)
		return
	}
	g.order = slices.Grow(g.order[:0], len(hj))
	g.mean = slices.Grow(g.mean[:0], len(hj))
	order, mean := g.order[:len(hj)], g.mean[:len(hj)]
	k := 0
	for l := range hj {
		if hj[l].N == 0 {
			continue
		}
		// insertion sort by mean, stable: ties keep the lower level first
		m := hj[l].Sum / float64(hj[l].N)
		i := k
		for i > 0 && mean[i-1] > m {
			order[i], mean[i] = order[i-1], mean[i-1]
			i--
		}
		order[i], mean[i] = l, m
		k++
	}
	levels := order[:k]
	msl := g.p.MinSamplesLeaf
	var ls float64
	var ln int
	var set uint64
	for i := 0; i < len(levels)-1; i++ {
		l := levels[i]
		ls += hj[l].Sum
		ln += hj[l].N
		set |= 1 << uint(l)
		if ln < msl || n-ln < msl {
			continue
		}
		g.tryCats(j, set, ls, ln, s, n, best)
	}
}

// bestWide is bestCategorical of a feature of more than 64 levels: the
// same order (mean target, ties to the lower level) by a sort instead of
// insertion, and the set of the best prefix built once at the end.
func (g *Grower) bestWide(hj histogram, j int, s float64, n int, best *split) {
	g.order = slices.Grow(g.order[:0], len(hj))
	g.mean = slices.Grow(g.mean[:0], len(hj))[:len(hj)]
	order, mean := g.order[:0], g.mean
	for l := range hj {
		if hj[l].N > 0 {
			mean[l] = hj[l].Sum / float64(hj[l].N)
			order = append(order, l)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(mean[a], mean[b]); c != 0 {
			return c
		}
		return a - b
	})
	g.order = order
	msl := g.p.MinSamplesLeaf
	var ls float64
	var ln int
	prefix := 0
	for i := 0; i < len(order)-1; i++ {
		l := order[i]
		ls += hj[l].Sum
		ln += hj[l].N
		if ln < msl || n-ln < msl {
			continue
		}
		gain, ok := g.catGain(ls, ln, s, n)
		if ok && gain > best.gain {
			*best = split{ok: true, feature: j, gain: gain, ls: ls}
			prefix = i + 1
		}
	}
	if prefix > 0 {
		best.set = newLevelSet(len(hj), order[:prefix])
	}
}

// catGain is the gain of a categorical split sending ln rows of sum ls
// left: the criterion's, or squared error's form as in bestSplit.
func (g *Grower) catGain(ls float64, ln int, s float64, n int) (float64, bool) {
	rn := n - ln
	if g.p.Criterion == Poisson {
		return g.gain(ls, ln, s-ls, rn, s, n)
	}
	rs := s - ls
	return ls*ls*g.inv[ln] + rs*rs*g.inv[rn] - s*s*g.inv[n], true
}

// tryCats makes the split of feature j that sends the levels in set left
// (sum ls over ln rows) the best if its gain beats best's.
func (g *Grower) tryCats(j int, set uint64, ls float64, ln int, s float64, n int, best *split) {
	gain, ok := g.catGain(ls, ln, s, n)
	if ok && gain > best.gain {
		*best = split{ok: true, feature: j, cats: set, gain: gain, ls: ls}
	}
}

// bestOfTwo is bestCategorical of a feature of two levels: its one split,
// the level of the lower mean (the first on a tie) on the left.
func (g *Grower) bestOfTwo(hj histogram, j int, s float64, n int, best *split) {
	a, b := hj[0], hj[1]
	if a.N == 0 || b.N == 0 {
		return
	}
	l := 0
	if a.Sum/float64(a.N) > b.Sum/float64(b.N) {
		l = 1
	}
	if msl := g.p.MinSamplesLeaf; hj[l].N < msl || n-hj[l].N < msl {
		return
	}
	g.tryCats(j, 1<<uint(l), hj[l].Sum, hj[l].N, s, n, best)
}

// bestSplitNewton is bestSplit growing on gradients (GrowNewton): from the
// node's histograms of gradients (with the counts) and hessians, the split
// of the largest gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) whose sides
// keep MinSamplesLeaf rows and MinHessianLeaf hessian each. Ties go to the
// earlier feature, then the lower bin, then the missing values on the
// right, as in bestSplit.
func (g *Grower) bestSplitNewton(nd *growing, feats []int, rows []int32) split {
	bd := g.bd
	s := newtonNode{G: nd.sum, H: nd.hsum, n: nd.n(), lambda: g.p.L2, msl: g.p.MinSamplesLeaf, minH: g.p.MinHessianLeaf}
	s.parent = s.G * s.G / (s.H + s.lambda)
	if s.H+s.lambda == 0 {
		s.parent = 0
	}
	best := split{gain: minGain * math.Max(1, math.Abs(s.parent))}
	for _, j := range feats {
		lo, hi := bd.offset[j], bd.offset[j]+bd.NBins[j]
		gj, hj := nd.hist[lo:hi], nd.hhist[lo:hi]
		if bd.Levels[j] > 0 {
			g.newtonCategorical(gj, hj, j, &s, &best)
			continue
		}
		bins := g.presentBins(j, rows, len(gj))
		s.numeric(gj, hj, j, bins, false, &best)
		if bd.missing[j] {
			s.numeric(gj, hj, j, bins, true, &best)
		}
	}
	return best
}

// newtonNode is what bestSplitNewton's scans need of the node: its sums
// of gradients and hessians, its rows, the parent's term of the gain and
// the parameters.
type newtonNode struct {
	G, H   float64
	n      int
	parent float64 // G²/(H+λ)
	lambda float64
	msl    int
	minH   float64
}

// gain is the gain of sending (gl, hl, nl) left, and whether both sides
// are allowed.
func (s *newtonNode) gain(gl, hl float64, nl int) (float64, bool) {
	hr := s.H - hl
	if nl < s.msl || s.n-nl < s.msl || hl < s.minH || hr < s.minH {
		return 0, false
	}
	gr := s.G - gl
	return gl*gl/(hl+s.lambda) + gr*gr/(hr+s.lambda) - s.parent, true
}

// numeric tries the thresholds of numeric feature j at the bins listed
// (increasing; the last bin is never left alone). With missLeft the last
// bin, which holds the missing values, starts on the left of every
// threshold, and a split found replaces best only when strictly better.
func (s *newtonNode) numeric(gj, hj histogram, j int, bins []uint8, missLeft bool, best *split) {
	var gl, hl float64
	var nl int
	limit := len(gj) - 1
	if missLeft {
		m := len(gj) - 1
		if gj[m].N == 0 {
			return
		}
		gl, hl, nl = gj[m].Sum, hj[m].Sum, gj[m].N
		limit--
	}
	for _, b8 := range bins {
		b := int(b8)
		if b >= limit {
			break
		}
		if gj[b].N == 0 {
			continue
		}
		gl += gj[b].Sum
		hl += hj[b].Sum
		nl += gj[b].N
		if s.n-nl < s.msl {
			break
		}
		if gain, ok := s.gain(gl, hl, nl); ok && gain > best.gain {
			*best = split{ok: true, feature: j, bin: b, gain: gain, ls: gl, lh: hl, missLeft: missLeft}
		}
	}
}

// newtonCategorical orders the levels of categorical feature j present in
// the node by G/H (their Newton values' order, ties to the lower level)
// and tries every prefix of that order on the left, as bestCategorical
// does by mean target; the best prefix becomes a set of up to 64 levels
// or a LevelSet.
func (g *Grower) newtonCategorical(gj, hj histogram, j int, s *newtonNode, best *split) {
	g.order = slices.Grow(g.order[:0], len(gj))
	g.mean = slices.Grow(g.mean[:0], len(gj))[:len(gj)]
	order, key := g.order[:0], g.mean
	for l := range gj {
		if gj[l].N > 0 {
			key[l] = 0
			if hj[l].Sum > 0 {
				key[l] = gj[l].Sum / hj[l].Sum
			}
			order = append(order, l)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(key[a], key[b]); c != 0 {
			return c
		}
		return a - b
	})
	g.order = order
	var gl, hl float64
	var nl int
	prefix := 0
	for i := 0; i < len(order)-1; i++ {
		l := order[i]
		gl += gj[l].Sum
		hl += hj[l].Sum
		nl += gj[l].N
		if gain, ok := s.gain(gl, hl, nl); ok && gain > best.gain {
			*best = split{ok: true, feature: j, gain: gain, ls: gl, lh: hl}
			prefix = i + 1
		}
	}
	if prefix == 0 {
		return
	}
	if len(gj) > wideLevels {
		best.set = newLevelSet(len(gj), order[:prefix])
		return
	}
	for _, l := range order[:prefix] {
		best.cats |= 1 << uint(l)
	}
}
