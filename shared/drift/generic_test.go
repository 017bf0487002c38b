package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// genericTable is a table of numeric columns without bounds: a price in
// the thousands, a balance mostly negative, a constant, a 0/1 flag and a
// column nearly all zeros, some with a few missing cells.
func genericTable(n int) *dataset.Table {
	nan := math.NaN()
	s := dataset.Schema{Features: []dataset.Column{
		{Name: "price", Kind: dataset.Numeric}, {Name: "balance", Kind: dataset.Numeric},
		{Name: "constant", Kind: dataset.Numeric}, {Name: "flag", Kind: dataset.Numeric},
		{Name: "rare", Kind: dataset.Numeric},
	}}
	cols := make([]dataset.Col, len(s.Features))
	rng := rand.New(rand.NewPCG(3, 4))
	for r := range n {
		price := 300 + math.Round(math.Exp(rng.NormFloat64()+8)) // log-normal, median about 3,300
		balance := -20000 + 25000*rng.Float64()
		flag := 0.0
		if r%5 == 0 {
			flag = 1
		}
		rare := 0.0
		if r%20 == 7 {
			rare = float64(r)
		}
		row := []float64{price, balance, -7.25, flag, rare}
		if r%50 == 3 {
			row[0], row[1] = nan, nan
		}
		for i, v := range row {
			cols[i].Values = append(cols[i].Values, v)
		}
	}
	return &dataset.Table{Schema: s, Cols: cols}
}

func fitGeneric(t testing.TB, n int) (*Baseline, *features.Transform, *dataset.Table) {
	t.Helper()
	tab := genericTable(n)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	b, err := Fit(tab, tr)
	require.NoError(t, err)
	return b, tr, tab
}

func TestFitGenericNumbers(t *testing.T) {
	const n = 2000
	b, tr, tab := fitGeneric(t, n)
	for i, f := range b.Features {
		vals := slices.DeleteFunc(slices.Clone(tab.Cols[i].Values), math.IsNaN)
		require.NotNil(t, f.Min, f.Name)
		require.NotNil(t, f.Max, f.Name)
		assert.Equal(t, slices.Min(vals), *f.Min, "%s: min", f.Name)
		assert.Equal(t, slices.Max(vals), *f.Max, "%s: max", f.Name)
		assert.Equal(t, n-len(vals), f.Missing, f.Name)
		// Every count against a direct count between the edges.
		lo := math.Inf(-1)
		for j, c := range f.Counts {
			hi := math.Inf(1)
			if j < len(f.Edges) {
				hi = f.Edges[j]
			}
			direct := 0
			for _, v := range vals {
				if v >= lo && v < hi {
					direct++
				}
			}
			assert.Equal(t, direct, c, "%s bin %d [%v, %v)", f.Name, j, lo, hi)
			lo = hi
		}
	}
	price, balance, constant, flag, rare := b.Features[0], b.Features[1], b.Features[2], b.Features[3], b.Features[4]
	// Continuous: ten bins of about a tenth each, whatever the scale.
	for _, f := range []Feature{price, balance} {
		require.Len(t, f.Counts, Bins, f.Name)
		for j, c := range f.Counts {
			frac := float64(c) / float64(n-f.Missing)
			assert.InDelta(t, 0.1, frac, 0.01, "%s bin %d", f.Name, j)
		}
	}
	assert.Greater(t, price.Edges[8], 5000.0, "price edges in the thousands")
	assert.Less(t, balance.Edges[0], -15000.0, "balance edges negative")
	// A constant: one bin, a range of one value.
	assert.Empty(t, constant.Edges)
	assert.Equal(t, []int{n}, constant.Counts)
	assert.Equal(t, -7.25, *constant.Min)
	assert.Equal(t, -7.25, *constant.Max)
	// Two values: one edge between them.
	assert.Equal(t, []float64{1}, flag.Edges)
	assert.Equal(t, []int{n * 4 / 5, n / 5}, flag.Counts)
	// Every decile is 0: the smallest other value still starts a bin.
	assert.Equal(t, []float64{7}, rare.Edges)
	assert.Equal(t, []int{n * 19 / 20, n / 20}, rare.Counts)

	// The JSON carries the range and decodes to the same baseline.
	js, err := json.Marshal(b)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"name":"constant","kind":"numeric","min":-7.25,"max":-7.25,"counts":[2000],"missing":0`)
	var back Baseline
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, b, &back)
	require.NoError(t, back.Check(tab.Schema, tr))
}

func TestMonitorGenericOutOfRange(t *testing.T) {
	b, tr, _ := fitGeneric(t, 2000)
	m, err := NewMonitor(b, tr)
	require.NoError(t, err)
	price, balance, rare := b.Features[0], b.Features[1], b.Features[4]
	nan, inf := math.NaN(), math.Inf(1)
	for _, r := range [][]float64{
		{*price.Min, *balance.Min, -7.25, 0, 0},         // every bottom: in range
		{*price.Max, *balance.Max, -7.25, 1, *rare.Max}, // every top: in range
		{*price.Max + 1, *balance.Min - 0.5, -7, 2, -1}, // every one just outside
		{-1e6, 1e9, inf, -inf, nan},
		{nan, nan, nan, nan, *rare.Max + 1},
	} {
		m.Observe(features.Row{Num: r})
	}
	rep := m.Snapshot()
	want := []struct{ bottom, top, out, missing int64 }{
		{1, 1, 2, 1}, {1, 1, 2, 1}, {2, 0, 2, 1}, {1, 1, 2, 1}, {1, 1, 2, 1},
	}
	for i, f := range rep.Features {
		w := want[i]
		assert.EqualValues(t, 5, f.Served, f.Name)
		assert.Equal(t, w.out, f.OutOfRange, "%s: out of range", f.Name)
		assert.Equal(t, w.missing, f.Missing, "%s: missing", f.Name)
		assert.Equal(t, w.bottom, f.Bins[0].Served, "%s: first bin", f.Name)
		if len(f.Bins) > 1 {
			assert.Equal(t, w.top, f.Bins[len(f.Bins)-1].Served, "%s: last bin", f.Name)
		}
		// The report's bins span the training range.
		assert.Equal(t, *b.Features[i].Min, *f.Min, f.Name)
		assert.Equal(t, *b.Features[i].Max, *f.Max, f.Name)
		assert.Equal(t, *f.Min, *f.Bins[0].Lo, f.Name)
		assert.Equal(t, *f.Max, *f.Bins[len(f.Bins)-1].Hi, f.Name)
		require.NotNil(t, f.PSI, f.Name)
		assert.False(t, math.IsNaN(*f.PSI) || math.IsInf(*f.PSI, 0), f.Name)
	}
}

// A numeric feature without a recorded range needs bounds its schema
// declares at both ends; a range needs both ends, finite and in order.
func TestRangeRequired(t *testing.T) {
	for name, edit := range map[string]func(f *Feature){
		"records no range, and its schema declares no bounds": func(f *Feature) { f.Min, f.Max = nil, nil },
		"only one end of its range":                           func(f *Feature) { f.Max = nil },
		"must be finite and ascending":                        func(f *Feature) { hi := *f.Min - 1; f.Max = &hi },
		"bin edges must be ascending within":                  func(f *Feature) { lo := f.Edges[0] + 1; f.Min = &lo },
	} {
		b, tr, tab := fitGeneric(t, 500)
		edit(&b.Features[0])
		assert.ErrorContains(t, b.Check(tab.Schema, tr), name)
	}
	// Declared at both ends, the bounds are the range.
	b, tr, tab := fitGeneric(t, 500)
	b.Features[0].Min, b.Features[0].Max = nil, nil
	lo, hi := -1e9, 1e9
	tab.Schema.Features[0].Min, tab.Schema.Features[0].Max = &lo, &hi
	require.NoError(t, b.Check(tab.Schema, tr))
	require.NoError(t, tr.Bind(tab.Schema))
	m, err := NewMonitor(b, tr)
	require.NoError(t, err)
	m.Observe(features.Row{Num: []float64{-5e8, 0, -7.25, 0, 0}})
	assert.Zero(t, m.Snapshot().Features[0].OutOfRange, "within the declared bounds")
	assert.Equal(t, lo, *m.Snapshot().Features[0].Min)
}

// wideTable has one category of levels levels, counts falling about as
// 1/rank, every level held by at least one row, and a few missing cells.
func wideTable(levels, n int) *dataset.Table {
	s := dataset.Schema{Features: []dataset.Column{{Name: "zip", Kind: dataset.Category}}}
	col := dataset.Col{}
	for l := range levels {
		col.Levels = append(col.Levels, fmt.Sprintf("L%04d", l))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for r := range n {
		code := r % levels
		if r >= levels {
			if r%100 == 0 {
				col.Codes = append(col.Codes, -1)
				continue
			}
			code = int(math.Floor(math.Pow(float64(levels), rng.Float64()))) - 1
		}
		col.Codes = append(col.Codes, int32(code))
	}
	return &dataset.Table{Schema: s, Cols: []dataset.Col{col}}
}

func TestWideCategory(t *testing.T) {
	const levels, n = 5000, 40000
	tab := wideTable(levels, n)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	cat := &tr.Categorical[0]
	// The transform folds the rare levels into one; hundreds remain.
	require.Greater(t, len(cat.Levels), 5*MaxLevels)
	require.NotEmpty(t, cat.Folded)
	b, err := Fit(tab, tr)
	require.NoError(t, err)
	f := b.Features[0]
	require.Len(t, f.Levels, MaxLevels)
	require.Len(t, f.Counts, MaxLevels)
	// The most frequent of the transform's levels, most frequent first,
	// against a direct count of the table's levels as the transform reads
	// them (a folded level as the other level).
	direct := map[string]int{}
	for _, c := range tab.Cols[0].Codes {
		if c >= 0 {
			j, ok := cat.Known(tab.Cols[0].Levels[c])
			require.True(t, ok)
			direct[cat.Levels[j]]++
		}
	}
	kept := 0
	for k, l := range f.Levels {
		assert.Equal(t, direct[l], f.Counts[k], l)
		if k > 0 {
			assert.LessOrEqual(t, f.Counts[k], f.Counts[k-1], "most frequent first")
		}
		kept += f.Counts[k]
	}
	for l, c := range direct {
		if !slices.Contains(f.Levels, l) {
			assert.LessOrEqual(t, c, f.Counts[MaxLevels-1], "%s (%d rows) is not kept but should be", l, c)
		}
	}
	missing := (n - levels) / 100
	assert.Equal(t, missing, f.Missing)
	assert.Equal(t, n-missing-kept, f.Other)
	assert.Greater(t, f.Other, 0)

	// The same rows in another order keep the same levels, the same bytes.
	perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
	b2, err := Fit(tab.Subset(perm), tr)
	require.NoError(t, err)
	j1, _ := json.Marshal(b)
	j2, _ := json.Marshal(b2)
	assert.Equal(t, string(j1), string(j2))

	m, err := NewMonitor(b, tr)
	require.NoError(t, err)
	assert.Equal(t, MaxLevels+3, m.width, "kept levels, other, missing and unseen: bounded, whatever the levels")
	// A level the transform keeps and the baseline does not; one the
	// transform folded, which counts with its other level.
	rare := ""
	for _, l := range cat.Levels {
		if !slices.Contains(f.Levels, l) {
			rare = l
			break
		}
	}
	folded := cat.Folded[0]
	otherAt := slices.Index(f.Levels, features.OtherLevel)
	require.GreaterOrEqual(t, otherAt, 0, "the transform's other level is among the most frequent")
	for _, v := range []string{f.Levels[0], f.Levels[0], strings.ToLower(f.Levels[1]), rare, folded, "", " NA ", "L9999x", "nowhere"} {
		m.Observe(features.Row{Cat: []string{v}})
	}
	rep := m.Snapshot().Features[0]
	require.Len(t, rep.Bins, MaxLevels+1)
	assert.Equal(t, f.Levels[0], rep.Bins[0].Level)
	assert.EqualValues(t, 2+btoi(otherAt == 0), rep.Bins[0].Served)
	assert.EqualValues(t, 1+btoi(otherAt == 1), rep.Bins[1].Served, "found case-insensitively")
	if otherAt > 1 {
		assert.EqualValues(t, 1, rep.Bins[otherAt].Served, "a folded level: the transform's other level")
	}
	other := rep.Bins[MaxLevels]
	assert.True(t, other.Other)
	assert.Empty(t, other.Level)
	assert.EqualValues(t, 1, other.Served, "a level training saw, not kept: other")
	assert.InDelta(t, float64(f.Other)/n, other.ExpectedFraction, 1e-12)
	assert.EqualValues(t, 2, rep.Unseen, "levels training never saw")
	assert.EqualValues(t, 2, rep.Missing, "empty and a missing marker")
	assert.EqualValues(t, 9, rep.Served)

	// A baseline naming a level the transform lacks, or counting other
	// levels without naming its own, does not check.
	bad := *b
	bad.Features = []Feature{f}
	bad.Features[0].Levels = slices.Clone(f.Levels)
	bad.Features[0].Levels[3] = "nowhere"
	_, err = bad.check(tr, nil)
	assert.ErrorContains(t, err, `level "nowhere" is not a level of the transform`)
	bad.Features[0].Levels = nil
	_, err = bad.check(tr, nil)
	assert.ErrorContains(t, err, "counts other levels without naming its own")
}

// BenchmarkObserveWideCategory counts one value of a 5,000-level category
// (kept, other, or unseen); allocs/op must stay 0.
func BenchmarkObserveWideCategory(b *testing.B) {
	tab := wideTable(5000, 40000)
	tr, err := features.Fit(tab)
	require.NoError(b, err)
	base, err := Fit(tab, tr)
	require.NoError(b, err)
	m, err := NewMonitor(base, tr)
	require.NoError(b, err)
	rows, err := tr.Rows(tab)
	require.NoError(b, err)
	rows = rows[:1024]
	rows[7].Cat[0] = "never seen"
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Observe(rows[i&1023])
		i++
	}
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
