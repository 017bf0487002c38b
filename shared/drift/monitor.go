package drift

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// Monitor counts the records a model serves, per feature, against the
// model's Baseline. Observe, Snapshot and Reset may be called concurrently.
type Monitor struct {
	base  *Baseline
	cats  []catCounter // per transform category
	nums  []numCounter // per transform numeric feature
	feat  []int        // per baseline feature: its first counter
	spans []span       // per baseline feature: a numeric feature's range
	level [][]string   // per baseline feature: a category's counted levels, nil for a numeric one
	hide  []int        // per baseline feature: the bin of a category's missing level, -1 for none
	width int          // counters in one window
	cur   atomic.Pointer[window]
}

// catCounter is where one category's counts start, and the bin of each
// of the transform's levels.
type catCounter struct {
	at   int
	bins int     // levels counted apart, plus "other" when there is one
	slot []int32 // transform level → bin; nil when every level is its own bin
	c    *features.Categorical
}

// numCounter is where one numeric feature's counts start, its bins and
// its range.
type numCounter struct {
	at     int
	bins   int
	edges  []float64
	lo, hi float64
}

// window is the counts since start or the last Reset. Every feature has
// one counter per level or bin, then one for missing values, then one for
// unseen categories or out-of-range numbers.
type window struct {
	since   time.Time
	records atomic.Int64
	skipped atomic.Int64 // rows of the wrong shape, counted nowhere else
	cells   []atomic.Int64
}

// NewMonitor returns a monitor of records in tr's order compared with b.
// b must come from Fit on the data tr was fitted on (or be decoded with
// its model, which checks that), and tr must be initialised, as
// features.Fit and model decoding leave it. Its memory is a few counters
// per feature: at most MaxLevels+3 for a category, Bins+2 for a numeric
// feature, and one index per level of a category with more than
// MaxLevels.
func NewMonitor(b *Baseline, tr *features.Transform) (*Monitor, error) {
	if b == nil {
		return nil, fmt.Errorf("drift monitor: no baseline")
	}
	spans, err := b.check(tr, nil)
	if err != nil {
		return nil, fmt.Errorf("drift monitor: %w", err)
	}
	m := &Monitor{base: b, feat: make([]int, len(b.Features)), spans: spans, level: make([][]string, len(b.Features)), hide: make([]int, len(b.Features))}
	for i := range b.Features {
		f := &b.Features[i]
		m.feat[i], m.hide[i] = m.width, -1
		bins := f.bins()
		if f.Kind == dataset.Category {
			c := &tr.Categorical[len(m.cats)]
			m.cats = append(m.cats, catCounter{at: m.width, bins: bins, slot: slots(f, c), c: c})
			m.level[i] = c.Levels
			if f.Levels != nil {
				m.level[i] = f.Levels
			} else if j, ok := c.MissingLevel(); ok {
				// Missing cells are counted as missing, never in the
				// missing level's bin (0 in training and served alike),
				// which the report leaves out.
				m.hide[i] = j
			}
		} else {
			m.nums = append(m.nums, numCounter{at: m.width, bins: bins, edges: f.Edges, lo: spans[i].lo, hi: spans[i].hi})
		}
		m.width += bins + 2
	}
	m.cur.Store(newWindow(m.width))
	return m, nil
}

// bins is the number of bins of f's PSI besides missing: its counts, and
// "other" when it keeps only some levels.
func (f *Feature) bins() int {
	if f.Levels != nil {
		return len(f.Counts) + 1
	}
	return len(f.Counts)
}

// slots maps each of c's levels to its bin in f: its place among the kept
// levels, or "other" (after them). It is nil when f counts every level.
func slots(f *Feature, c *features.Categorical) []int32 {
	if f.Levels == nil {
		return nil
	}
	other := int32(len(f.Levels))
	s := make([]int32, len(c.Levels))
	for j := range s {
		s[j] = other
	}
	for k, l := range f.Levels {
		j, _ := c.Known(l) // checked: every kept level is the transform's
		s[j] = int32(k)
	}
	return s
}

// Baseline returns the training counts the monitor compares with.
func (m *Monitor) Baseline() *Baseline { return m.base }

// Observe counts one served record, a Row in the transform's order. It
// takes no lock and allocates nothing.
//
// A category's value must be the string the record carried, not the
// level a model imputes for it: one that is empty, only spaces or a
// missing marker (dataset.IsMissing) is missing, one the transform does
// not know (Categorical.Known fails) is unseen, even where the model's
// schema serves it as missing. A NaN number is missing, one outside the
// feature's range (or infinite) is out of range. A row with the wrong
// number of values counts only as skipped.
func (m *Monitor) Observe(r features.Row) {
	w := m.cur.Load()
	if len(r.Cat) != len(m.cats) || len(r.Num) != len(m.nums) {
		w.skipped.Add(1)
		return
	}
	for i := range m.cats {
		cc := &m.cats[i]
		v := r.Cat[i]
		// A known level first: the common case, and the reader never makes
		// a level of a missing marker.
		var slot int
		switch j, ok := cc.c.Known(v); {
		case ok && cc.slot != nil:
			slot = int(cc.slot[j])
		case ok:
			slot = j
		case dataset.IsMissing(dataset.TrimCell(v)):
			slot = cc.bins
		default:
			slot = cc.bins + 1 // unseen
		}
		w.cells[cc.at+slot].Add(1)
	}
	for i := range m.nums {
		nc := &m.nums[i]
		v := r.Num[i]
		var slot int
		switch {
		case math.IsNaN(v):
			slot = nc.bins
		case !(v >= nc.lo && v <= nc.hi):
			slot = nc.bins + 1
		default:
			slot = bin(nc.edges, v)
		}
		w.cells[nc.at+slot].Add(1)
	}
	w.records.Add(1)
}

func newWindow(width int) *window {
	return &window{since: time.Now(), cells: make([]atomic.Int64, width)}
}
