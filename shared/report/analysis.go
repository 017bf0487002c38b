package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
)

// Series is one numeric column by name: a numeric feature or the target.
type Series struct {
	Name   string
	Values []float64 // NaN = missing
}

// NumericSeries returns the numeric feature columns of t (every kind but
// Category) in schema order, then its target: the values behind the
// report's medians and histograms. The values are t's own, not copies.
func NumericSeries(t *dataset.Table) []Series {
	var out []Series
	for j, c := range t.Schema.Features {
		if c.Kind != dataset.Category && j < len(t.Cols) && t.Cols[j].Values != nil {
			out = append(out, Series{Name: c.Name, Values: t.Cols[j].Values})
		}
	}
	if t.Schema.Target != "" && t.Target != nil {
		out = append(out, Series{Name: t.Schema.Target, Values: t.Target})
	}
	return out
}

// Slice is the error of the predictions on the rows of each level of one
// category column.
type Slice struct {
	Column string
	Levels []SliceLevel
}

// SliceLevel is the error on the rows of one level. MAE and Bias are NaN
// when the level has no rows.
type SliceLevel struct {
	Level string // "" for rows where the value is missing
	Rows  int
	MAE   float64 // mean |actual − predicted|
	Bias  float64 // mean (actual − predicted): > 0 means the model predicts too low
}

// Slices returns, for every category column of t in schema order, the
// error of pred (one prediction per row of t) against t's target on the
// rows of each level: every level of the column, including levels no row
// of t has, and the rows where the value is missing (level ""), if any;
// the largest slices first, ties by level name, missing last.
func Slices(t *dataset.Table, pred []float64) ([]Slice, error) {
	if t.Target == nil {
		return nil, fmt.Errorf("error by slice: the table has no target")
	}
	if len(pred) != len(t.Target) {
		return nil, fmt.Errorf("error by slice: %d predictions for %d rows", len(pred), len(t.Target))
	}
	var out []Slice
	for j, c := range t.Schema.Features {
		if c.Kind != dataset.Category || j >= len(t.Cols) {
			continue
		}
		col := &t.Cols[j]
		if len(col.Codes) != len(pred) {
			return nil, fmt.Errorf("error by slice: column %q has %d rows for %d predictions", c.Name, len(col.Codes), len(pred))
		}
		n := len(col.Levels)
		rows := make([]int, n+1) // the last: missing
		absSum := make([]float64, n+1)
		sum := make([]float64, n+1)
		for i, code := range col.Codes {
			k := int(code)
			if k < 0 || k >= n {
				k = n
			}
			r := t.Target[i] - pred[i]
			rows[k]++
			absSum[k] += math.Abs(r)
			sum[k] += r
		}
		level := func(k int, name string) SliceLevel {
			l := SliceLevel{Level: name, Rows: rows[k], MAE: math.NaN(), Bias: math.NaN()}
			if rows[k] > 0 {
				l.MAE, l.Bias = absSum[k]/float64(rows[k]), sum[k]/float64(rows[k])
			}
			return l
		}
		s := Slice{Column: c.Name, Levels: make([]SliceLevel, 0, n+1)}
		for k, name := range col.Levels {
			s.Levels = append(s.Levels, level(k, name))
		}
		if rows[n] > 0 {
			s.Levels = append(s.Levels, level(n, ""))
		}
		slices.SortFunc(s.Levels, func(a, b SliceLevel) int {
			return cmp.Or(cmp.Compare(b.Rows, a.Rows), cmp.Compare(boolRank(a.Level == ""), boolRank(b.Level == "")), cmp.Compare(a.Level, b.Level))
		})
		out = append(out, s)
	}
	return out, nil
}

// Importance is one raw feature's global importance: the mean absolute
// additive contribution to the prediction over the held-out rows, in
// points of the target.
type Importance struct {
	Feature          string
	MeanAbs          float64
	MeanContribution float64 // signed mean, for the direction
}

// Importances summarises per-row contributions (one row per held-out
// record, one value per feature in names' order) by feature, largest
// mean absolute contribution first, ties by name.
func Importances(names []string, contributions [][]float64) ([]Importance, error) {
	if len(contributions) == 0 {
		return nil, fmt.Errorf("feature importance: no rows")
	}
	out := make([]Importance, len(names))
	for j, n := range names {
		out[j].Feature = n
	}
	for i, row := range contributions {
		if len(row) != len(names) {
			return nil, fmt.Errorf("feature importance: row %d has %d contributions for %d features", i+1, len(row), len(names))
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("feature importance: row %d: contribution of %s is %v", i+1, names[j], v)
			}
			out[j].MeanAbs += math.Abs(v)
			out[j].MeanContribution += v
		}
	}
	n := float64(len(contributions))
	for j := range out {
		out[j].MeanAbs /= n
		out[j].MeanContribution /= n
	}
	slices.SortStableFunc(out, func(a, b Importance) int {
		return cmp.Or(cmp.Compare(b.MeanAbs, a.MeanAbs), cmp.Compare(a.Feature, b.Feature))
	})
	return out, nil
}

// sliceView is one category column's slices as shown: the largest
// maxLevels, and the rest folded into one row of their pooled error.
type sliceView struct {
	Column      string
	Levels      int // slices in all: levels, and the missing rows if any
	Rows        int // held-out rows
	Shown       []SliceLevel
	Other       *SliceLevel // the rest pooled; nil when every slice is shown
	OtherLevels int
}

// sliceViews caps each column's slices at maxLevels (they come largest
// first) and pools the rest: their rows, and their MAE and bias over
// those rows (NaN when none has a row).
func sliceViews(sl []Slice) []sliceView {
	out := make([]sliceView, len(sl))
	for i, s := range sl {
		v := sliceView{Column: s.Column, Levels: len(s.Levels)}
		for _, l := range s.Levels {
			v.Rows += l.Rows
		}
		v.Shown = s.Levels[:min(len(s.Levels), maxLevels)]
		if rest := s.Levels[len(v.Shown):]; len(rest) > 0 {
			o := SliceLevel{MAE: math.NaN(), Bias: math.NaN()}
			abs, sum := 0.0, 0.0
			for _, l := range rest {
				if l.Rows > 0 {
					o.Rows += l.Rows
					abs += l.MAE * float64(l.Rows)
					sum += l.Bias * float64(l.Rows)
				}
			}
			if o.Rows > 0 {
				o.MAE, o.Bias = abs/float64(o.Rows), sum/float64(o.Rows)
			}
			v.Other, v.OtherLevels = &o, len(rest)
		}
		out[i] = v
	}
	return out
}
