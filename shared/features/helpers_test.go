package features_test

import (
	"math"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/modeltest"
	"github.com/studentperf/studentperf/shared/realdata"
)

// small is the schema of the hand-made tables: categories and scores
// interleaved, to show that the output puts every score first.
var small = dataset.Schema{
	Features: []dataset.Column{
		{Name: "colour", Kind: dataset.Category},
		{Name: "a", Kind: dataset.Score},
		{Name: "size", Kind: dataset.Category},
		{Name: "b", Kind: dataset.Score},
	},
	Target: "y",
}

// table reads CSV text with schema s.
func table(tb testing.TB, s dataset.Schema, csv string) *dataset.Table {
	tb.Helper()
	tab, err := dataset.Read(strings.NewReader(csv), s)
	if err != nil {
		tb.Fatalf("dataset.Read: %v", err)
	}
	return tab
}

// fit fits the transforms of a table and fails tb on error.
func fit(tb testing.TB, tab *dataset.Table) *features.Transform {
	tb.Helper()
	tr, err := features.Fit(tab)
	if err != nil {
		tb.Fatalf("Fit: %v", err)
	}
	return tr
}

// studentsFile returns the path of one file of the real data set, which
// lives outside the repository and is never copied into it. Locally a
// missing file skips the test; in CI (CI=true) it is a failure.
func studentsFile(tb testing.TB, name string) string {
	tb.Helper()
	return realdata.Path(tb, name)
}

func readStudents(tb testing.TB, name string) *dataset.Table {
	tb.Helper()
	return modeltest.Students(tb, name)
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func checkNear(tb testing.TB, what string, got, want []float64, tol float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: got %d values; want %d", what, len(got), len(want))
	}
	for i := range got {
		if !near(got[i], want[i], tol) {
			tb.Errorf("%s[%d]: got %.15g; want %.15g (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}
