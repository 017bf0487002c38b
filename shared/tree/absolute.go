package tree

import (
	"math"
	"slices"
)

// Absolute error has no histogram form: the cost of a set of rows needs
// their median. A node's rows are grouped by bin (a counting sort), and a
// running median with the sums of its lower and upper halves gives the
// cost of every prefix of bins in one pass and of every suffix in another.

// medianSet is a multiset that keeps its median: lo is a max-heap of the
// lower half (stored negated), hi a min-heap of the upper half, with
// len(lo) == len(hi) or len(hi)+1.
type medianSet struct {
	lo, hi   []float64
	slo, shi float64
}

func (m *medianSet) reset() { m.lo, m.hi, m.slo, m.shi = m.lo[:0], m.hi[:0], 0, 0 }

func (m *medianSet) push(v float64) {
	if len(m.lo) == 0 || v <= -m.lo[0] {
		m.lo = heapPush(m.lo, -v)
		m.slo += v
	} else {
		m.hi = heapPush(m.hi, v)
		m.shi += v
	}
	if len(m.lo) > len(m.hi)+1 {
		var v float64
		m.lo, v = heapPop(m.lo)
		m.slo += v
		m.hi = heapPush(m.hi, -v)
		m.shi -= v
	} else if len(m.hi) > len(m.lo) {
		var v float64
		m.hi, v = heapPop(m.hi)
		m.shi -= v
		m.lo = heapPush(m.lo, -v)
		m.slo += v
	}
}

// cost is Σ|v − median|; any value between the halves is a median with
// the same cost, and the top of lo is one.
func (m *medianSet) cost() float64 {
	if len(m.lo) == 0 {
		return 0
	}
	med := -m.lo[0]
	return med*float64(len(m.lo)) - m.slo + m.shi - med*float64(len(m.hi))
}

func heapPush(h []float64, v float64) []float64 {
	h = append(h, v)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func heapPop(h []float64) ([]float64, float64) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < n && h[l] < h[s] {
			s = l
		}
		if l+1 < n && h[l+1] < h[s] {
			s = l + 1
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	return h, top
}

// absScratch is the reusable memory of bestSplitAbsolute.
type absScratch struct {
	set         medianSet
	sorted      []float64 // the node's targets grouped by bin
	start, cnt  []int     // per bin
	sums        []float64 // per bin
	order       []int     // bins in scan order
	left, right []float64 // cost of the rows before / from each group boundary
}

// bestSplitAbsolute finds the split of rows that most reduces the sum of
// absolute errors around each side's median.
func (g *Grower) bestSplitAbsolute(y []float64, rows []int32, feats []int) split {
	sc := &g.abs
	bd := g.bd
	n := len(rows)
	msl := g.p.MinSamplesLeaf
	sc.sorted = slices.Grow(sc.sorted[:0], n)[:n]
	var best split
	thresholdSet := false
	for _, j := range feats {
		var grouped bool
		if bd.wide != nil && bd.wide[j] != nil {
			grouped = group(sc, bd.wide[j], bd.NBins[j], true, y, rows)
		} else {
			grouped = group(sc, bd.column(j), bd.NBins[j], bd.Levels[j] > 0, y, rows)
		}
		if !grouped {
			continue
		}
		sc.costs(n)
		k := len(sc.order)
		parent := sc.left[k-1]
		if !thresholdSet {
			best.gain = minGain * math.Max(1, parent) // the gain a split must beat
			thresholdSet = true
		}
		wide := bd.Levels[j] > wideLevels
		ln := 0
		var ls float64
		var set uint64
		prefix := 0
		for i := 0; i < k-1; i++ {
			b := sc.order[i]
			ln += sc.cnt[b]
			ls += sc.sums[b]
			set |= 1 << uint(b) // past 64 levels: unused
			if ln < msl || n-ln < msl {
				continue
			}
			gain := parent - sc.left[i] - sc.right[i+1]
			if gain > best.gain {
				best = split{ok: true, feature: j, gain: gain, ls: ls}
				switch {
				case wide:
					prefix = i + 1
				case bd.Levels[j] > 0:
					best.cats = set
				default:
					best.bin = b
				}
			}
		}
		if prefix > 0 {
			best.set = newLevelSet(bd.NBins[j], sc.order[:prefix])
		}
	}
	return best
}

// group sorts the targets of rows by their bin in col (a counting sort)
// into sorted, the bins that hold rows in scan order (increasing, or by
// mean target for a categorical feature). Afterwards start[b] is the end
// of bin b's group. It reports whether there are two groups or more.
func group[C uint8 | uint16](sc *absScratch, col []C, nb int, categorical bool, y []float64, rows []int32) bool {
	sc.cnt = append(sc.cnt[:0], make([]int, nb)...)
	sc.sums = append(sc.sums[:0], make([]float64, nb)...)
	for _, r := range rows {
		c := col[r]
		sc.cnt[c]++
		sc.sums[c] += y[r]
	}
	sc.order = sc.order[:0]
	for b := range nb {
		if sc.cnt[b] > 0 {
			sc.order = append(sc.order, b)
		}
	}
	if len(sc.order) < 2 {
		return false
	}
	if categorical {
		slices.SortStableFunc(sc.order, func(a, b int) int {
			ma, mb := sc.sums[a]/float64(sc.cnt[a]), sc.sums[b]/float64(sc.cnt[b])
			switch {
			case ma < mb:
				return -1
			case ma > mb:
				return 1
			}
			return 0
		})
	}
	sc.start = append(sc.start[:0], make([]int, nb)...)
	pos := 0
	for _, b := range sc.order {
		sc.start[b] = pos
		pos += sc.cnt[b]
	}
	for _, r := range rows {
		c := col[r]
		sc.sorted[sc.start[c]] = y[r]
		sc.start[c]++
	}
	return true
}

// costs sets left[i] to the cost of groups 0..i and right[i] to that of
// groups i..k-1, for the k groups of the n targets group sorted: a running
// median over the prefixes, then over the suffixes.
func (sc *absScratch) costs(n int) {
	k := len(sc.order)
	sc.left = append(sc.left[:0], make([]float64, k)...)
	sc.right = append(sc.right[:0], make([]float64, k)...)
	sc.set.reset()
	prev := 0
	for i, b := range sc.order {
		for _, v := range sc.sorted[prev:sc.start[b]] {
			sc.set.push(v)
		}
		prev = sc.start[b]
		sc.left[i] = sc.set.cost()
	}
	sc.set.reset()
	end := n
	for i := k - 1; i > 0; i-- {
		b := sc.order[i]
		lo := sc.start[b] - sc.cnt[b]
		for _, v := range sc.sorted[lo:end] {
			sc.set.push(v)
		}
		end = lo
		sc.right[i] = sc.set.cost()
	}
}

// median returns the median of the targets of rows, the mean of the two
// middle values when there is an even number, as scikit-learn does.
func median(y []float64, rows []int32, buf []float64) float64 {
	buf = buf[:0]
	for _, r := range rows {
		buf = append(buf, y[r])
	}
	slices.Sort(buf)
	n := len(buf)
	if n%2 == 1 {
		return buf[n/2]
	}
	return buf[n/2-1] + (buf[n/2]-buf[n/2-1])/2
}
