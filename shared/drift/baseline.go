package drift

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

const (
	// Bins is the most bins a numeric feature is cut into: deciles of the
	// training data.
	Bins = 10
	// MaxLevels is the most levels of a category a baseline counts one by
	// one: a category with more keeps the MaxLevels most frequent in
	// training and counts the rest together as "other", so a column of
	// thousands of levels costs as much memory, report and PSI noise as
	// one of MaxLevels.
	MaxLevels = 64
)

// Baseline is the distribution of every feature in the training data, in
// schema order. It is part of model.json, so it is plain counts: the same
// data gives the same bytes.
type Baseline struct {
	Rows     int       `json:"rows"`
	Features []Feature `json:"features"`
}

// Feature is the training distribution of one feature.
//
// A category has one count per level, in the order of the transform's
// Levels; or, when it has more than MaxLevels levels, Levels names the
// ones counted apart (the most frequent, most frequent first), Counts
// holds theirs and Other the rows of every other level. The level the
// transform folds rare levels into (features.OtherLevel) is a level like
// any other here, and so are the folded levels, read as that level.
//
// A numeric feature has one count per bin between the bounds of its
// range: bin i holds the values v with Edges[i-1] ≤ v < Edges[i], the
// first bin everything from the lower bound below Edges[0] and the last
// everything from the last edge up to the upper bound. The range is Min
// and Max, the smallest and largest training value, when they are
// recorded; they are not when the model's schema declares hard bounds
// at both ends (the student scores' [0, 100]), which are then the range.
// A baseline written before ranges were recorded, in a student model
// (format 1), is read that way. A served value outside the range is out
// of range: counted, not refused.
//
// Missing cells are counted apart, so Counts, Other and Missing add up
// to Rows.
type Feature struct {
	Name    string       `json:"name"`
	Kind    dataset.Kind `json:"kind"`
	Levels  []string     `json:"levels,omitempty"` // category of more than MaxLevels levels: the ones counted apart
	Edges   []float64    `json:"edges,omitempty"`  // numeric: inner bin edges, strictly ascending
	Min     *float64     `json:"min,omitempty"`    // numeric: the training range, unless the schema declares bounds
	Max     *float64     `json:"max,omitempty"`
	Counts  []int        `json:"counts"`
	Other   int          `json:"other,omitempty"` // category with Levels: the rows of every other level
	Missing int          `json:"missing"`
}

// declaredBounds returns the hard bounds a model's schema declares for
// its numeric column c, if it declares both Min and Max. A column bounded
// at one end only (a price of at least 0) has its range recorded from
// the training data.
func declaredBounds(c dataset.Column) (lo, hi float64, ok bool) {
	if c.Min != nil && c.Max != nil {
		return *c.Min, *c.Max, true
	}
	return 0, 0, false
}

// Fit counts the feature columns of tab, the rows tr was fitted on.
//
// Numeric features are cut at their training deciles, made unique, rather
// than into ten equal widths of their range: each bin then expects about
// a tenth of the records, the share the usual PSI thresholds (0.1 and
// 0.2) were set for, whereas equal widths leave the tails with a few
// tenths of a percent (or, for a skewed column such as a price, leave
// nearly every row in one bin), where a handful of records or the epsilon
// that stands in for an empty bin moves the index more than a real shift
// does. Ties merge deciles, so a column of few distinct values has fewer
// bins; one whose deciles all tie (a column nearly constant) still gets a
// bin for the values above its most common one, and a constant column
// has one bin and a range of one value.
func Fit(tab *dataset.Table, tr *features.Transform) (*Baseline, error) {
	if tab == nil || tab.Len() == 0 {
		return nil, errors.New("drift baseline: no rows")
	}
	if tr == nil {
		return nil, errors.New("drift baseline: no transform")
	}
	b := &Baseline{Rows: tab.Len(), Features: make([]Feature, 0, len(tab.Schema.Features))}
	var nCat, nNum int
	for i, c := range tab.Schema.Features {
		if i >= len(tab.Cols) {
			return nil, fmt.Errorf("drift baseline: table has no data for column %q", c.Name)
		}
		col := &tab.Cols[i]
		var (
			f   Feature
			err error
		)
		switch {
		case c.Kind == dataset.Category:
			if nCat >= len(tr.Categorical) || tr.Categorical[nCat].Name != c.Name {
				return nil, fmt.Errorf("drift baseline: column %q does not match the transform", c.Name)
			}
			f, err = fitCategory(c.Name, col, &tr.Categorical[nCat])
			nCat++
		case isNumeric(c.Kind):
			if nNum >= len(tr.Numeric) || tr.Numeric[nNum].Name != c.Name {
				return nil, fmt.Errorf("drift baseline: column %q does not match the transform", c.Name)
			}
			lo, hi, bounded := declaredBounds(c)
			f, err = fitNumeric(c.Name, c.Kind, col.Values, bounded, lo, hi)
			nNum++
		default:
			return nil, fmt.Errorf("drift baseline: column %q has unknown kind %d", c.Name, c.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("drift baseline: %w", err)
		}
		if got := sum(f.Counts) + f.Other + f.Missing; got != b.Rows {
			return nil, fmt.Errorf("drift baseline: column %q has %d rows; want %d", c.Name, got, b.Rows)
		}
		b.Features = append(b.Features, f)
	}
	if nCat != len(tr.Categorical) || nNum != len(tr.Numeric) {
		return nil, errors.New("drift baseline: the table's columns and the transform differ")
	}
	return b, nil
}

// isNumeric reports whether a feature of kind k is binned as numbers (a
// date is a feature only as its numeric parts).
func isNumeric(k dataset.Kind) bool { return k == dataset.Numeric }

func fitCategory(name string, col *dataset.Col, c *features.Categorical) (Feature, error) {
	f := Feature{Name: name, Kind: dataset.Category}
	counts := make([]int, len(c.Levels))
	remap, err := remap(name, col.Levels, c)
	if err != nil {
		return Feature{}, err
	}
	for r, code := range col.Codes {
		switch {
		case code < 0:
			f.Missing++
		case int(code) >= len(remap):
			return Feature{}, fmt.Errorf("column %q row %d: code %d has no level", name, r+1, code)
		case remap[code] < 0:
			f.Missing++
		default:
			counts[remap[code]]++
		}
	}
	if len(counts) <= MaxLevels {
		f.Counts = counts
		return f, nil
	}
	// The MaxLevels most frequent, ties in the transform's order, so the
	// same data keeps the same levels.
	order := make([]int, len(counts))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(counts[b], counts[a]) })
	f.Levels = make([]string, MaxLevels)
	f.Counts = make([]int, MaxLevels)
	for k, j := range order[:MaxLevels] {
		f.Levels[k], f.Counts[k] = c.Levels[j], counts[j]
	}
	for _, j := range order[MaxLevels:] {
		f.Other += counts[j]
	}
	return f, nil
}

// remap maps a table column's levels (in order of first appearance) onto
// c's, once: a missing marker to -1, a level by Categorical.Known (a
// level c folded into its other level to that level). Unlike the
// transform's own Remap, which imputes, a level c does not know is an
// error, whatever the schema does with unseen levels at serving: the
// baseline must be of the rows the transform was fitted on.
func remap(name string, levels []string, c *features.Categorical) ([]int, error) {
	out := make([]int, len(levels))
	for j, l := range levels {
		if dataset.IsMissing(dataset.TrimCell(l)) {
			out[j] = -1
			continue
		}
		k, ok := c.Known(l)
		if !ok {
			return nil, fmt.Errorf("column %q: level %q is not in the transform", name, features.Clip(l))
		}
		out[j] = k
	}
	return out, nil
}

// fitNumeric bins the values of one numeric column. Within declared
// bounds [lo, hi] the range is not recorded, and a training value outside
// them is an error (the schema refuses it); without, the range is the
// training values'.
func fitNumeric(name string, kind dataset.Kind, values []float64, bounded bool, lo, hi float64) (Feature, error) {
	present := make([]float64, 0, len(values))
	for r, v := range values {
		switch {
		case math.IsNaN(v):
			continue
		case math.IsInf(v, 0):
			return Feature{}, fmt.Errorf("column %q row %d: %v is not a finite number", name, r+1, v)
		case bounded && (v < lo || v > hi):
			return Feature{}, fmt.Errorf("column %q row %d: %v is outside [%v, %v]", name, r+1, v, lo, hi)
		}
		present = append(present, v)
	}
	f := Feature{Name: name, Kind: kind, Missing: len(values) - len(present)}
	if len(present) == 0 {
		if !bounded {
			return Feature{}, fmt.Errorf("column %q has no values to fit", name)
		}
		// No bin can be fitted: every served value is compared with the
		// missing share alone.
		f.Counts = []int{0}
		return f, nil
	}
	slices.Sort(present)
	if !bounded {
		lo, hi = present[0], present[len(present)-1]
		f.Min, f.Max = &lo, &hi
	}
	f.Edges = edges(present)
	f.Counts = make([]int, len(f.Edges)+1)
	for _, v := range present {
		f.Counts[bin(f.Edges, v)]++
	}
	return f, nil
}

// edges returns the inner bin edges of sorted, finite values: edge k is
// the smallest value at or above the k-th decile, and an edge that is not
// above the previous one (or the minimum) is dropped, so every bin holds
// at least its own edge. When every decile ties with the minimum and a
// larger value exists, the smallest larger value is the one edge: the
// most common value and the rest are then two bins rather than one.
func edges(sorted []float64) []float64 {
	var out []float64
	last := sorted[0]
	for k := 1; k < Bins; k++ {
		q := sorted[k*len(sorted)/Bins]
		if q > last {
			out = append(out, q)
			last = q
		}
	}
	if len(out) == 0 {
		if j, _ := slices.BinarySearch(sorted, math.Nextafter(sorted[0], math.Inf(1))); j < len(sorted) {
			out = append(out, sorted[j])
		}
	}
	return out
}

// bin returns the bin of value v: the number of edges at or below it. A
// linear scan of at most Bins-1 edges beats a binary search.
func bin(edges []float64, v float64) int {
	i := 0
	for i < len(edges) && edges[i] <= v {
		i++
	}
	return i
}

func sum(counts []int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
