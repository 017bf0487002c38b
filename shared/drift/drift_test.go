package drift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
)

// tiny is a hand-counted table, ten rows five times over (so that no
// level is rare enough for the transform to fold): color has blue 3,
// green 1, red 5 and one missing in ten; score has nine distinct values
// and one missing.
var tiny = "color,score\n" + strings.Repeat(`red,1
red,2
blue,3
red,4
,5
blue,6
red,7
green,8
red,
blue,10
`, 5)

// tinySchema is an inferred schema's kind: no bounds, so the score's
// range is its training data's, [1, 10].
var tinySchema = dataset.Schema{Features: []dataset.Column{
	{Name: "color", Kind: dataset.Category},
	{Name: "score", Kind: dataset.Numeric},
}}

// fitTiny returns the baseline and transform of tiny.
func fitTiny(t testing.TB) (*drift.Baseline, *features.Transform) {
	t.Helper()
	tab, err := dataset.Read(strings.NewReader(tiny), tinySchema)
	require.NoError(t, err)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	return b, tr
}

// students loads n generated rows and fits the transform on them.
func students(t testing.TB, n int, seed uint64) (*dataset.Table, *features.Transform) {
	t.Helper()
	tab, _, err := dataset.Load(context.Background(), "synthetic:"+strconv.Itoa(n), dataset.Students, dataset.SourceOptions{Seed: seed})
	require.NoError(t, err)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	return tab, tr
}

// monitor returns a monitor of the baseline of n training rows (seed 1)
// and served rows drawn from the same generator with another seed.
func monitor(t testing.TB, nTrain, nServed int) (*drift.Monitor, *features.Transform, []features.Row) {
	t.Helper()
	tab, tr := students(t, nTrain, 1)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	m, err := drift.NewMonitor(b, tr)
	require.NoError(t, err)
	served, _, err := dataset.Load(context.Background(), "synthetic:"+strconv.Itoa(nServed), dataset.Students, dataset.SourceOptions{Seed: 2})
	require.NoError(t, err)
	rows, err := tr.Rows(served)
	require.NoError(t, err)
	return m, tr, rows
}

func TestFitTiny(t *testing.T) {
	b, tr := fitTiny(t)
	one, ten := 1.0, 10.0
	require.Equal(t, []string{"blue", "green", "red", "(missing)"}, tr.Categorical[0].Levels)
	want := &drift.Baseline{Rows: 50, Features: []drift.Feature{
		// The missing cells are counted as missing, never in the missing
		// level, whose count is 0.
		{Name: "color", Kind: dataset.Category, Counts: []int{15, 5, 25, 0}, Missing: 5},
		// Deciles of 1..8, 10: the first (1) is the minimum and is dropped.
		// The schema declares no bounds, so the range is recorded.
		{Name: "score", Kind: dataset.Numeric, Edges: []float64{2, 3, 4, 5, 6, 7, 8, 10}, Min: &one, Max: &ten, Counts: []int{5, 5, 5, 5, 5, 5, 5, 5, 5}, Missing: 5},
	}}
	assert.Equal(t, want, b)
}

func TestFitStudents(t *testing.T) {
	tab, tr := students(t, 3000, 7)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	require.NoError(t, b.Check(dataset.Students, tr))
	require.Len(t, b.Features, len(dataset.Students.Features))
	for i, c := range dataset.Students.Features {
		f := b.Features[i]
		require.Equal(t, c.Name, f.Name, "schema order")
		col := tab.Cols[i]
		if c.Kind == dataset.Category {
			// Count the level names directly.
			ct := tr.Categorical[slices.IndexFunc(tr.Categorical, func(x features.Categorical) bool { return x.Name == c.Name })]
			for j, l := range ct.Levels {
				n := 0
				for _, code := range col.Codes {
					if code >= 0 && col.Levels[code] == l {
						n++
					}
				}
				assert.Equal(t, n, f.Counts[j], "%s=%s", c.Name, l)
			}
			continue
		}
		// Decile bins: at least 8 of them (ties merge a few), each holding
		// between 3% and 20% of the rows, and every count matches a direct
		// count of the scores between its edges.
		assert.GreaterOrEqual(t, len(f.Counts), 8, c.Name)
		lo := math.Inf(-1)
		for j, n := range f.Counts {
			hi := math.Inf(1)
			if j < len(f.Edges) {
				hi = f.Edges[j]
			}
			direct := 0
			for _, v := range col.Values {
				if v >= lo && v < hi {
					direct++
				}
			}
			assert.Equal(t, direct, n, "%s bin %d [%v, %v)", c.Name, j, lo, hi)
			frac := float64(n) / float64(tab.Len())
			assert.True(t, frac > 0.03 && frac < 0.2, "%s bin %d holds %.3f of the rows", c.Name, j, frac)
			lo = hi
		}
	}
}

func TestFitDeterministic(t *testing.T) {
	tab, tr := students(t, 2000, 5)
	b1, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	j1, err := json.Marshal(b1)
	require.NoError(t, err)
	// The same rows in another order give the same bytes.
	perm := rand.New(rand.NewPCG(1, 2)).Perm(tab.Len())
	b2, err := drift.Fit(tab.Subset(perm), tr)
	require.NoError(t, err)
	j2, err := json.Marshal(b2)
	require.NoError(t, err)
	assert.Equal(t, string(j1), string(j2))
	// And it decodes to the same baseline.
	var back drift.Baseline
	require.NoError(t, json.Unmarshal(j1, &back))
	assert.Equal(t, b1, &back)
}

func TestFitErrors(t *testing.T) {
	tab, tr := students(t, 100, 1)
	_, err := drift.Fit(&dataset.Table{Schema: dataset.Students}, tr)
	assert.ErrorContains(t, err, "no rows")
	_, err = drift.Fit(tab, nil)
	assert.ErrorContains(t, err, "no transform")
	_, tinyTr := fitTiny(t)
	_, err = drift.Fit(tab, tinyTr)
	assert.ErrorContains(t, err, `"gender" does not match the transform`)
}

// TestFitCategoryLevels: a table's levels reach the transform's by its
// lookup (" RED" and "Blue" count as red and blue, in the transform's
// order whatever the table's), and a level the transform has not seen
// fails the fit naming the column and the level, even if no row holds it.
func TestFitCategoryLevels(t *testing.T) {
	_, tr := fitTiny(t)
	tab, err := dataset.Read(strings.NewReader("color,score\ngreen,1\n RED ,2\nBlue,3\n,4\nred,5\n"), tinySchema)
	require.NoError(t, err)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	assert.Equal(t, drift.Feature{Name: "color", Kind: dataset.Category, Counts: []int{1, 1, 2, 0}, Missing: 1}, b.Features[0])

	tab, err = dataset.Read(strings.NewReader("color,score\nred,1\npurple,2\n"), tinySchema)
	require.NoError(t, err)
	_, err = drift.Fit(tab, tr)
	assert.ErrorContains(t, err, `column "color": level "purple" is not in the transform`)
	// A level without a row: the table's levels are the ones it read, so
	// drop purple's row and keep its level.
	tab.Cols[0].Codes = tab.Cols[0].Codes[:1]
	tab.Cols[1].Values = tab.Cols[1].Values[:1]
	_, err = drift.Fit(tab, tr)
	assert.ErrorContains(t, err, `level "purple" is not in the transform`)
}

func TestCheckRejects(t *testing.T) {
	_, tr := fitTiny(t)
	for name, edit := range map[string]func(b *drift.Baseline){
		"2 counts for 4 levels":    func(b *drift.Baseline) { b.Features[0].Counts = b.Features[0].Counts[:2] },
		"counts 49 rows":           func(b *drift.Baseline) { b.Features[0].Counts[0]-- },
		"negative count":           func(b *drift.Baseline) { b.Features[0].Counts[0], b.Features[0].Counts[1] = -1, 5 },
		"ascending":                func(b *drift.Baseline) { b.Features[1].Edges[1] = 1 },
		"counts for 8 bins":        func(b *drift.Baseline) { b.Features[1].Edges = b.Features[1].Edges[:7] },
		"the schema has \"color\"": func(b *drift.Baseline) { b.Features[0], b.Features[1] = b.Features[1], b.Features[0] },
		"0 rows":                   func(b *drift.Baseline) { b.Rows = 0 },
	} {
		b, _ := fitTiny(t)
		edit(b)
		assert.ErrorContains(t, b.Check(tinySchema, tr), name)
	}
}

func TestReportTinyPSI(t *testing.T) {
	b, tr := fitTiny(t)
	m, err := drift.NewMonitor(b, tr)
	require.NoError(t, err)
	nan := math.NaN()
	for _, r := range []features.Row{
		{Cat: []string{"red"}, Num: []float64{1}},
		{Cat: []string{"red"}, Num: []float64{1}},
		{Cat: []string{"blue"}, Num: []float64{nan}},
		{Cat: []string{"zzz"}, Num: []float64{10}},
	} {
		m.Observe(r)
	}
	rep := m.Snapshot()
	require.EqualValues(t, 4, rep.Records)
	color, score := rep.Features[0], rep.Features[1]

	// color: 3 valid records (red 2, blue 1) and one unseen, against
	// blue .3, green .1, red .5 and missing .1. By hand (Python, the
	// formula of the PSI with 1e-4 for an empty share):
	// (1/3-.3)ln(1/3/.3) + (1e-4-.1)ln(1e-4/.1) + (2/3-.5)ln(2/3/.5) + (1e-4-.1)ln(1e-4/.1)
	assert.EqualValues(t, 4, color.Served)
	assert.EqualValues(t, 1, color.Unseen)
	// The transform's missing level, whose count is 0 on both sides, is
	// not a bin of the report: missing cells are counted as missing.
	require.Len(t, color.Bins, 3)
	assert.Equal(t, []string{"blue", "green", "red"}, []string{color.Bins[0].Level, color.Bins[1].Level, color.Bins[2].Level})
	assert.InDelta(t, 2.0/3, color.Bins[2].ServedFraction, 1e-12)
	assert.InDelta(t, 0.5, color.Bins[2].ExpectedFraction, 1e-12)
	require.NotNil(t, color.PSI)
	assert.InDelta(t, 1.431628534004522, *color.PSI, 1e-12)

	// score: bins of 1/10 each (and missing 1/10) against 1, 1 in the
	// first bin, 10 in the last and one missing. The schema declares no
	// bounds: the bins span the training range, [1, 10].
	assert.EqualValues(t, 1, score.Missing)
	assert.InDelta(t, 0.25, score.MissingFraction, 1e-12)
	assert.InDelta(t, 0.1, score.ExpectedMissingFraction, 1e-12)
	assert.EqualValues(t, 2, score.Bins[0].Served)
	assert.EqualValues(t, 1, score.Bins[8].Served)
	assert.Equal(t, 1.0, *score.Bins[0].Lo)
	assert.Equal(t, 2.0, *score.Bins[0].Hi)
	assert.Equal(t, 10.0, *score.Bins[8].Lo)
	assert.Equal(t, 10.0, *score.Bins[8].Hi)
	assert.Zero(t, score.OutOfRange)
	require.NotNil(t, score.PSI)
	assert.InDelta(t, 5.749255651128097, *score.PSI, 1e-12)

	// Far above 0.2, but four records are too few for a warning.
	assert.Empty(t, color.Warning)
	assert.Empty(t, rep.Warnings)
	assert.NotNil(t, rep.Warnings, "an empty list, not null")
}

func TestReportEmpty(t *testing.T) {
	b, tr := fitTiny(t)
	before := time.Now()
	m, err := drift.NewMonitor(b, tr)
	require.NoError(t, err)
	rep := m.Snapshot()
	assert.False(t, rep.Since.Before(before.Truncate(0)))
	assert.Zero(t, rep.Records)
	for _, f := range rep.Features {
		assert.Nil(t, f.PSI, "%s: no PSI without records", f.Name)
		assert.Zero(t, f.Served)
	}
	js, err := json.Marshal(rep)
	require.NoError(t, err, "no NaN in an empty report")
	assert.Contains(t, string(js), `"psi":null`)
	assert.Contains(t, string(js), `"warnings":[]`)
}

func TestUnseenAndOutOfRange(t *testing.T) {
	m, _, _ := monitor(t, 500, 1)
	nan, inf := math.NaN(), math.Inf(1)
	row := func(gender string, reading float64) features.Row {
		return features.Row{Cat: []string{gender, "group A", "high school", "standard", "none"}, Num: []float64{reading, 50}}
	}
	for _, r := range []features.Row{
		row("female", 50),
		row(" Male ", 50),    // known after trimming and case folding
		row("", 50),          // missing
		row("   ", 50),       // missing too
		row("martian", 50),   // unseen
		row("female", nan),   // missing
		row("female", -1),    // out of range
		row("female", 100.5), // out of range
		row("female", inf),   // out of range
		row("female", 100),   // the top of the last bin
		row("female", 0),     // the bottom of the first
		{Cat: []string{"female"}, Num: []float64{50}}, // wrong shape
	} {
		m.Observe(r)
	}
	rep := m.Snapshot()
	assert.EqualValues(t, 11, rep.Records)
	assert.EqualValues(t, 1, rep.Skipped)
	gender, reading, writing := rep.Features[0], rep.Features[5], rep.Features[6]
	require.Equal(t, "gender", gender.Name)
	require.Equal(t, "reading_score", reading.Name)
	assert.EqualValues(t, 11, gender.Served)
	assert.EqualValues(t, 1, gender.Unseen)
	assert.EqualValues(t, 2, gender.Missing)
	assert.EqualValues(t, 7, gender.Bins[0].Served, "female")
	assert.EqualValues(t, 1, gender.Bins[1].Served, "male")
	assert.Zero(t, gender.OutOfRange)
	assert.EqualValues(t, 3, reading.OutOfRange)
	assert.EqualValues(t, 1, reading.Missing)
	assert.Zero(t, reading.Unseen)
	assert.EqualValues(t, 1, reading.Bins[0].Served, "0")
	assert.EqualValues(t, 1, reading.Bins[len(reading.Bins)-1].Served, "100")
	assert.EqualValues(t, 11, writing.Served)
	assert.Zero(t, writing.OutOfRange+writing.Missing)
}

func TestShiftedInputsWarn(t *testing.T) {
	m, tr, rows := monitor(t, 5000, 2000)
	reading := slices.IndexFunc(tr.Numeric, func(n features.Numeric) bool { return n.Name == "reading_score" })
	lunch := slices.IndexFunc(tr.Categorical, func(c features.Categorical) bool { return c.Name == "lunch" })
	for i, r := range rows {
		r.Num[reading] = min(r.Num[reading]+25, 100)
		if i%3 != 0 {
			r.Cat[lunch] = "free/reduced" // from about 35% to about 78%
		}
		m.Observe(r)
	}
	rep := m.Snapshot()
	assert.Equal(t, []string{"lunch", "reading_score"}, rep.Warnings)
	for _, f := range rep.Features {
		if f.Name == "lunch" || f.Name == "reading_score" {
			assert.Equal(t, drift.WarnPSI, f.Warning, f.Name)
			assert.Greater(t, *f.PSI, drift.PSIThreshold, f.Name)
		} else {
			assert.Empty(t, f.Warning, f.Name)
			assert.Less(t, *f.PSI, 0.05, f.Name)
		}
	}
}

func TestUnshiftedInputsDoNotWarn(t *testing.T) {
	m, _, rows := monitor(t, 5000, 2000)
	for _, r := range rows {
		m.Observe(r)
	}
	rep := m.Snapshot()
	assert.Empty(t, rep.Warnings)
	for _, f := range rep.Features {
		// The same distribution: about (bins-1)·(1/2000 + 1/5000), well
		// below 0.1.
		assert.Less(t, *f.PSI, 0.03, f.Name)
		assert.Zero(t, f.Unseen+f.OutOfRange+f.Missing, f.Name)
		assert.EqualValues(t, 2000, f.Served, f.Name)
	}
}

func TestWarningNeedsMinRecords(t *testing.T) {
	m, tr, rows := monitor(t, 2000, drift.MinRecords)
	lunch := slices.IndexFunc(tr.Categorical, func(c features.Categorical) bool { return c.Name == "lunch" })
	for i, r := range rows {
		r.Cat[lunch] = "free/reduced"
		m.Observe(r)
		rep := m.Snapshot()
		f := rep.Features[slices.IndexFunc(rep.Features, func(f drift.FeatureReport) bool { return f.Name == "lunch" })]
		require.Greater(t, *f.PSI, drift.PSIThreshold)
		if i+1 < drift.MinRecords {
			require.Empty(t, f.Warning, "after %d records", i+1)
		} else {
			require.Equal(t, drift.WarnPSI, f.Warning, "after %d records", i+1)
			require.Equal(t, []string{"lunch"}, rep.Warnings)
		}
	}
}

func TestReset(t *testing.T) {
	m, _, rows := monitor(t, 500, 300)
	for _, r := range rows[:200] {
		m.Observe(r)
	}
	first := m.Snapshot().Since
	time.Sleep(time.Millisecond)
	closed := m.Reset()
	assert.EqualValues(t, 200, closed.Records)
	assert.Equal(t, first, closed.Since)
	for _, r := range rows[200:] {
		m.Observe(r)
	}
	rep := m.Snapshot()
	assert.EqualValues(t, 100, rep.Records)
	assert.EqualValues(t, 100, rep.Features[0].Served)
	assert.True(t, rep.Since.After(first))
}

func TestObserveConcurrent(t *testing.T) {
	m, _, rows := monitor(t, 500, 1000)
	const workers = 8
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // reports while records arrive
		for {
			select {
			case <-stop:
				return
			default:
				_ = m.Snapshot()
			}
		}
	}()
	for range workers {
		wg.Go(func() {
			for _, r := range rows {
				m.Observe(r)
			}
		})
	}
	wg.Wait()
	close(stop)
	rep := m.Snapshot()
	assert.EqualValues(t, workers*len(rows), rep.Records)

	// Every count is workers times the count of one serial pass.
	one, _, _ := monitor(t, 500, 1000)
	for _, r := range rows {
		one.Observe(r)
	}
	want := one.Snapshot()
	for i, f := range rep.Features {
		assert.Equal(t, workers*want.Features[i].Served, f.Served, f.Name)
		for j, b := range f.Bins {
			assert.Equal(t, workers*want.Features[i].Bins[j].Served, b.Served, "%s bin %d", f.Name, j)
		}
		assert.InDelta(t, *want.Features[i].PSI, *f.PSI, 1e-12, f.Name)
	}
}

func TestReportJSON(t *testing.T) {
	m, _, rows := monitor(t, 500, 150)
	for _, r := range rows {
		m.Observe(r)
	}
	rep := m.Snapshot()
	j1, err := json.Marshal(rep)
	require.NoError(t, err)
	j2, err := json.Marshal(m.Snapshot())
	require.NoError(t, err)
	assert.Equal(t, string(j1), string(j2), "the same counts give the same bytes")
	var generic struct {
		Since        time.Time        `json:"since"`
		Records      int              `json:"records"`
		TrainingRows int              `json:"training_rows"`
		MinRecords   int              `json:"min_records"`
		Warnings     []string         `json:"warnings"`
		Features     []map[string]any `json:"features"`
	}
	dec := json.NewDecoder(bytes.NewReader(j1))
	require.NoError(t, dec.Decode(&generic))
	assert.Equal(t, 150, generic.Records)
	assert.Equal(t, 500, generic.TrainingRows)
	assert.Equal(t, drift.MinRecords, generic.MinRecords)
	var names []string
	for _, f := range generic.Features {
		names = append(names, f["name"].(string))
		for _, k := range []string{"kind", "served", "missing", "missing_fraction", "expected_missing_fraction", "unseen", "out_of_range", "bins", "psi"} {
			assert.Contains(t, f, k)
		}
		bin := f["bins"].([]any)[0].(map[string]any)
		for _, k := range []string{"served", "served_fraction", "expected_fraction"} {
			assert.Contains(t, bin, k)
		}
	}
	var want []string
	for _, c := range dataset.Students.Features {
		want = append(want, c.Name)
	}
	assert.Equal(t, want, names, "schema order")
}
