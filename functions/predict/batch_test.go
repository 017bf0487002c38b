package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

// runBatchCmd runs `predict batch` through run against the directory store.
func runBatchCmd(t *testing.T, store string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"batch"}, args...), func(k string) string {
		if k == "MODEL_STORE" {
			return store
		}
		return ""
	}, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func batchStore(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	m, tab := fitModel(t, "sample", 1)
	pushModel(t, root, m, tab, time.Now())
	return root
}

// The same rows scored by predict batch and by POST /predict give
// identical numbers.
func TestBatchCommandMatchesTheAPI(t *testing.T) {
	store := batchStore(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	data := generated(t, 3000, 5)
	require.NoError(t, os.WriteFile(in, data, 0o644))
	_, stderr, err := runBatchCmd(t, store, "", "-in", in, "-out", out)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "batch: 3000 rows scored with model")
	scored, err := os.ReadFile(out)
	require.NoError(t, err)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": store})
	assertScoresMatchAPI(t, base, data, scored)

	// stdin to stdout: the same bytes.
	stdout, _, err := runBatchCmd(t, store, string(data), "-in", "-", "-out", "-")
	require.NoError(t, err)
	assert.Equal(t, string(scored), stdout)
}

const batchHeader = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score\n"

func TestBatchCommandBadRow(t *testing.T) {
	store := batchStore(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	var b strings.Builder
	b.WriteString(batchHeader)
	for i := range 100 {
		switch i {
		case 40:
			b.WriteString("female,group B,bachelor's degree,standard,none,7x2,74\n") // line 42
		case 70:
			b.WriteString("female,group Q,bachelor's degree,standard,none,72,74\n") // line 72
		default:
			b.WriteString("female,group B,bachelor's degree,standard,none,72,74\n")
		}
	}
	require.NoError(t, os.WriteFile(in, []byte(b.String()), 0o644))

	out := filepath.Join(dir, "out.csv")
	_, _, err := runBatchCmd(t, store, "", "-in", in, "-out", out)
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Contains(t, err.Error(), `line 42, column "reading_score", value "7x2": not a number`)
	assert.NoFileExists(t, out, "no output from a failed job")

	errs := filepath.Join(dir, "errors.csv")
	_, stderr, err := runBatchCmd(t, store, "", "-in", in, "-out", out, "-errors", errs)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "2 bad rows")
	eb, err := os.ReadFile(errs)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(eb)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 3, "the header and exactly the two bad rows")
	assert.Equal(t, "42", recs[1][0])
	assert.Equal(t, "72", recs[2][0])
	assert.Contains(t, recs[2][1], `value "group Q": unknown category`)
	ob, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 99, strings.Count(string(ob), "\n"), "the header and the 98 good rows")
}

func TestBatchCommandUsage(t *testing.T) {
	store := batchStore(t)
	for _, args := range [][]string{{}, {"-in", "x.csv"}, {"-out", "y.csv"}} {
		_, _, err := runBatchCmd(t, store, "", args...)
		require.Error(t, err, "%v", args)
		assert.Equal(t, 2, cli.ExitCode(err), "%v", args)
	}
	_, _, err := runBatchCmd(t, store, "", "-in", filepath.Join(t.TempDir(), "missing.csv"), "-out", filepath.Join(t.TempDir(), "o.csv"))
	require.ErrorContains(t, err, "missing.csv")
	_, _, err = runBatchCmd(t, t.TempDir(), "", "-in", "-", "-out", "-")
	require.ErrorContains(t, err, "no model")
}
