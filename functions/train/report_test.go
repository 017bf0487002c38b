package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

// storeState is what a refused run must leave as it was: versions/ and
// current.json (snapshot, without runs/).
func storeState(t testing.TB, store string) map[string]string {
	t.Helper()
	snap := snapshot(t, store)
	for p := range snap {
		if strings.HasPrefix(p, filepath.Join("student-math-score", "runs")) {
			delete(snap, p)
		}
	}
	return snap
}

var reportLine = regexp.MustCompile(`(?m)^report: (.+)$`)

// reportOf returns the report named by a run's "report: " line, its
// location and its text.
func reportOf(t testing.TB, out string) (string, string) {
	t.Helper()
	m := reportLine.FindAllStringSubmatch(out, -1)
	require.Len(t, m, 1, "one report line in:\n%s", out)
	b, err := os.ReadFile(m[0][1])
	require.NoError(t, err, "the report the run names")
	return m[0][1], string(b)
}

func TestAPushedVersionsReportComparesWithThePreviousVersion(t *testing.T) {
	train, test := generated(t, 800, 1), generated(t, 200, 2)
	store := t.TempDir()
	out, err := runTrain(t, env("MIN_R2", "0"), "-store", store, "-data", head(t, train, 100), "-test-data", test, "-families", "linear")
	require.NoError(t, err, out)
	first, _ := currentModel(t, store)
	where, page := reportOf(t, out)
	assert.Equal(t, filepath.Join(store, "student-math-score", "versions", first.Version, "report.html"), where)
	assert.Contains(t, page, "There was no previous version to compare with.")

	out, err = runTrain(t, env(), "-store", store, "-data", train, "-test-data", test, "-families", "linear,knn")
	require.NoError(t, err, out)
	second, _ := currentModel(t, store)
	require.NotEqual(t, first.Version, second.Version, "the better model is pushed: %s", out)
	where, page = reportOf(t, out)
	assert.Equal(t, filepath.Join(store, "student-math-score", "versions", second.Version, "report.html"), where)

	// Side by side: the previous version's id, its selected candidate and
	// CV R² from its metrics.json, its R² on this run's held-out rows.
	var prev struct {
		Selected string
		CV       struct {
			R2Mean float64 `json:"r2_mean"`
		}
	}
	b, err := os.ReadFile(filepath.Join(store, "student-math-score", "versions", first.Version, "metrics.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &prev))
	var cur struct {
		Push struct {
			PreviousTestR2 float64 `json:"previous_test_r2"`
		}
	}
	b, err = os.ReadFile(filepath.Join(store, "student-math-score", "versions", second.Version, "metrics.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &cur))
	table := between(t, page, "<caption>This run and the previous current version, side by side</caption>", "</table>")
	assert.Contains(t, table, "<code>"+first.Version+"</code>")
	assert.Contains(t, table, ">"+prev.Selected+"<")
	assert.Contains(t, table, fmtR2(prev.CV.R2Mean)+" ± ")
	assert.Contains(t, table, fmtR2(cur.Push.PreviousTestR2), "the previous version's R² on these rows")
	assert.Contains(t, page, "<strong>Pushed</strong> as version <code>"+second.Version+"</code>")

	// The report's sections, with this run's data: every family searched,
	// the feature importance from the model's own explanations.
	for _, id := range []string{"push", "data", "candidates", "evaluation", "slices", "importance"} {
		assert.Contains(t, page, `<h2 id="`+id+`">`)
	}
	assert.Contains(t, page, `id="chart-importance"`)
	assert.Contains(t, page, ">knn(k=")
	assert.Equal(t, 1, strings.Count(page, "★ winner"))
}

func TestARefusedRunWritesItsReportAndSaysWhy(t *testing.T) {
	train, test := generated(t, 800, 1), generated(t, 200, 2)
	store := t.TempDir()
	out, err := runTrain(t, env(), "-store", store, "-data", train, "-test-data", test, "-families", "linear")
	require.NoError(t, err, out)
	before := storeState(t, store)

	// The same run again: this very model is current.
	out, err = runTrain(t, env(), "-store", store, "-data", train, "-test-data", test, "-families", "linear")
	require.NoError(t, err, out)
	assert.Contains(t, out, "not pushed: ")
	assert.Equal(t, before, storeState(t, store), "versions/ and current.json are as they were")
	where, page := reportOf(t, out)
	run := filepath.Base(filepath.Dir(where))
	assert.Equal(t, filepath.Join(store, "student-math-score", "runs", run, "report.html"), where)
	assert.Contains(t, page, "<strong>Not pushed</strong> (run <code>"+run+"</code>)")
	assert.Contains(t, page, "is this very model (same sha256)")
	var sum struct {
		Pushed   *bool
		Run      string
		Selected string
		Push     struct{ Reason string }
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(where), "metrics.json"))
	require.NoError(t, err, "the run's summary beside its report")
	require.NoError(t, json.Unmarshal(b, &sum))
	require.NotNil(t, sum.Pushed)
	assert.False(t, *sum.Pushed)
	assert.Equal(t, run, sum.Run)
	assert.Contains(t, sum.Push.Reason, "same sha256")
	assert.NotEmpty(t, sum.Selected)

	// A worse model: refused with the comparison in its report.
	out, err = runTrain(t, env("MIN_R2", "0"), "-store", store, "-data", head(t, train, 100), "-test-data", test, "-families", "linear")
	require.NoError(t, err, out)
	assert.Equal(t, before, storeState(t, store))
	_, page = reportOf(t, out)
	assert.Contains(t, page, "is better on the same held-out rows")
}

func TestAModelBelowMinR2FailsAfterWritingItsReport(t *testing.T) {
	store := t.TempDir()
	out, err := runTrain(t, env("MIN_R2", "0.99"), "-store", store, "-families", "linear")
	require.ErrorContains(t, err, "MIN_R2", out)
	assert.NotZero(t, cli.ExitCode(err))
	assert.Empty(t, storeState(t, store)[filepath.Join("student-math-score", "versions")], "no version")
	assert.NoFileExists(t, filepath.Join(store, "student-math-score", "current.json"))
	where, page := reportOf(t, out)
	assert.Contains(t, where, filepath.Join(store, "student-math-score", "runs")+string(filepath.Separator))
	assert.Contains(t, page, "<strong>Not pushed</strong>")
	assert.Contains(t, page, "below MIN_R2 0.9900")
}

func TestAnUnwritableRunReportKeepsTheRefusal(t *testing.T) {
	train, test := generated(t, 800, 1), generated(t, 200, 2)
	store := t.TempDir()
	out, err := runTrain(t, env(), "-store", store, "-data", train, "-test-data", test, "-families", "linear")
	require.NoError(t, err, out)
	// A file where runs/ would go: no run can be written there.
	require.NoError(t, os.WriteFile(filepath.Join(store, "student-math-score", "runs"), []byte("in the way"), 0o644))
	before := storeState(t, store)
	out, err = runTrain(t, env(), "-store", store, "-data", train, "-test-data", test, "-families", "linear")
	require.NoError(t, err, "the identical model is rightly not pushed: %s", out)
	assert.Contains(t, out, "not pushed: ")
	assert.Regexp(t, `(?m)^report: not written: .*runs`, out)
	assert.Equal(t, before, storeState(t, store))
}

func between(t testing.TB, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	require.GreaterOrEqual(t, i, 0, "no %q", from)
	j := strings.Index(s[i:], to)
	require.GreaterOrEqual(t, j, 0, "no %q after %q", to, from)
	return s[i : i+j]
}

func fmtR2(f float64) string { return fmt.Sprintf("%.4f", f) }
