package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// scored is what a job left: its output, its errors file (when it had
// one), its counts and its error.
type scored struct {
	out, errs string
	res       batch.Result
	err       string
}

func scoreWith(m *model.Model, data []byte, keepErrors bool, run func(*model.Model, []byte, *bytes.Buffer, batch.Options) (batch.Result, error)) scored {
	var out, errs bytes.Buffer
	o := batch.Options{}
	if keepErrors {
		o.Errors = &errs
	}
	res, err := run(m, data, &out, o)
	s := scored{out: out.String(), errs: errs.String(), res: res}
	if err != nil {
		s.err = err.Error()
		s.out = "" // a failed job's output is aborted: only its error counts
	}
	return s
}

// sequential is today's Score; parallel is ScoreParallel cutting spans of
// spanBytes on workers.
func sequential(m *model.Model, data []byte, w *bytes.Buffer, o batch.Options) (batch.Result, error) {
	return batch.Score(context.Background(), m, bytes.NewReader(data), w, o)
}

func parallel(spanBytes, workers int) func(*model.Model, []byte, *bytes.Buffer, batch.Options) (batch.Result, error) {
	return func(m *model.Model, data []byte, w *bytes.Buffer, o batch.Options) (batch.Result, error) {
		o.SpanBytes, o.Workers = spanBytes, workers
		return batch.ScoreParallel(context.Background(), m, bytes.NewReader(data), w, o)
	}
}

// sameAsScore fails unless ScoreParallel, cut every way listed, gives
// Score's output, errors file, counts and error, with and without an
// errors file.
func sameAsScore(t testing.TB, name string, m *model.Model, data []byte) {
	t.Helper()
	for _, keep := range []bool{true, false} {
		want := scoreWith(m, data, keep, sequential)
		for _, span := range []int{1, 97, 1000, 64 << 10} {
			for _, workers := range []int{1, 3} {
				got := scoreWith(m, data, keep, parallel(span, workers))
				if got != want {
					t.Fatalf("%s (errors file %v, spans of %d bytes, %d workers):\n got %+v\nwant %+v\ninput %q", name, keep, span, workers, got, want, data)
				}
			}
		}
	}
}

// testModels are models of every family over the schemas that differ:
// the student schema (required columns, unseen levels refused, scores
// bounded), an inferred one with a date and numeric-looking levels, and a
// wide table with categories of many levels (unseen levels imputed).
func testModels(t testing.TB) map[string]*model.Model {
	t.Helper()
	student, _ := modeltest.Fit(t, "m", "sample", 1)
	generic, gtab := modeltest.GenericModel(t, "price", true)
	wide := modeltest.WideTable(t, 600, 4, []int{3, 12, 40}, 5)
	return map[string]*model.Model{
		"student linear": student,
		"generic linear": generic,
		"generic boost":  modeltest.FitWide(t, "boost", gtab),
		"wide boost":     modeltest.FitWide(t, "boost", wide),
		"wide adaboost":  modeltest.FitWide(t, "adaboost", wide),
		"wide knn":       modeltest.FitWide(t, "knn", wide),
	}
}

// The differential test: random CSV in each model's schema, with quotes,
// a BOM, CRLF, missing markers, unseen levels, bad numbers, values out of
// bounds, dates, extra and left-out columns, ragged and empty lines,
// scores to the same bytes, errors file and error through ScoreParallel's
// fast path and spans as through Score.
func TestScoreParallelMatchesScore(t *testing.T) {
	models := testModels(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range models {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		m := models[name]
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(18, uint64(len(name))))
			for i := range 60 {
				sameAsScore(t, fmt.Sprintf("%s #%d", name, i), m, randomCSV(rng, m, 1+rng.IntN(40), rng.IntN(3)))
			}
			// Clean files, mostly through the fast path.
			for i := range 5 {
				sameAsScore(t, fmt.Sprintf("%s clean #%d", name, i), m, randomCSV(rng, m, 200, -1))
			}
		})
	}
}

// randomCSV writes rows in m's schema. Mess 0 is light (now and then a
// bad cell), 1 and 2 heavier; -1 writes only plain cells.
func randomCSV(rng *rand.Rand, m *model.Model, rows, mess int) []byte {
	s := m.Schema()
	var cols []string
	for _, c := range s.Inputs() {
		if mess < 0 || rng.IntN(10) > 0 {
			cols = append(cols, c)
		}
	}
	if rng.IntN(2) == 0 {
		cols = append(cols, s.Target)
	}
	if rng.IntN(2) == 0 {
		cols = append(cols, "note")
	}
	rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
	eol := "\n"
	if mess >= 0 && rng.IntN(4) == 0 {
		eol = "\r\n"
	}
	var b strings.Builder
	if mess >= 0 && rng.IntN(5) == 0 {
		b.WriteString("\uFEFF")
	}
	b.WriteString(strings.Join(cols, ",") + eol)
	for range rows {
		fields := make([]string, len(cols))
		for i, c := range cols {
			fields[i] = quoteSome(rng, randomCell(rng, m, s, c, mess), mess)
		}
		if mess > 0 {
			switch rng.IntN(40) {
			case 0:
				fields = fields[:len(fields)-1]
			case 1:
				fields = append(fields, "extra")
			case 2:
				b.WriteString(eol)
			case 3:
				fields[0] = "\r" + fields[0]
			case 4:
				fields[0] = `"unterminated`
			}
		}
		b.WriteString(strings.Join(fields, ",") + eol)
	}
	return []byte(b.String())
}

// randomCell writes one cell of column c.
func randomCell(rng *rand.Rand, m *model.Model, s dataset.Schema, c string, mess int) string {
	bad := mess >= 0 && rng.IntN(12-4*mess) == 0
	if mess >= 0 && rng.IntN(15) == 0 {
		return []string{"", "NA", " nan ", "null", "N/A", "-NaN", "<NA>", "None"}[rng.IntN(8)]
	}
	switch {
	case c == "note":
		return []string{"plain", "", "a,b", `say "hi"`, "two\nlines", `\.`, "\u00a0nbsp", " lead", "tab\tin", "é"}[rng.IntN(10)]
	case c == s.Target:
		return strconv.Itoa(rng.IntN(100))
	}
	for _, cat := range m.Transform.Categorical {
		if cat.Name != c {
			continue
		}
		l := cat.Levels[rng.IntN(len(cat.Levels))]
		if !bad {
			return l
		}
		return []string{strings.ToUpper(l), " " + l + " ", "unseen", l + "\t", "ſ" + l, "K" + l}[rng.IntN(6)]
	}
	if i := s.Index(c + ".year"); i >= 0 || s.Index(c+".year_") >= 0 {
		if !bad {
			return fmt.Sprintf("20%02d-%02d-%02d", rng.IntN(30), 1+rng.IntN(12), 1+rng.IntN(28))
		}
		return []string{"2024-03-01T12:30:00Z", "2024-13-45", "soon", "2024-03-01 12:30"}[rng.IntN(4)]
	}
	if !bad {
		switch rng.IntN(4) {
		case 0:
			return strconv.Itoa(rng.IntN(101))
		case 1:
			return strconv.FormatFloat(rng.Float64()*100, 'f', rng.IntN(4), 64)
		case 2:
			return strconv.FormatFloat(rng.Float64()*100, 'g', -1, 64)
		}
		return fmt.Sprintf("%.2e", rng.Float64()*100)
	}
	return []string{"-0", "1e1", " 42 ", "+5", "0x10", "abc", "1e400", "150", "-3", "7_2", "Inf", ".5", "5.", "1,5",
		"123456789012345678901234", "0.1000000000000000055511151231257827", "1e-400", "9007199254740993"}[rng.IntN(18)]
}

// quoteSome quotes a field that needs it, and now and then one that does
// not.
func quoteSome(rng *rand.Rand, f string, mess int) string {
	if strings.ContainsAny(f, ",\"\n") || mess >= 0 && rng.IntN(30) == 0 {
		return `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
	}
	return f
}

// FuzzScoreParallel holds ScoreParallel to Score on any bytes: the same
// output, errors file, counts and error, whatever the span size and the
// workers. The seed corpus (testdata/fuzz) holds files of each schema.
func FuzzScoreParallel(f *testing.F) {
	models := testModels(f)
	names := []string{"student linear", "generic linear", "generic boost", "wide boost", "wide adaboost", "wide knn"}
	rng := rand.New(rand.NewPCG(7, 7))
	for i, n := range names {
		f.Add(randomCSV(rng, models[n], 8, i%3), uint8(i), uint16(50))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8, span uint16) {
		m := models[names[int(which)%len(names)]]
		for _, keep := range []bool{true, false} {
			want := scoreWith(m, data, keep, sequential)
			got := scoreWith(m, data, keep, parallel(1+int(span), 2))
			if got != want {
				t.Fatalf("errors file %v, spans of %d bytes:\n got %+v\nwant %+v", keep, 1+int(span), got, want)
			}
		}
	})
}

// A cancelled job stops with the context's error, whether it is cancelled
// before it starts or while its spans are scored, and leaves no worker
// behind.
func TestScoreParallelStopsWhenCancelled(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	data := generatedB(t, 20000, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := batch.ScoreParallel(ctx, m, bytes.NewReader(data), io.Discard, batch.Options{SpanBytes: 4096})
	require.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAfter{n: 3, cancel: cancel}
	_, err = batch.ScoreParallel(ctx, m, bytes.NewReader(data), w, batch.Options{SpanBytes: 4096, Workers: 2})
	require.ErrorIs(t, err, context.Canceled)
}

// cancelAfter cancels after n writes.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return len(p), nil
}

// Run scores a local file on every core into the bytes it writes for the
// same file on standard input; a bad row (no errors file) leaves no
// output at all, as before.
func TestRunLocalFileLikeStdin(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	dir := t.TempDir()
	data := generatedB(t, 30000, 5)
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, data, 0o600))
	var stdout bytes.Buffer
	bio := batch.IO{Stdin: bytes.NewReader(data), Stdout: &stdout}
	want, err := bio.Run(context.Background(), m, batch.Job{In: "-", Out: "-"}, batch.Options{})
	require.NoError(t, err)
	got, err := bio.Run(context.Background(), m, batch.Job{In: in, Out: filepath.Join(dir, "out.csv")}, batch.Options{SpanBytes: 64 << 10})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	out, err := os.ReadFile(filepath.Join(dir, "out.csv"))
	require.NoError(t, err)
	assert.Equal(t, stdout.String(), string(out))

	bad := append(bytes.Clone(data), "female,group Z,high school,standard,none,50,50,50\n"...)
	require.NoError(t, os.WriteFile(in, bad, 0o600))
	_, err = bio.Run(context.Background(), m, batch.Job{In: in, Out: filepath.Join(dir, "bad.csv")}, batch.Options{SpanBytes: 64 << 10})
	require.ErrorIs(t, err, batch.ErrBadRow)
	assert.Contains(t, err.Error(), "line 30002")
	_, err = os.Stat(filepath.Join(dir, "bad.csv"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no output after a bad row")
}
