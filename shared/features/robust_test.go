package features_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

func TestLookupPrefersTrimmedExactOverCaseFolded(t *testing.T) {
	c := features.Categorical{Name: "c", Levels: []string{"A", "a"}, Scale: []float64{1, 1}}
	tr := &features.Transform{Categorical: []features.Categorical{c}}
	require.NoError(t, tr.Init())
	got, _ := tr.Categorical[0].Lookup(" a ")
	assert.Equal(t, 1, got, `Lookup(" a "): want level 1 ("a", exact after trimming)`)
	got, _ = tr.Categorical[0].Lookup(" A")
	assert.Equal(t, 0, got, `Lookup(" A")`)
}

func TestCorruptTableCodesAreErrorsNotPanics(t *testing.T) {
	s := dataset.Schema{Features: []dataset.Column{{Name: "c", Kind: dataset.Category}}, Target: "y"}
	bad := &dataset.Table{Schema: s, Cols: []dataset.Col{{Codes: []int32{0, 5}, Levels: []string{"x"}}}, Target: []float64{1, 2}}
	_, err := features.Fit(bad)
	assert.Error(t, err, "Fit on a code with no level")
	good := &dataset.Table{Schema: s, Cols: []dataset.Col{{Codes: []int32{0}, Levels: []string{"x"}}}, Target: []float64{1}}
	tr, err := features.Fit(good)
	require.NoError(t, err)
	_, err = tr.Matrix(bad)
	assert.Error(t, err, "Matrix on a code with no level")
	_, err = tr.Rows(bad)
	assert.Error(t, err, "Rows on a code with no level")
}
