package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
)

// summary is the data summary: a row for every numeric column (the
// target first) and every category column, in schema order, and the
// histograms of the first few.
type summary struct {
	Rows            int
	NumericHead     []numericRow // the first maxSummaryRows numeric columns
	NumericTail     []numericRow // the rest, folded
	CategoryHead    []categoryRow
	CategoryTail    []categoryRow
	Histograms      []chart
	NumericColumns  int // numeric features, the target not counted
	CategoryColumns int
	// HistogramNote says which columns have a histogram when not all do.
	HistogramNote string
}

// numericRow summarises one numeric column over the values present.
type numericRow struct {
	Name     string
	Kind     string
	Target   bool
	Missing  int
	Min      float64
	Median   float64 // NaN when the values were not given
	Mean     float64
	Max      float64
	HasChart bool
	Total    int // the training data's rows
}

// categoryRow is one category column: its level count, its missing
// cells, and its largest levels (at most maxLevels, the rest summed into
// Other).
type categoryRow struct {
	Name        string
	Levels      int
	Missing     int
	Largest     []dataset.LevelCount
	OtherLevels int // levels beyond Largest
	OtherRows   int // their rows
	Total       int // the training data's rows
	Open        bool
}

// summarise lays out stats (metrics.json's description of the training
// data) by kind; numeric gives the values behind the medians and
// histograms; imp, when known, decides which numeric features get a
// histogram (the most important first).
func summarise(stats dataset.Stats, numeric []Series, target string, imp []Importance) (summary, error) {
	s := summary{Rows: stats.Rows}
	values := map[string][]float64{}
	for _, n := range numeric {
		values[n.Name] = n.Values
	}
	var nums []numericRow
	var cats []categoryRow
	var scratch []float64 // one column's finite values, a column after another
	for _, c := range stats.Columns {
		if c.Kind == dataset.Category {
			cats = append(cats, categorySummary(c, stats.Rows))
			continue
		}
		scratch = finiteInto(scratch, values[c.Name])
		r := numericRow{Name: c.Name, Kind: c.Kind.String(), Target: c.Name == target, Missing: c.Missing,
			Min: c.Min, Median: medianOf(scratch), Mean: c.Mean, Max: c.Max, Total: stats.Rows}
		if r.Target {
			r.Kind = "target"
			nums = slices.Insert(nums, 0, r)
			continue
		}
		s.NumericColumns++
		nums = append(nums, r)
	}
	var err error
	if s.Histograms, s.HistogramNote, err = histograms(nums, values, imp, s.NumericColumns, scratch); err != nil {
		return summary{}, err
	}
	s.NumericHead, s.NumericTail = split(nums, maxSummaryRows)
	s.CategoryColumns = len(cats)
	s.CategoryHead, s.CategoryTail = split(cats, maxSummaryRows)
	for i := range cats {
		cats[i].Open = len(cats) <= maxOpenColumns
	}
	return s, nil
}

func split[T any](rows []T, n int) ([]T, []T) {
	n = min(n, len(rows))
	return rows[:n], rows[n:]
}

// categorySummary keeps a category's largest levels (its counts come
// largest first) and sums the rest.
func categorySummary(c dataset.ColumnStats, total int) categoryRow {
	r := categoryRow{Name: c.Name, Levels: len(c.Counts), Missing: c.Missing, Total: total}
	r.Largest, _ = split(c.Counts, maxLevels)
	for _, lc := range c.Counts[len(r.Largest):] {
		r.OtherLevels++
		r.OtherRows += lc.Count
	}
	return r
}

// histograms draws the target's histogram and those of the numeric
// features, the most important first (schema order without importance),
// at most maxHistograms in all; rows marks the columns drawn. The note
// says which were left out, if any.
func histograms(rows []numericRow, values map[string][]float64, imp []Importance, features int, scratch []float64) ([]chart, string, error) {
	rank := map[string]int{}
	for i, f := range imp {
		rank[f.Feature] = i + 1
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	// The target first, then ranked features by rank, then the others in
	// schema order.
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := rank[rows[a].Name], rank[rows[b].Name]
		if rows[a].Target || rows[b].Target {
			return cmp.Compare(boolRank(rows[b].Target), boolRank(rows[a].Target))
		}
		return cmp.Compare(orLast(ra), orLast(rb))
	})
	var out []chart
	drawn := 0
	for _, i := range order {
		r := &rows[i]
		if len(out) == maxHistograms {
			break
		}
		vs := finiteInto(scratch, values[r.Name])
		if len(vs) == 0 {
			continue
		}
		lo, hi, step, clipped := histogramBins(vs, 20)
		what := "the training data's " + humanName(r.Name)
		if r.Target {
			what = "the target, " + humanName(r.Name) + ", in the training data"
		}
		label := fmt.Sprintf("Histogram of %s, from %s to %s in bins of %s", what, round(lo), round(hi), round(step))
		if clipped {
			label += fmt.Sprintf("; the few values outside (its range is %s to %s) are counted in the end bins", value(r.Min), value(r.Max))
		}
		c, err := histogramChart("chart-dist-"+r.Name, label, humanName(r.Name), vs, lo, hi, step)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
		r.HasChart = true
		if !r.Target {
			drawn++
		}
	}
	note := ""
	if drawn < features {
		by := "in schema order"
		if len(imp) > 0 {
			by = "the most important first"
		}
		note = fmt.Sprintf("Histograms of %d of the %d numeric features (%s), at most %d charts a page; the table gives every column's range and median.", drawn, features, by, maxHistograms)
	}
	return out, note, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// orLast puts an unranked feature (rank 0) after every ranked one.
func orLast(rank int) int {
	if rank == 0 {
		return math.MaxInt
	}
	return rank
}

// median returns the median of the finite values, NaN when there is
// none; values stay as they are.
func median(values []float64) float64 { return medianOf(finite(values)) }

// medianOf returns the median of finite values, which it reorders: it
// selects rather than sorts, so a wide table of a million rows costs a
// pass or two a column.
func medianOf(vs []float64) float64 {
	n := len(vs)
	if n == 0 {
		return math.NaN()
	}
	hi := nth(vs, n/2)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the largest value left of the upper one.
	return (slices.Max(vs[:n/2]) + hi) / 2
}

// nth reorders vs so that vs[k] is the value a sort would put there,
// with no larger value before it and no smaller one after, and returns
// it (Hoare's selection, the middle element as pivot).
func nth(vs []float64, k int) float64 {
	lo, hi := 0, len(vs)-1
	for lo < hi {
		pivot := vs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for vs[i] < pivot {
				i++
			}
			for vs[j] > pivot {
				j--
			}
			if i <= j {
				vs[i], vs[j] = vs[j], vs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vs[k]
		}
	}
	return vs[k]
}
