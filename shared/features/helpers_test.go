package features_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// small is the schema of the hand-made tables: categories and scores
// interleaved, to show that the output puts every score first.
// Like the student schema's, an unknown level is an error and the scores
// are in [0, 100].
var small = dataset.Schema{
	Features: []dataset.Column{
		{Name: "colour", Kind: dataset.Category, Unknown: dataset.UnknownError},
		{Name: "a", Kind: dataset.Numeric, Min: ptr(0), Max: ptr(100)},
		{Name: "size", Kind: dataset.Category, Unknown: dataset.UnknownError},
		{Name: "b", Kind: dataset.Numeric, Min: ptr(0), Max: ptr(100)},
	},
	Target: "y",
}

func ptr(v float64) *float64 { return &v }

// exact is the tolerance of values computed two ways in float64.
const exact = 1e-12

// table reads CSV text with schema s.
func table(tb testing.TB, s dataset.Schema, csv string) *dataset.Table {
	tb.Helper()
	tab, err := dataset.Read(strings.NewReader(csv), s)
	require.NoError(tb, err, "dataset.Read")
	return tab
}

// fit fits the transforms of a table and fails tb on error.
func fit(tb testing.TB, tab *dataset.Table) *features.Transform {
	tb.Helper()
	tr, err := features.Fit(tab)
	require.NoError(tb, err, "Fit")
	return tr
}
