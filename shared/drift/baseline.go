package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// Bins is the most bins a score is cut into: deciles of the training data.
const Bins = 10

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
// Levels. A score has one count per bin: bin i holds the scores s with
// Edges[i-1] ≤ s < Edges[i], the first bin everything below Edges[0] and
// the last everything from the last edge up to features.MaxScore. Missing
// cells are counted apart, so Counts plus Missing add up to Rows.
type Feature struct {
	Name    string       `json:"name"`
	Kind    dataset.Kind `json:"kind"`
	Edges   []float64    `json:"edges,omitempty"` // score: inner bin edges, strictly ascending
	Counts  []int        `json:"counts"`
	Missing int          `json:"missing"`
}

// Fit counts the feature columns of tab, the rows tr was fitted on.
//
// Scores are cut at their training deciles, made unique, rather than into
// ten equal widths of [0, 100]: each bin then expects about a tenth of the
// records, the share the usual PSI thresholds (0.1 and 0.2) were set for,
// whereas equal widths leave the tails (scores below 30, say) with a few
// tenths of a percent, where a handful of records or the epsilon that
// stands in for an empty bin moves the index more than a real shift does.
// Ties (scores are integers) merge deciles, so a score may have fewer bins.
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
		switch c.Kind {
		case dataset.Category:
			if nCat >= len(tr.Categorical) || tr.Categorical[nCat].Name != c.Name {
				return nil, fmt.Errorf("drift baseline: column %q does not match the transform", c.Name)
			}
			f, err = fitCategory(c.Name, col, &tr.Categorical[nCat])
			nCat++
		case dataset.Score:
			if nNum >= len(tr.Numeric) || tr.Numeric[nNum].Name != c.Name {
				return nil, fmt.Errorf("drift baseline: column %q does not match the transform", c.Name)
			}
			f, err = fitScore(c.Name, col.Values)
			nNum++
		default:
			return nil, fmt.Errorf("drift baseline: column %q has unknown kind %d", c.Name, c.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("drift baseline: %w", err)
		}
		if got := sum(f.Counts) + f.Missing; got != b.Rows {
			return nil, fmt.Errorf("drift baseline: column %q has %d rows; want %d", c.Name, got, b.Rows)
		}
		b.Features = append(b.Features, f)
	}
	if nCat != len(tr.Categorical) || nNum != len(tr.Numeric) {
		return nil, errors.New("drift baseline: the table's columns and the transform differ")
	}
	return b, nil
}

func fitCategory(name string, col *dataset.Col, c *features.Categorical) (Feature, error) {
	f := Feature{Name: name, Kind: dataset.Category, Counts: make([]int, len(c.Levels))}
	// The table's levels are in order of first appearance; map them once,
	// as the transform does (Categorical.Remap). Unlike the transform's
	// Indices, a missing cell is counted rather than imputed, and every
	// level must be known, whether or not a row holds it.
	remap := c.Remap(col.Levels)
	if j := slices.Index(remap, -1); j >= 0 {
		return Feature{}, fmt.Errorf("column %q: level %q is not in the transform", name, features.Clip(col.Levels[j]))
	}
	for r, code := range col.Codes {
		switch {
		case code < 0:
			f.Missing++
		case int(code) >= len(remap):
			return Feature{}, fmt.Errorf("column %q row %d: code %d has no level", name, r+1, code)
		default:
			f.Counts[remap[code]]++
		}
	}
	return f, nil
}

func fitScore(name string, values []float64) (Feature, error) {
	present := make([]float64, 0, len(values))
	for r, v := range values {
		if math.IsNaN(v) {
			continue
		}
		if !inRange(v) {
			return Feature{}, fmt.Errorf("column %q row %d: score %v is outside [%d, %d]", name, r+1, v, features.MinScore, features.MaxScore)
		}
		present = append(present, v)
	}
	f := Feature{Name: name, Kind: dataset.Score, Missing: len(values) - len(present)}
	if len(present) == 0 {
		// No bin can be fitted: every served score is compared with the
		// missing share alone.
		f.Counts = []int{0}
		return f, nil
	}
	slices.Sort(present)
	// Edge k is the smallest score at or above the k-th decile; an edge
	// that is not above the previous one (or the minimum) is dropped, so
	// every bin holds at least its own edge.
	last := present[0]
	for k := 1; k < Bins; k++ {
		q := present[k*len(present)/Bins]
		if q > last {
			f.Edges = append(f.Edges, q)
			last = q
		}
	}
	f.Counts = make([]int, len(f.Edges)+1)
	for _, v := range present {
		f.Counts[bin(f.Edges, v)]++
	}
	return f, nil
}

// bin returns the bin of score v: the number of edges at or below it. A
// linear scan of at most Bins-1 edges beats a binary search.
func bin(edges []float64, v float64) int {
	i := 0
	for i < len(edges) && edges[i] <= v {
		i++
	}
	return i
}

// inRange reports whether v is a valid score (NaN is not).
func inRange(v float64) bool { return v >= features.MinScore && v <= features.MaxScore }

func sum(counts []int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// Check validates a decoded baseline against the schema and transform of
// its model: one feature per schema column in order, counts per level or
// bin that add up to Rows, and edges that are ascending scores.
func (b *Baseline) Check(s dataset.Schema, tr *features.Transform) error {
	if len(b.Features) != len(s.Features) {
		return fmt.Errorf("baseline has %d features; the schema has %d", len(b.Features), len(s.Features))
	}
	for i, c := range s.Features {
		if f := b.Features[i]; f.Name != c.Name || f.Kind != c.Kind {
			return fmt.Errorf("baseline feature %d is %q (%s); the schema has %q (%s)", i+1, f.Name, f.Kind, c.Name, c.Kind)
		}
	}
	return b.check(tr)
}

// check validates b against tr, which the monitor needs: the categories
// and scores in the transform's order, with the right number of counts.
func (b *Baseline) check(tr *features.Transform) error {
	if tr == nil {
		return errors.New("no transform")
	}
	if b.Rows <= 0 {
		return fmt.Errorf("baseline has %d rows", b.Rows)
	}
	var nCat, nNum int
	for _, f := range b.Features {
		switch f.Kind {
		case dataset.Category:
			if nCat >= len(tr.Categorical) || tr.Categorical[nCat].Name != f.Name {
				return fmt.Errorf("baseline feature %q does not match the transform", f.Name)
			}
			if want := len(tr.Categorical[nCat].Levels); len(f.Counts) != want {
				return fmt.Errorf("baseline feature %q has %d counts for %d levels", f.Name, len(f.Counts), want)
			}
			if len(f.Edges) != 0 {
				return fmt.Errorf("baseline feature %q is a category with bin edges", f.Name)
			}
			nCat++
		case dataset.Score:
			if nNum >= len(tr.Numeric) || tr.Numeric[nNum].Name != f.Name {
				return fmt.Errorf("baseline feature %q does not match the transform", f.Name)
			}
			if len(f.Edges) >= Bins {
				return fmt.Errorf("baseline feature %q has %d bin edges; want fewer than %d", f.Name, len(f.Edges), Bins)
			}
			for j, e := range f.Edges {
				if !inRange(e) || j > 0 && e <= f.Edges[j-1] {
					return fmt.Errorf("baseline feature %q: bin edges must be ascending scores in [%d, %d]", f.Name, features.MinScore, features.MaxScore)
				}
			}
			if len(f.Counts) != len(f.Edges)+1 {
				return fmt.Errorf("baseline feature %q has %d counts for %d bins", f.Name, len(f.Counts), len(f.Edges)+1)
			}
			nNum++
		default:
			return fmt.Errorf("baseline feature %q has unknown kind %d", f.Name, f.Kind)
		}
		if f.Missing < 0 || slices.ContainsFunc(f.Counts, func(c int) bool { return c < 0 }) {
			return fmt.Errorf("baseline feature %q has a negative count", f.Name)
		}
		if total := sum(f.Counts) + f.Missing; total != b.Rows {
			return fmt.Errorf("baseline feature %q counts %d rows; want %d", f.Name, total, b.Rows)
		}
	}
	if nCat != len(tr.Categorical) || nNum != len(tr.Numeric) {
		return errors.New("baseline features and transform differ")
	}
	return nil
}
