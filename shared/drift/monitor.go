package drift

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// Monitor counts the records a model serves, per feature, against the
// model's Baseline. Observe, Snapshot and Reset may be called concurrently.
type Monitor struct {
	base  *Baseline
	cats  []catCounter   // per transform category
	nums  []scoreCounter // per transform score
	feat  []int          // per baseline feature: its first counter
	level [][]string     // per baseline feature: a category's levels, nil for a score
	width int            // counters in one window
	cur   atomic.Pointer[window]
}

// catCounter is where one category's counts start.
type catCounter struct {
	at int
	c  *features.Categorical
}

// scoreCounter is where one score's counts start, and its bins.
type scoreCounter struct {
	at    int
	bins  int
	edges []float64
}

// window is the counts since start or the last Reset. Every feature has
// one counter per level or bin, then one for missing values, then one for
// unseen categories or out-of-range scores.
type window struct {
	since   time.Time
	records atomic.Int64
	skipped atomic.Int64 // rows of the wrong shape, counted nowhere else
	cells   []atomic.Int64
}

// NewMonitor returns a monitor of records in tr's order compared with b.
// b must come from Fit on the data tr was fitted on (or be decoded with
// its model, which checks that), and tr must be initialised, as
// features.Fit and model decoding leave it.
func NewMonitor(b *Baseline, tr *features.Transform) (*Monitor, error) {
	if b == nil {
		return nil, fmt.Errorf("drift monitor: no baseline")
	}
	if err := b.check(tr); err != nil {
		return nil, fmt.Errorf("drift monitor: %w", err)
	}
	m := &Monitor{base: b, feat: make([]int, len(b.Features)), level: make([][]string, len(b.Features))}
	for i, f := range b.Features {
		m.feat[i] = m.width
		if f.Kind == dataset.Category {
			c := &tr.Categorical[len(m.cats)]
			m.cats = append(m.cats, catCounter{at: m.width, c: c})
			m.level[i] = c.Levels
		} else {
			m.nums = append(m.nums, scoreCounter{at: m.width, bins: len(f.Counts), edges: f.Edges})
		}
		m.width += len(f.Counts) + 2
	}
	m.cur.Store(newWindow(m.width))
	return m, nil
}

// Baseline returns the training counts the monitor compares with.
func (m *Monitor) Baseline() *Baseline { return m.base }

// Observe counts one served record, a Row in the transform's order. It
// takes no lock and allocates nothing. A category that is empty (or only
// spaces) is missing, one the transform does not know is unseen; a NaN
// score is missing, one outside [features.MinScore, features.MaxScore]
// (or infinite) is out of range. A row with the wrong number of values
// counts only as skipped.
func (m *Monitor) Observe(r features.Row) {
	w := m.cur.Load()
	if len(r.Cat) != len(m.cats) || len(r.Num) != len(m.nums) {
		w.skipped.Add(1)
		return
	}
	for i := range m.cats {
		c, at := m.cats[i].c, m.cats[i].at
		n := len(c.Levels)
		v := r.Cat[i]
		slot := n // missing
		if v != "" {
			switch j, ok := c.Known(v); {
			case !ok && dataset.IsMissing(dataset.TrimCell(v)):
				slot = n // a missing marker such as NA
			case !ok:
				slot = n + 1
			case j != c.MostFrequent || strings.TrimSpace(v) != "":
				slot = j // Lookup imputes a blank value with the most frequent level
			}
		}
		w.cells[at+slot].Add(1)
	}
	for i := range m.nums {
		sc := &m.nums[i]
		v := r.Num[i]
		var slot int
		switch {
		case math.IsNaN(v):
			slot = sc.bins
		case !inRange(v):
			slot = sc.bins + 1
		default:
			slot = bin(sc.edges, v)
		}
		w.cells[sc.at+slot].Add(1)
	}
	w.records.Add(1)
}

func newWindow(width int) *window {
	return &window{since: time.Now(), cells: make([]atomic.Int64, width)}
}
