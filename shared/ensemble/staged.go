package ensemble

import "math"

// StagedBatch writes into dst[i][r] the prediction of the first counts[i]
// trees for row r of x (p values each, row after row; len(x)/p rows, as
// many as each dst[i] holds). It gives exactly what Staged gives row by
// row, but walks each tree over a block of rows, and for a median sorts
// each row's predictions once (a stable radix sort) into buffers it reuses
// from row to row. counts must be increasing.
func (e *Ensemble) StagedBatch(x []float64, p int, counts []int, dst [][]float64) {
	if len(counts) == 0 || p <= 0 {
		return
	}
	if e.Combine == Median {
		e.stagedMedians(x, p, counts, dst)
		return
	}
	n := len(x) / p
	acc := make([]float64, n)
	if e.Combine == Sum {
		for i := range acc {
			acc[i] = e.Base
		}
	}
	t := 0
	for s, c := range counts {
		for ; t < min(c, len(e.Trees)); t++ {
			e.Trees[t].PredictAdd(x, p, acc)
		}
		if e.Combine == Mean {
			for i, v := range acc {
				dst[s][i] = v / float64(t)
			}
		} else {
			copy(dst[s], acc)
		}
	}
}

// stagedRows is how many rows StagedBatch predicts with every tree before
// it combines them: enough for the walks to overlap, few enough that the
// trees' predictions for them stay in cache.
const stagedRows = 64

// stagedMedians is StagedBatch for a weighted median.
func (e *Ensemble) stagedMedians(x []float64, p int, counts []int, dst [][]float64) {
	m, n := len(e.Trees), len(x)/p
	// Half of each stage's total weight, summed in tree order as Staged
	// sums it.
	halves := make([]float64, len(counts))
	for i, c := range counts {
		var total float64
		for t := range min(c, m) {
			total += e.Weights[t]
		}
		halves[i] = total / 2
	}
	block := min(n, stagedRows)
	preds := make([]float64, m*block) // tree t's prediction for row r of the block: preds[t*block+r]
	row := make([]float64, m)
	sorter := newRadixSorter(m)
	var stage, scratch []float64 // for Staged, on a row with a NaN prediction
	negZero := math.Copysign(0, -1)
	for lo := 0; lo < n; lo += block {
		k := min(block, n-lo)
		xs := x[lo*p : (lo+k)*p]
		for t := range e.Trees {
			out := preds[t*block : t*block+k]
			for r := range out {
				out[r] = negZero // −0 + v is v for every v, +0 and −0 included
			}
			e.Trees[t].PredictAdd(xs, p, out)
		}
		for r := range k {
			nan := false
			for t := range row {
				v := preds[t*block+r]
				row[t] = v
				nan = nan || v != v
			}
			if nan { // the sort's order of a NaN is the sort algorithm's choice: ask Staged
				if stage == nil {
					stage = make([]float64, len(counts))
				}
				scratch = e.Staged(xs[r*p:(r+1)*p], counts, stage, scratch)
				for i := range counts {
					dst[i][lo+r] = stage[i]
				}
				continue
			}
			order := sorter.sort(row)
			for i, c := range counts {
				dst[i][lo+r] = e.medianOfFirst(order, row, c, halves[i])
			}
		}
	}
}

// medianOfFirst is the weighted median of the first c trees as Staged
// finds it: walking the trees in order (by prediction, ties in tree
// order), the first prediction at which the cumulative weight of those
// among the first c reaches half their total; 0 when c is 0.
func (e *Ensemble) medianOfFirst(order []sortItem, preds []float64, c int, half float64) float64 {
	var cum float64
	last := 0.0
	for _, it := range order {
		if int(it.tree) >= c {
			continue
		}
		cum += e.Weights[it.tree]
		last = preds[it.tree]
		if cum >= half {
			break
		}
	}
	return last
}

// sortItem is a tree's prediction as a sort key, and the tree.
type sortItem struct {
	key  uint64
	tree int32
}

// radixSorter sorts predictions by a least-significant-digit radix sort of
// their bits, a byte at a time: it is stable and does not branch on the
// values, which a comparison sort of a row's predictions would on every
// comparison.
type radixSorter struct {
	a, b  []sortItem
	count [8][256]uint32 // count[d][v]: keys whose byte d is v
}

// newRadixSorter returns a sorter of up to n values.
func newRadixSorter(n int) *radixSorter {
	return &radixSorter{a: make([]sortItem, n), b: make([]sortItem, n)}
}

// sort returns the trees of v (no NaN) in increasing order of their
// value, equal values (−0 and +0 included) in tree order: the order a
// stable sort by < gives. The result is valid until the next call.
func (s *radixSorter) sort(v []float64) []sortItem {
	a, b := s.a[:len(v)], s.b[:len(v)]
	if len(v) == 0 {
		return a
	}
	s.count = [8][256]uint32{}
	for t, x := range v {
		k := orderedKey(x)
		a[t] = sortItem{k, int32(t)}
		for d := range 8 {
			s.count[d][byte(k>>(8*d))]++
		}
	}
	for d := range 8 {
		cnt := &s.count[d]
		shift := uint(8 * d)
		if cnt[byte(a[0].key>>shift)] == uint32(len(v)) {
			continue // every key has the same byte d: nothing moves
		}
		var sum uint32
		for i, c := range cnt {
			cnt[i] = sum
			sum += c
		}
		for _, it := range a {
			dg := byte(it.key >> shift)
			b[cnt[dg]] = it
			cnt[dg]++
		}
		a, b = b, a
	}
	return a
}

// orderedKey maps a float64 other than NaN to a uint64 in the same order,
// with −0 and +0 (which < finds equal) on the same key.
func orderedKey(x float64) uint64 {
	if x == 0 {
		return 1 << 63
	}
	k := math.Float64bits(x)
	if k>>63 == 1 {
		return ^k
	}
	return k | 1<<63
}
