package dataset

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
)

// Stats summarises a table for the training report.
type Stats struct {
	Rows    int           `json:"rows"`
	Columns []ColumnStats `json:"columns"` // the features, then the target, in schema order
}

// ColumnStats summarises one column. Scores (and the target) fill Mean,
// Std, Min and Max, computed over the values that are not missing (Std is
// the population standard deviation); they are NaN if every value is
// missing. Categories fill Counts instead and leave the numbers zero.
type ColumnStats struct {
	Name    string
	Kind    Kind // Score for the target
	Missing int  // empty cells
	Mean    float64
	Std     float64
	Min     float64
	Max     float64
	Counts  []LevelCount // every level, by count descending, then by name
}

// LevelCount is the number of rows with one level of a category.
type LevelCount struct {
	Level string `json:"level"`
	Count int    `json:"count"`
}

// Describe returns the row count and per-column statistics of t.
func Describe(t *Table) Stats {
	st := Stats{Rows: t.Len(), Columns: make([]ColumnStats, 0, len(t.Cols)+1)}
	for j, c := range t.Schema.Features {
		if j >= len(t.Cols) {
			break
		}
		col := &t.Cols[j]
		if c.Kind == Category {
			st.Columns = append(st.Columns, describeCategory(c.Name, col))
		} else {
			st.Columns = append(st.Columns, describeScore(c.Name, col.Values))
		}
	}
	if t.Schema.Target != "" && t.Target != nil {
		st.Columns = append(st.Columns, describeScore(t.Schema.Target, t.Target))
	}
	return st
}

func describeCategory(name string, col *Col) ColumnStats {
	cs := ColumnStats{Name: name, Kind: Category}
	counts := make([]int, len(col.Levels))
	for _, code := range col.Codes {
		if code < 0 || int(code) >= len(counts) {
			cs.Missing++
			continue
		}
		counts[code]++
	}
	cs.Counts = make([]LevelCount, len(counts))
	for i, n := range counts {
		cs.Counts[i] = LevelCount{Level: col.Levels[i], Count: n}
	}
	slices.SortFunc(cs.Counts, func(a, b LevelCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Level, b.Level))
	})
	return cs
}

func describeScore(name string, values []float64) ColumnStats {
	cs := ColumnStats{Name: name, Kind: Numeric, Min: math.Inf(1), Max: math.Inf(-1)}
	n, sum := 0, 0.0
	for _, v := range values {
		if math.IsNaN(v) {
			cs.Missing++
			continue
		}
		n++
		sum += v
		cs.Min = min(cs.Min, v)
		cs.Max = max(cs.Max, v)
	}
	if n == 0 {
		nan := math.NaN()
		cs.Mean, cs.Std, cs.Min, cs.Max = nan, nan, nan, nan
		return cs
	}
	cs.Mean = sum / float64(n)
	ss := 0.0
	for _, v := range values {
		if !math.IsNaN(v) {
			ss += (v - cs.Mean) * (v - cs.Mean)
		}
	}
	cs.Std = math.Sqrt(ss / float64(n))
	return cs
}

// MarshalJSON writes a score column's numbers (null where NaN: every
// value missing) or a category column's counts, not both.
func (c ColumnStats) MarshalJSON() ([]byte, error) {
	type out struct {
		Name    string       `json:"name"`
		Kind    Kind         `json:"kind"`
		Missing int          `json:"missing"`
		Mean    *float64     `json:"mean,omitempty"`
		Std     *float64     `json:"std,omitempty"`
		Min     *float64     `json:"min,omitempty"`
		Max     *float64     `json:"max,omitempty"`
		Counts  []LevelCount `json:"counts,omitempty"`
	}
	o := out{Name: c.Name, Kind: c.Kind, Missing: c.Missing, Counts: c.Counts}
	if c.Kind == Numeric {
		num := func(f float64) *float64 {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil
			}
			return &f
		}
		o.Mean, o.Std, o.Min, o.Max = num(c.Mean), num(c.Std), num(c.Min), num(c.Max)
	}
	return json.Marshal(o)
}
