package dataset

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateDeterministic(t *testing.T) {
	gen := func(n int, seed uint64) []byte {
		t.Helper()
		var b bytes.Buffer
		require.NoError(t, Generate(&b, n, seed), "Generate(%d, %d)", n, seed)
		return b.Bytes()
	}
	a, b, c := gen(5000, 3), gen(5000, 3), gen(5000, 4)
	assert.True(t, bytes.Equal(a, b), "Generate(5000, 3) twice: got different bytes; want the same")
	assert.False(t, bytes.Equal(a, c), "Generate(5000, 3) and (5000, 4): got the same bytes; want different")
	// A longer run starts with the shorter one.
	assert.True(t, bytes.HasPrefix(gen(6000, 3), a), "Generate(6000, 3) does not start with Generate(5000, 3)")
}

func TestGenerateShape(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Generate(&b, 0, 1), "Generate(0)")
	assert.Equal(t, genHeader, b.String(), "Generate(0): want just the header")
	assert.Error(t, Generate(&b, -1, 1), "Generate(-1)")
	b.Reset()
	require.NoError(t, Generate(&b, 20000, 9))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 20001)
	allowed := [5]map[string]bool{}
	for f, fd := range genFields {
		allowed[f] = map[string]bool{}
		for _, l := range fd.levels {
			allowed[f][l.name] = true
		}
	}
	for i, line := range lines[1:] {
		fields := strings.Split(line, ",")
		require.Len(t, fields, 8, "line %d", i+2)
		for f := range 5 {
			require.True(t, allowed[f][fields[f]], "line %d: unexpected category %q", i+2, fields[f])
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestGenerateWriteError(t *testing.T) {
	err := Generate(&failWriter{n: 2}, 100000, 1)
	require.ErrorContains(t, err, "disk full", "want the writer's error")
}

// TestGenerateResemblesRealData compares Generate(100000, 7) with the real
// data's frequencies and score statistics, within stated tolerances.
func TestGenerateResemblesRealData(t *testing.T) {
	gen := generated(t, 100000, 7)

	// Category frequencies: the real data's, ±0.03.
	freq := []struct {
		col, level string
		want       float64
	}{
		{"gender", "female", 0.518},
		{"gender", "male", 0.482},
		{"race_ethnicity", "group A", 0.089},
		{"race_ethnicity", "group B", 0.190},
		{"race_ethnicity", "group C", 0.319},
		{"race_ethnicity", "group D", 0.262},
		{"race_ethnicity", "group E", 0.140},
		{"parental_level_of_education", "some high school", 0.179},
		{"parental_level_of_education", "high school", 0.196},
		{"parental_level_of_education", "some college", 0.226},
		{"parental_level_of_education", "associate's degree", 0.222},
		{"parental_level_of_education", "bachelor's degree", 0.118},
		{"parental_level_of_education", "master's degree", 0.059},
		{"lunch", "standard", 0.645},
		{"lunch", "free/reduced", 0.355},
		{"test_preparation_course", "none", 0.642},
		{"test_preparation_course", "completed", 0.358},
	}
	for _, f := range freq {
		assert.InDelta(t, f.want, levelShare(t, gen, f.col, f.level), 0.03, "share of %s = %q", f.col, f.level)
	}

	m, r, w := scores(t, gen, "math_score"), scores(t, gen, "reading_score"), scores(t, gen, "writing_score")
	// Means and spreads (real: 66.1/69.2/68.1, sd 15.2/14.6/15.2).
	assert.InDelta(t, 66.089, meanOf(m), 3, "mean math")
	assert.InDelta(t, 69.169, meanOf(r), 3, "mean reading")
	assert.InDelta(t, 68.054, meanOf(w), 3, "mean writing")
	assert.InDelta(t, 15.155, stdOf(m), 1.5, "sd math")
	assert.InDelta(t, 14.593, stdOf(r), 1.5, "sd reading")
	assert.InDelta(t, 15.188, stdOf(w), 1.5, "sd writing")
	// Correlations (real: 0.955, 0.818, 0.803).
	assert.Greater(t, corrOf(r, w), 0.9, "corr(reading, writing)")
	assert.InDelta(t, 0.818, corrOf(m, r), 0.03, "corr(math, reading)")
	assert.InDelta(t, 0.803, corrOf(m, w), 0.03, "corr(math, writing)")
	// How well a linear model predicts math (real, in sample: 0.877).
	r2 := linearR2(t, gen)
	assert.GreaterOrEqual(t, r2, 0.85, "R² of math on the other fields")
	assert.LessOrEqual(t, r2, 0.89, "R² of math on the other fields")

	// Group effects on math, as differences of group means (real values).
	groupMean := func(col, level string, y []float64) float64 {
		c := gen.Cols[gen.Schema.Index(col)]
		sum, n := 0.0, 0
		for i, code := range c.Codes {
			if c.Levels[code] == level {
				sum += y[i]
				n++
			}
		}
		return sum / float64(n)
	}
	for _, e := range []struct {
		col, hi, lo string
		y           []float64
		name        string
		want        float64
	}{
		{"gender", "male", "female", m, "math", 5.1},
		{"gender", "male", "female", r, "reading", -7.1},
		{"gender", "male", "female", w, "writing", -9.2},
		{"lunch", "standard", "free/reduced", m, "math", 11.1},
		{"lunch", "standard", "free/reduced", r, "reading", 7.0},
		{"test_preparation_course", "completed", "none", m, "math", 5.6},
		{"test_preparation_course", "completed", "none", w, "writing", 9.9},
		{"race_ethnicity", "group E", "group C", m, "math", 9.4},
	} {
		assert.InDelta(t, e.want, groupMean(e.col, e.hi, e.y)-groupMean(e.col, e.lo, e.y), 1,
			"%s %s vs %s on %s", e.col, e.hi, e.lo, e.name)
	}
}
