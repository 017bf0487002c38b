// Package table generates the wide benchmark table of issue 18: 30
// columns (10 categorical of 3 to 200 levels, 20 numeric), 5% of the cells
// missing, and a target mixing numeric and categorical effects with noise.
// The same seed gives the same table, in memory (for Go benchmarks) or as
// CSV (for infra/bench/reference.py).
package table

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/studentperf/studentperf/shared/tree"
)

// CatLevels is the number of levels of each categorical column.
var CatLevels = []int{3, 5, 8, 12, 20, 35, 60, 100, 150, 200}

// Numeric is the number of numeric columns.
const Numeric = 20

// MissingRate is the share of feature cells left empty.
const MissingRate = 0.05

// Target is the name of the target column.
const Target = "y"

// Table is a generated table: Rows rows of len(Levels) columns, row-major
// in X, the categorical columns first. Levels[j] is 0 for a numeric column
// and its number of levels for a categorical one, whose values are level
// indices; a missing cell is NaN. Y is the target, never missing.
type Table struct {
	Rows   int
	Names  []string
	Levels []int
	X      []float64
	Y      []float64
}

// Cols is the number of feature columns.
func (t *Table) Cols() int { return len(t.Levels) }

// Generate returns n rows drawn with seed.
func Generate(n int, seed uint64) *Table {
	rng := rand.New(rand.NewPCG(seed, 0x7ab1e))
	t := &Table{Rows: n}
	for i, l := range CatLevels {
		t.Names = append(t.Names, fmt.Sprintf("c%d", i))
		t.Levels = append(t.Levels, l)
	}
	for i := range Numeric {
		t.Names = append(t.Names, fmt.Sprintf("x%d", i))
		t.Levels = append(t.Levels, 0)
	}
	// Each level's effect, scaled so that the wider columns matter more:
	// the 200-level column's signal is found only by splitting its levels.
	effects := make([][]float64, len(CatLevels))
	for c, l := range CatLevels {
		effects[c] = make([]float64, l)
		for k := range effects[c] {
			effects[c][k] = rng.NormFloat64() * (0.3 + 0.15*float64(c))
		}
	}
	p := t.Cols()
	t.X = make([]float64, n*p)
	t.Y = make([]float64, n)
	for r := range n {
		row := t.X[r*p : (r+1)*p]
		t.Y[r] = t.row(rng, row, effects)
		for j := range row {
			if rng.Float64() < MissingRate {
				row[j] = math.NaN()
			}
		}
	}
	return t
}

// row fills one row's values (categorical levels drawn with skewed
// frequencies, numeric ones of several shapes, rounded to 1/1000 so that
// the CSV holds them exactly) and returns its target.
func (t *Table) row(rng *rand.Rand, row []float64, effects [][]float64) float64 {
	k := len(CatLevels)
	y := 0.0
	for c, l := range CatLevels {
		// a level's frequency falls with its index: u² skews the draw
		u := rng.Float64()
		lv := min(l-1, int(u*u*float64(l)))
		row[c] = float64(lv)
		y += effects[c][lv]
	}
	x := row[k:]
	for j := range x {
		var v float64
		switch j % 4 {
		case 0:
			v = rng.NormFloat64()
		case 1:
			v = rng.Float64() * 10
		case 2:
			v = math.Exp(rng.NormFloat64())
		default:
			v = float64(rng.IntN(51))
		}
		x[j] = math.Round(v*1000) / 1000
	}
	y += 1.5*x[0] + 2*math.Sin(x[1]) + 0.8*math.Log1p(x[2]) + 0.04*x[3]
	y += 0.7*x[4]*x[5]/5 + 1.2*math.Abs(x[8]) - 0.6*x[9]/10*x[12]
	y += 0.5 * math.Max(0, x[16]) * effects[9][int(row[9])]
	if x[7] > 25 {
		y += 0.8
	}
	return y + 0.8*rng.NormFloat64()
}

// Classes is a classification target made from the regression one: each
// row's class among k equal-frequency bins of Y by rank (ties to the
// earlier row), so that k = 2 is Y above its median. The table's data is
// unchanged; infra/bench/reference.py (wide_classes) computes the same
// classes from the CSV's y.
func (t *Table) Classes(k int) []float64 {
	order := make([]int, t.Rows)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case t.Y[a] < t.Y[b]:
			return -1
		case t.Y[a] > t.Y[b]:
			return 1
		}
		return 0
	})
	c := make([]float64, t.Rows)
	for rank, r := range order {
		c[r] = float64(rank * k / t.Rows)
	}
	return c
}

// WriteCSV writes the table with a header: the categorical columns'
// levels as L0, L1, …, the numbers in shortest form, missing cells empty,
// the target last.
func (t *Table) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for j, name := range t.Names {
		if j > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(name)
	}
	bw.WriteString("," + Target + "\n")
	p := t.Cols()
	var buf []byte
	for r := range t.Rows {
		buf = buf[:0]
		for j, v := range t.X[r*p : (r+1)*p] {
			if j > 0 {
				buf = append(buf, ',')
			}
			switch {
			case v != v:
			case t.Levels[j] > 0:
				buf = append(buf, 'L')
				buf = strconv.AppendInt(buf, int64(v), 10)
			default:
				buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
			}
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, t.Y[r], 'f', -1, 64)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// TreeData lays out rows [lo, hi) for the trees with their missing
// values handled natively: a missing number stays NaN (the trees learn
// which side of each split it goes to), a missing level becomes a level
// of its own, after the others.
func (t *Table) TreeData(lo, hi int) *tree.Data {
	p := t.Cols()
	d := &tree.Data{Rows: hi - lo, Levels: slices.Clone(t.Levels), X: make([]float64, (hi-lo)*p)}
	for j, l := range d.Levels {
		if l > 0 {
			d.Levels[j]++
		}
	}
	copy(d.X, t.X[lo*p:hi*p])
	for i, v := range d.X {
		if l := t.Levels[i%p]; v != v && l > 0 {
			d.X[i] = float64(l)
		}
	}
	return d
}

// ImputedTreeData lays out rows [lo, hi) as the search's tree data does
// today (model.TreeData): a missing number is the median of the training
// rows [0, train), a missing level the most frequent level there.
func (t *Table) ImputedTreeData(lo, hi, train int) *tree.Data {
	p := t.Cols()
	fill := t.imputes(train)
	d := &tree.Data{Rows: hi - lo, Levels: slices.Clone(t.Levels), X: make([]float64, (hi-lo)*p)}
	copy(d.X, t.X[lo*p:hi*p])
	for i, v := range d.X {
		if v != v {
			d.X[i] = fill[i%p]
		}
	}
	return d
}

// imputes is each column's imputed value over rows [0, train).
func (t *Table) imputes(train int) []float64 {
	p := t.Cols()
	fill := make([]float64, p)
	col := make([]float64, 0, train)
	for j, l := range t.Levels {
		col = col[:0]
		for r := range train {
			if v := t.X[r*p+j]; v == v {
				col = append(col, v)
			}
		}
		if l > 0 {
			counts := make([]int, l)
			for _, v := range col {
				counts[int(v)]++
			}
			fill[j] = float64(slices.Index(counts, slices.Max(counts)))
			continue
		}
		slices.Sort(col)
		m := len(col) / 2
		fill[j] = col[m]
		if len(col)%2 == 0 {
			fill[j] = col[m-1] + (col[m]-col[m-1])/2
		}
	}
	return fill
}
