package drift

import (
	"math"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
)

const (
	// PSIThreshold is the population stability index above which a
	// feature is said to drift: the usual rule of thumb reads below 0.1
	// as stable, 0.1 to 0.2 as a moderate and above 0.2 as a large shift.
	PSIThreshold = 0.2
	// WarnPSI is the warning of a feature whose PSI is above PSIThreshold.
	WarnPSI = "psi_above_0.2"
	// MinRecords is the fewest records a feature needs for a warning.
	// Below it the PSI is still reported, but it is mostly noise: with ten
	// bins, the PSI of n records drawn from the training distribution
	// itself is about 9/n on average (0.09 at 100 records, 0.009 at 1000).
	MinRecords = 100
	// Epsilon stands in for a share of 0 in the PSI, whose terms
	// (a-e)·ln(a/e) are otherwise infinite: a served share a and an
	// expected share e are both raised to at least Epsilon. A bin that
	// training filled with 10% and serving left empty then adds
	// 0.1·ln(0.1/1e-4) ≈ 0.69, one that training left empty adds
	// a·ln(a/1e-4): 0.0023 for a = 0.1%, 0.31 for a = 5%.
	Epsilon = 1e-4
)

// Report compares the records served in one window (since the monitor was
// made or last Reset) with the training data, feature by feature in schema
// order. Its counters are read one by one while records may still arrive,
// so under load a feature's counts and Records may differ by the records
// in flight.
type Report struct {
	Since        time.Time `json:"since"`
	Records      int64     `json:"records"`
	Skipped      int64     `json:"skipped"` // rows of the wrong shape, counted in no feature
	TrainingRows int       `json:"training_rows"`
	MinRecords   int       `json:"min_records"`
	// Warnings names the features that drift, in schema order; never nil.
	Warnings []string        `json:"warnings"`
	Features []FeatureReport `json:"features"`
}

// FeatureReport is one feature's served counts against its training
// counts. The served shares (of bins and of missing values) are of the
// records that fell in a level, a bin or missing, without the unseen and
// out-of-range ones, which are counted apart; the expected shares are of
// the training rows. The PSI is over the same bins plus missing, and null
// while no record fell in any of them.
type FeatureReport struct {
	Name                    string       `json:"name"`
	Kind                    dataset.Kind `json:"kind"`
	Served                  int64        `json:"served"`
	Missing                 int64        `json:"missing"`
	MissingFraction         float64      `json:"missing_fraction"`
	ExpectedMissingFraction float64      `json:"expected_missing_fraction"`
	Unseen                  int64        `json:"unseen"`       // category: a value not among the levels; 0 for a number
	OutOfRange              int64        `json:"out_of_range"` // number: outside [Min, Max] or infinite; 0 for a category
	// Min and Max are a numeric feature's range: the training data's, or
	// the bounds its schema declares.
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	Bins    []Bin    `json:"bins"`
	PSI     *float64 `json:"psi"`
	Warning string   `json:"warning,omitempty"` // WarnPSI, only from MinRecords records on
}

// Bin is one level of a category, the other levels of a category of more
// than MaxLevels, or one bin of a numeric feature.
type Bin struct {
	Level string `json:"level,omitempty"` // category
	Other bool   `json:"other,omitempty"` // category: every level not listed
	// Lo and Hi bound a numeric feature's bin: Lo ≤ v < Hi, and the last
	// bin also holds Hi itself (the feature's Max).
	Lo               *float64 `json:"lo,omitempty"`
	Hi               *float64 `json:"hi,omitempty"`
	Served           int64    `json:"served"`
	ServedFraction   float64  `json:"served_fraction"`
	ExpectedFraction float64  `json:"expected_fraction"`
}

// Snapshot reports the current window.
func (m *Monitor) Snapshot() Report { return m.report(m.cur.Load()) }

// Reset starts a new window, so that the next Snapshot counts only the
// records observed from now on, and returns the report of the window it
// ends. A record observed while Reset runs may be counted in either
// window, some of its features in each. A server that reports the last
// window of a fixed length calls Reset on a ticker and serves the report
// it returns.
func (m *Monitor) Reset() Report {
	return m.report(m.cur.Swap(newWindow(m.width)))
}

func (m *Monitor) report(w *window) Report {
	rep := Report{
		Since:        w.since,
		Records:      w.records.Load(),
		Skipped:      w.skipped.Load(),
		TrainingRows: m.base.Rows,
		MinRecords:   MinRecords,
		Warnings:     []string{},
		Features:     make([]FeatureReport, len(m.base.Features)),
	}
	for i := range m.base.Features {
		fr := m.feature(w, i)
		if fr.Warning != "" {
			rep.Warnings = append(rep.Warnings, fr.Name)
		}
		rep.Features[i] = fr
	}
	return rep
}

// feature reports baseline feature i in window w.
func (m *Monitor) feature(w *window, i int) FeatureReport {
	f := &m.base.Features[i]
	nb := f.bins()
	cells := w.cells[m.feat[i] : m.feat[i]+nb+2]
	fr := FeatureReport{Name: f.Name, Kind: f.Kind, Missing: cells[nb].Load(), Bins: make([]Bin, nb)}
	if f.Kind == dataset.Category {
		fr.Unseen = cells[nb+1].Load()
	} else {
		fr.OutOfRange = cells[nb+1].Load()
		lo, hi := m.spans[i].lo, m.spans[i].hi
		fr.Min, fr.Max = &lo, &hi
	}
	valid := fr.Missing
	for j := range fr.Bins {
		fr.Bins[j].Served = cells[j].Load()
		valid += fr.Bins[j].Served
	}
	fr.Served = valid + fr.Unseen + fr.OutOfRange
	share := func(n int64) float64 {
		if valid == 0 {
			return 0
		}
		return float64(n) / float64(valid)
	}
	// expected and served hold the PSI's bins: the levels or bins, then
	// missing.
	rows := float64(m.base.Rows)
	expected := make([]float64, nb+1)
	served := make([]float64, nb+1)
	for j := range fr.Bins {
		b := &fr.Bins[j]
		b.ServedFraction = share(b.Served)
		count := f.Other // the bin after the kept levels
		if j < len(f.Counts) {
			count = f.Counts[j]
		}
		b.ExpectedFraction = float64(count) / rows
		expected[j], served[j] = b.ExpectedFraction, b.ServedFraction
		switch {
		case f.Kind != dataset.Category:
			b.Lo, b.Hi = bounds(f.Edges, j, m.spans[i])
		case j < len(m.level[i]):
			b.Level = m.level[i][j]
		default:
			b.Other = true
		}
	}
	fr.MissingFraction = share(fr.Missing)
	fr.ExpectedMissingFraction = float64(f.Missing) / rows
	expected[nb], served[nb] = fr.ExpectedMissingFraction, fr.MissingFraction
	if valid > 0 {
		p := psi(expected, served)
		fr.PSI = &p
		if p > PSIThreshold && valid >= MinRecords {
			fr.Warning = WarnPSI
		}
	}
	if j := m.hide[i]; j >= 0 {
		fr.Bins = append(fr.Bins[:j:j], fr.Bins[j+1:]...) // empty on both sides: the PSI is the same without it
	}
	return fr
}

// bounds returns the values bin j of edges spans, within the range sp.
func bounds(edges []float64, j int, sp span) (lo, hi *float64) {
	l, h := sp.lo, sp.hi
	if j > 0 {
		l = edges[j-1]
	}
	if j < len(edges) {
		h = edges[j]
	}
	return &l, &h
}

// psi is the population stability index of served shares against
// expected shares, bin by bin: the sum of (a-e)·ln(a/e), with both shares
// raised to at least Epsilon.
func psi(expected, served []float64) float64 {
	var s float64
	for j, e := range expected {
		e, a := max(e, Epsilon), max(served[j], Epsilon)
		s += (a - e) * math.Log(a/e)
	}
	return s
}
