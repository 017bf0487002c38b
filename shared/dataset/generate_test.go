package dataset

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	gen := func(n int, seed uint64) []byte {
		t.Helper()
		var b bytes.Buffer
		if err := Generate(&b, n, seed); err != nil {
			t.Fatalf("Generate(%d, %d): %v", n, seed, err)
		}
		return b.Bytes()
	}
	a, b, c := gen(5000, 3), gen(5000, 3), gen(5000, 4)
	if !bytes.Equal(a, b) {
		t.Errorf("Generate(5000, 3) twice: got different bytes; want the same")
	}
	if bytes.Equal(a, c) {
		t.Errorf("Generate(5000, 3) and (5000, 4): got the same bytes; want different")
	}
	// A longer run starts with the shorter one.
	if long := gen(6000, 3); !bytes.HasPrefix(long, a) {
		t.Errorf("Generate(6000, 3) does not start with Generate(5000, 3)")
	}
}

func TestGenerateShape(t *testing.T) {
	var b bytes.Buffer
	if err := Generate(&b, 0, 1); err != nil {
		t.Fatalf("Generate(0): %v", err)
	}
	if got := b.String(); got != genHeader {
		t.Errorf("Generate(0): got %q; want just the header %q", got, genHeader)
	}
	if err := Generate(&b, -1, 1); err == nil {
		t.Errorf("Generate(-1): got nil error; want one")
	}
	b.Reset()
	if err := Generate(&b, 20000, 9); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if got := len(lines); got != 20001 {
		t.Fatalf("got %d lines; want 20001", got)
	}
	allowed := [5]map[string]bool{}
	for f, fd := range genFields {
		allowed[f] = map[string]bool{}
		for _, l := range fd.levels {
			allowed[f][l.name] = true
		}
	}
	for i, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if len(fields) != 8 {
			t.Fatalf("line %d: got %d fields; want 8", i+2, len(fields))
		}
		for f := range 5 {
			if !allowed[f][fields[f]] {
				t.Fatalf("line %d: unexpected category %q", i+2, fields[f])
			}
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
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v; want the writer's error", err)
	}
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
		if got := levelShare(t, gen, f.col, f.level); math.Abs(got-f.want) > 0.03 {
			t.Errorf("%s = %q: got share %.3f; want %.3f ± 0.03", f.col, f.level, got, f.want)
		}
	}

	m, r, w := scores(t, gen, "math_score"), scores(t, gen, "reading_score"), scores(t, gen, "writing_score")
	within := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: got %.3f; want %.3f ± %v", what, got, want, tol)
		}
	}
	// Means and spreads (real: 66.1/69.2/68.1, sd 15.2/14.6/15.2).
	within("mean math", meanOf(m), 66.089, 3)
	within("mean reading", meanOf(r), 69.169, 3)
	within("mean writing", meanOf(w), 68.054, 3)
	within("sd math", stdOf(m), 15.155, 1.5)
	within("sd reading", stdOf(r), 14.593, 1.5)
	within("sd writing", stdOf(w), 15.188, 1.5)
	// Correlations (real: 0.955, 0.818, 0.803).
	if got := corrOf(r, w); got <= 0.9 {
		t.Errorf("corr(reading, writing): got %.3f; want > 0.9", got)
	}
	within("corr(math, reading)", corrOf(m, r), 0.818, 0.03)
	within("corr(math, writing)", corrOf(m, w), 0.803, 0.03)
	// How well a linear model predicts math (real, in sample: 0.877).
	if got := linearR2(t, gen); got < 0.85 || got > 0.89 {
		t.Errorf("R² of math on the other fields: got %.4f; want 0.85 to 0.89", got)
	}

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
		within(e.col+" "+e.hi+" vs "+e.lo+" on "+e.name, groupMean(e.col, e.hi, e.y)-groupMean(e.col, e.lo, e.y), e.want, 1)
	}
}

// TestRealDataLinearR2 pins the number TestGenerateResemblesRealData aims at.
func TestRealDataLinearR2(t *testing.T) {
	if got := linearR2(t, readRealFile(t, "stud.csv")); math.Abs(got-0.877) > 0.001 {
		t.Errorf("R² of math on the other fields in stud.csv: got %.4f; want 0.877 ± 0.001", got)
	}
}
