package dataset

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// readFile reads a CSV file with the Students schema.
func readFile(t testing.TB, path string) *Table {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	tab, err := Read(f, Students)
	require.NoError(t, err, "Read(%s)", path)
	return tab
}

// generated returns a table of Generate(n, seed).
func generated(t testing.TB, n int, seed uint64) *Table {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Generate(&buf, n, seed), "Generate")
	tab, err := Read(&buf, Students)
	require.NoError(t, err, "Read(Generate(%d, %d))", n, seed)
	return tab
}

// scores returns the values of a score column or of the target.
func scores(t testing.TB, tab *Table, name string) []float64 {
	t.Helper()
	if name == tab.Schema.Target {
		return tab.Target
	}
	i := tab.Schema.Index(name)
	require.GreaterOrEqual(t, i, 0, "no column %q", name)
	return tab.Cols[i].Values
}

func meanOf(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func stdOf(x []float64) float64 {
	m := meanOf(x)
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)))
}

func corrOf(x, y []float64) float64 {
	mx, my := meanOf(x), meanOf(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	return sxy / math.Sqrt(sxx*syy)
}

// levelShare returns the share of rows of category column name at level.
func levelShare(t testing.TB, tab *Table, name, lvl string) float64 {
	t.Helper()
	c := tab.Cols[tab.Schema.Index(name)]
	code := int32(-1)
	for i, l := range c.Levels {
		if l == lvl {
			code = int32(i)
		}
	}
	n := 0
	for _, v := range c.Codes {
		if v == code {
			n++
		}
	}
	return float64(n) / float64(len(c.Codes))
}

// linearR2 fits the target by least squares on an intercept, the scores and
// one-hot categories (first level dropped), and returns the in-sample R².
func linearR2(t testing.TB, tab *Table) float64 {
	t.Helper()
	width := 1
	for j, c := range tab.Schema.Features {
		if c.Kind == Category {
			width += len(tab.Cols[j].Levels) - 1
		} else {
			width++
		}
	}
	xtx := make([][]float64, width)
	for i := range xtx {
		xtx[i] = make([]float64, width+1) // last column: X'y
	}
	x := make([]float64, width)
	for r := range tab.Len() {
		clear(x)
		x[0] = 1
		k := 1
		for j, c := range tab.Schema.Features {
			col := tab.Cols[j]
			if c.Kind == Category {
				if code := col.Codes[r]; code > 0 {
					x[k+int(code)-1] = 1
				}
				k += len(col.Levels) - 1
			} else {
				x[k] = col.Values[r]
				k++
			}
		}
		y := tab.Target[r]
		for i := range width {
			for j := range width {
				xtx[i][j] += x[i] * x[j]
			}
			xtx[i][width] += x[i] * y
		}
	}
	// Gauss-Jordan elimination with partial pivoting.
	for c := range width {
		p := c
		for r := c + 1; r < width; r++ {
			if math.Abs(xtx[r][c]) > math.Abs(xtx[p][c]) {
				p = r
			}
		}
		xtx[c], xtx[p] = xtx[p], xtx[c]
		require.NotZero(t, xtx[c][c], "singular design matrix at column %d", c)
		for r := range width {
			if r == c {
				continue
			}
			f := xtx[r][c] / xtx[c][c]
			for j := c; j <= width; j++ {
				xtx[r][j] -= f * xtx[c][j]
			}
		}
	}
	beta := make([]float64, width)
	for i := range width {
		beta[i] = xtx[i][width] / xtx[i][i]
	}
	var sse, sst float64
	my := meanOf(tab.Target)
	for r := range tab.Len() {
		clear(x)
		x[0] = 1
		k := 1
		for j, c := range tab.Schema.Features {
			col := tab.Cols[j]
			if c.Kind == Category {
				if code := col.Codes[r]; code > 0 {
					x[k+int(code)-1] = 1
				}
				k += len(col.Levels) - 1
			} else {
				x[k] = col.Values[r]
				k++
			}
		}
		pred := 0.0
		for i := range width {
			pred += beta[i] * x[i]
		}
		d := tab.Target[r] - pred
		sse += d * d
		sst += (tab.Target[r] - my) * (tab.Target[r] - my)
	}
	return 1 - sse/sst
}
