package tree

import "sync"

// binStat is the sum of the targets and the count of a node's rows in one
// bin.
type binStat struct {
	Sum float64
	N   int
}

// histogram holds a binStat per bin of every feature, feature after
// feature (Binned.offset).
type histogram []binStat

// chunkRows is the size of the row chunks a histogram is built from: each
// chunk's partial histogram may be built on its own goroutine, and the
// partials are added in chunk order, so the sums do not depend on how many
// goroutines there were.
const chunkRows = 1 << 14

// build counts rows into h, which must be zero. Large nodes of data with
// a joint group are counted by group into a wider histogram from ext,
// which is then folded into h.
func (h histogram) build(bd *Binned, y []float64, rows []int32, workers int, pool, ext *histPool) {
	if !bd.grouped(len(rows)) {
		h.count(bd, y, rows, bd.slots, bd.Cols(), workers, pool)
		return
	}
	e := ext.get()
	e.count(bd, y, rows, bd.gslots, bd.groups, workers, ext)
	h.fold(bd, e)
	ext.put(e)
}

// count counts rows into h, which must be zero, through their slots (w a
// row), or their codes when slots is nil.
func (h histogram) count(bd *Binned, y []float64, rows []int32, slots []uint16, w, workers int, pool *histPool) {
	if len(h) > wideBins {
		h.countHalves(bd, y, rows, slots, w, workers, pool)
		return
	}
	if len(rows) <= chunkRows {
		if len(rows) < wideRows {
			h.add(bd, y, rows, slots, w)
			return
		}
		sc := pool.wide()
		h.addWide(bd, y, rows, slots, w, sc)
		pool.putWide(sc)
		return
	}
	// The pool is the grower's alone: every histogram the goroutines use
	// is taken from it here.
	chunks := (len(rows) + chunkRows - 1) / chunkRows
	parts := make([]histogram, chunks)
	for c := range parts {
		parts[c] = pool.get()
	}
	scratch := make([]*[3]histogram, max(1, min(workers, chunks)))
	for i := range scratch {
		scratch[i] = pool.wide()
	}
	var wg sync.WaitGroup
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	work := func(sc *[3]histogram) {
		for c := range next {
			parts[c].addWide(bd, y, rows[c*chunkRows:min(len(rows), (c+1)*chunkRows)], slots, w, sc)
		}
	}
	// This goroutine counts too, rather than sleep until the others end.
	for _, sc := range scratch[1:] {
		wg.Go(func() { work(sc) })
	}
	work(scratch[0])
	wg.Wait()
	for _, part := range parts {
		for i := range h {
			h[i].Sum += part[i].Sum
			h[i].N += part[i].N
		}
		pool.put(part)
	}
	for _, sc := range scratch {
		pool.putWide(sc)
	}
}

// wideBins is the most slots of a histogram that count builds from
// interleaved partial histograms (addWide's four, a chunk's each): past
// it they no longer fit the caches together, and countHalves is faster.
const wideBins = 2048

// countHalves is count of a wide histogram: the first half of the rows
// into h, the second into a histogram of the pool (on a goroutine of its
// own with two workers or more), added to h afterwards, so that the sums
// do not depend on the workers. Fewer rows than chunkRows are counted in
// one go.
func (h histogram) countHalves(bd *Binned, y []float64, rows []int32, slots []uint16, w, workers int, pool *histPool) {
	if len(rows) < chunkRows {
		h.addRange(bd, y, rows, slots, w, 0, w)
		return
	}
	mid := len(rows) / 2
	second := pool.get()
	if workers >= 2 {
		var wg sync.WaitGroup
		wg.Go(func() { second.addRange(bd, y, rows[mid:], slots, w, 0, w) })
		h.addRange(bd, y, rows[:mid], slots, w, 0, w)
		wg.Wait()
	} else {
		h.addRange(bd, y, rows[:mid], slots, w, 0, w)
		second.addRange(bd, y, rows[mid:], slots, w, 0, w)
	}
	for i := range h {
		h[i].Sum += second[i].Sum
		h[i].N += second[i].N
	}
	pool.put(second)
}

// addRange counts rows into h through slots [lo, hi) of each (w a row),
// or its codes of features [lo, hi) when slots is nil.
func (h histogram) addRange(bd *Binned, y []float64, rows []int32, slots []uint16, w, lo, hi int) {
	if slots != nil {
		for _, r := range rows {
			g := y[r]
			for _, k := range slots[int(r)*w+lo : int(r)*w+hi] {
				s := &h[k]
				s.Sum += g
				s.N++
			}
		}
		return
	}
	p, off := bd.Cols(), bd.offset[lo:hi]
	for _, r := range rows {
		g := y[r]
		codes := bd.Codes[int(r)*p+lo : int(r)*p+hi]
		for j, c := range codes {
			s := &h[off[j]+int(c)]
			s.Sum += g
			s.N++
		}
	}
}

// buildPair counts rows into h (targets y) and hh (hessians), both zero,
// as h.build and hh.build would. A histogram of more than wideBins slots
// not counted by group, countHalves' case, is counted in one pass over
// the rows' slots for both: the slots are read once, not twice.
func buildPair(bd *Binned, y, hess []float64, rows []int32, h, hh histogram, workers int, pool, ext *histPool) {
	if bd.grouped(len(rows)) || len(h) <= wideBins {
		h.build(bd, y, rows, workers, pool, ext)
		hh.build(bd, hess, rows, workers, pool, ext)
		return
	}
	slots, w := bd.slots, bd.Cols()
	if len(rows) < chunkRows {
		addRangePair(bd, y, hess, rows, slots, w, h, hh)
		return
	}
	// countHalves' halves, for both histograms.
	mid := len(rows) / 2
	second, hsecond := pool.get(), pool.get()
	if workers >= 2 {
		var wg sync.WaitGroup
		wg.Go(func() { addRangePair(bd, y, hess, rows[mid:], slots, w, second, hsecond) })
		addRangePair(bd, y, hess, rows[:mid], slots, w, h, hh)
		wg.Wait()
	} else {
		addRangePair(bd, y, hess, rows[:mid], slots, w, h, hh)
		addRangePair(bd, y, hess, rows[mid:], slots, w, second, hsecond)
	}
	for i := range h {
		h[i].Sum += second[i].Sum
		h[i].N += second[i].N
		hh[i].Sum += hsecond[i].Sum
		hh[i].N += hsecond[i].N
	}
	pool.put(second)
	pool.put(hsecond)
}

// addRangePair is addRange of every slot into h (y) and hh (hess) at
// once.
func addRangePair(bd *Binned, y, hess []float64, rows []int32, slots []uint16, w int, h, hh histogram) {
	if slots != nil {
		for _, r := range rows {
			g, v := y[r], hess[r]
			for _, k := range slots[int(r)*w : int(r)*w+w] {
				s, t := &h[k], &hh[k]
				s.Sum += g
				s.N++
				t.Sum += v
				t.N++
			}
		}
		return
	}
	p, off := bd.Cols(), bd.offset
	for _, r := range rows {
		g, v := y[r], hess[r]
		for j, c := range bd.Codes[int(r)*p : int(r)*p+p] {
			k := off[j] + int(c)
			s, t := &h[k], &hh[k]
			s.Sum += g
			s.N++
			t.Sum += v
			t.N++
		}
	}
}

// fold sets h, which must be zero, to the histogram e counted by group:
// the single features' bins as they are, each joint cell added to the bin
// of each of its members.
func (h histogram) fold(bd *Binned, e histogram) {
	copy(h, e[:bd.total])
	m := bd.members
	for q, c := range e[bd.total:] {
		if c.N == 0 {
			continue
		}
		for _, s := range bd.marg[q*m : (q+1)*m] {
			h[s].Sum += c.Sum
			h[s].N += c.N
		}
	}
}

// wideRows is the fewest rows addWide spreads over four histograms.
const wideRows = 4096

// addWide counts rows into h, which must be zero, through their slots (w
// a row), or their codes when slots is nil. Many rows are counted into
// four histograms in turn, added up at the end: consecutive rows often
// share a bin of a feature with few levels, and one histogram would make
// each of their updates wait for the previous one.
// sc holds the other three, zero, and is left zero.
func (h histogram) addWide(bd *Binned, y []float64, rows []int32, slots []uint16, w int, sc *[3]histogram) {
	if len(rows) < wideRows {
		h.add(bd, y, rows, slots, w)
		return
	}
	a, b, c := sc[0], sc[1], sc[2]
	i := 0
	if slots != nil {
		for ; i+4 <= len(rows); i += 4 {
			r0, r1, r2, r3 := int(rows[i])*w, int(rows[i+1])*w, int(rows[i+2])*w, int(rows[i+3])*w
			g0, g1, g2, g3 := y[rows[i]], y[rows[i+1]], y[rows[i+2]], y[rows[i+3]]
			s0, s1, s2, s3 := slots[r0:r0+w], slots[r1:r1+w], slots[r2:r2+w], slots[r3:r3+w]
			for j := range w {
				h[s0[j]].Sum += g0
				h[s0[j]].N++
				a[s1[j]].Sum += g1
				a[s1[j]].N++
				b[s2[j]].Sum += g2
				b[s2[j]].N++
				c[s3[j]].Sum += g3
				c[s3[j]].N++
			}
		}
	} else {
		p, off := bd.Cols(), bd.offset
		for ; i+4 <= len(rows); i += 4 {
			r0, r1, r2, r3 := int(rows[i])*p, int(rows[i+1])*p, int(rows[i+2])*p, int(rows[i+3])*p
			g0, g1, g2, g3 := y[rows[i]], y[rows[i+1]], y[rows[i+2]], y[rows[i+3]]
			c0, c1, c2, c3 := bd.Codes[r0:r0+p], bd.Codes[r1:r1+p], bd.Codes[r2:r2+p], bd.Codes[r3:r3+p]
			for j, o := range off[:p] {
				h[o+int(c0[j])].Sum += g0
				h[o+int(c0[j])].N++
				a[o+int(c1[j])].Sum += g1
				a[o+int(c1[j])].N++
				b[o+int(c2[j])].Sum += g2
				b[o+int(c2[j])].N++
				c[o+int(c3[j])].Sum += g3
				c[o+int(c3[j])].N++
			}
		}
	}
	h.add(bd, y, rows[i:], slots, w)
	for k := range h {
		h[k].Sum += a[k].Sum + b[k].Sum + c[k].Sum
		h[k].N += a[k].N + b[k].N + c[k].N
	}
	clear(a)
	clear(b)
	clear(c)
}

// add counts rows into h through their slots (w a row), or their codes
// when slots is nil.
func (h histogram) add(bd *Binned, y []float64, rows []int32, slots []uint16, w int) {
	if slots != nil {
		for _, r := range rows {
			g := y[r]
			for _, k := range slots[int(r)*w : int(r)*w+w] {
				s := &h[k]
				s.Sum += g
				s.N++
			}
		}
		return
	}
	p := bd.Cols()
	off := bd.offset
	for _, r := range rows {
		g := y[r]
		codes := bd.Codes[int(r)*p : int(r)*p+p]
		for j, c := range codes {
			s := &h[off[j]+int(c)]
			s.Sum += g
			s.N++
		}
	}
}

// remove takes rows out of h, a parent's histogram, which leaves the
// histogram of the other child.
func (h histogram) remove(bd *Binned, y []float64, rows []int32) {
	p := bd.Cols()
	if bd.slots != nil {
		for _, r := range rows {
			g := y[r]
			for _, k := range bd.slots[int(r)*p : int(r)*p+p] {
				h[k].Sum -= g
				h[k].N--
			}
		}
		return
	}
	off := bd.offset
	for _, r := range rows {
		g := y[r]
		for j, c := range bd.Codes[int(r)*p : int(r)*p+p] {
			h[off[j]+int(c)].Sum -= g
			h[off[j]+int(c)].N--
		}
	}
}

// subtract turns h, a parent's histogram, into the histogram of the
// sibling of child.
func (h histogram) subtract(child histogram) {
	for i := range h {
		h[i].Sum -= child[i].Sum
		h[i].N -= child[i].N
	}
}

// histPool recycles histograms of one size. It is owned by one grower and
// used by one goroutine: a build hands its goroutines what they need.
type histPool struct {
	size int
	free []histogram
}

// get returns a zero histogram.
func (p *histPool) get() histogram {
	if n := len(p.free); n > 0 {
		h := p.free[n-1]
		p.free = p.free[:n-1]
		clear(h)
		return h
	}
	return make(histogram, p.size)
}

func (p *histPool) put(h histogram) {
	if h == nil {
		return
	}
	p.free = append(p.free, h)
}

// wide returns the three zero histograms addWide counts into beside its own.
func (p *histPool) wide() *[3]histogram {
	return &[3]histogram{p.get(), p.get(), p.get()}
}

// putWide recycles addWide's three histograms.
func (p *histPool) putWide(sc *[3]histogram) {
	for _, h := range sc {
		p.put(h)
	}
}
