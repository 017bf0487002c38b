package features_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// inferred is small's columns under an inferred schema's rules: an unseen
// level reads as missing.
var inferred = dataset.Schema{
	Features: []dataset.Column{
		{Name: "colour", Kind: dataset.Category, Unknown: dataset.UnknownMissing},
		{Name: "a", Kind: dataset.Numeric},
		{Name: "size", Kind: dataset.Category, Unknown: dataset.UnknownMissing},
		{Name: "b", Kind: dataset.Numeric},
	},
	Target: "y",
}

// TestMissingLevel: a category with missing cells in training has a
// level of its own for them, after its sorted levels; a missing value, and
// an unseen one where unseen reads as missing, takes it, and it has its
// own indicator; its name is no choice and matches nothing. A category
// without missing cells imputes its most frequent level, as before.
func TestMissingLevel(t *testing.T) {
	tr := fit(t, table(t, inferred, smallCSV)) // colour: one missing cell; size: none
	colour, size := &tr.Categorical[0], &tr.Categorical[1]
	require.Equal(t, []string{"blue", "green", "red", "(missing)"}, colour.Levels)
	assert.Equal(t, "(missing)", colour.Missing)
	at, ok := colour.MissingLevel()
	require.True(t, ok)
	assert.Equal(t, 3, at)
	assert.Equal(t, []string{"blue", "green", "red"}, colour.Choices())
	assert.Equal(t, 2, colour.MostFrequent, "red, never the missing level")
	_, ok = size.MissingLevel()
	assert.False(t, ok)
	assert.Equal(t, size.Levels, size.Choices())

	for _, v := range []string{"", "NA", " n/a ", "purple", "(missing)", "(MISSING)"} {
		l, ok := colour.Lookup(v)
		assert.True(t, ok, "%q", v)
		assert.Equal(t, 3, l, "%q reads as the missing level", v)
		_, known := colour.Known(v)
		assert.False(t, known, "%q is not a level by name", v)
	}
	l, ok := size.Lookup("")
	assert.True(t, ok)
	assert.Equal(t, size.MostFrequent, l, "a column without missing cells imputes")

	// The missing level has its own indicator.
	x := make([]float64, tr.Width())
	require.NoError(t, tr.Encode(features.Row{Cat: []string{"", "S"}, Num: []float64{1, 2}}, x))
	names := tr.Names()
	for j, name := range names {
		if strings.HasPrefix(name, "colour=") {
			assert.Equal(t, name == "colour=(missing)", x[j] != 0, "%s = %g", name, x[j])
		}
	}
}

// TestMissingLevelUnderUnknownError: where an unseen level is an error, a
// missing value still reads as the missing level, an unseen one (its name
// included) is refused, and the allowed values do not offer it.
func TestMissingLevelUnderUnknownError(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	colour := &tr.Categorical[0]
	l, ok := colour.Lookup("NA")
	assert.True(t, ok)
	assert.Equal(t, 3, l)
	for _, v := range []string{"purple", "(missing)"} {
		err := tr.Check(features.Row{Cat: []string{v, "S"}, Num: []float64{1, 2}})
		var ps features.Problems
		require.ErrorAs(t, err, &ps, v)
		assert.Equal(t, features.Problems{{Field: "colour", Value: v, Reason: "unknown category", Allowed: []string{"blue", "green", "red"}}}, ps)
	}
}

// TestMissingLevelNameTaken: a real level named "(missing)" keeps its
// name and is matched by it; the missing level is "(missing)_".
func TestMissingLevelNameTaken(t *testing.T) {
	tr := fit(t, table(t, inferred, "colour,a,size,b,y\n(missing),1,S,1,0\nred,2,S,2,0\n,3,M,3,0\n"))
	c := &tr.Categorical[0]
	require.Equal(t, []string{"(missing)", "red", "(missing)_"}, c.Levels)
	assert.Equal(t, "(missing)_", c.Missing)
	l, ok := c.Known("(missing)")
	assert.True(t, ok)
	assert.Equal(t, 0, l, "the real level")
	l, _ = c.Lookup("")
	assert.Equal(t, 2, l, "a missing cell")
	assert.Equal(t, []string{"(missing)", "red"}, c.Choices())
}

// TestMissingLevelWithFoldedLevels: with rare levels folded, the missing
// level comes before the other level, which stays last.
func TestMissingLevelWithFoldedLevels(t *testing.T) {
	var b strings.Builder
	b.WriteString("colour,a,size,b,y\n")
	for i := range dataset.FoldAbove + 1 { // one more level than folds: every level but two is rare
		n := 1
		if i < 2 {
			n = dataset.RareLevel
		}
		for range n {
			fmt.Fprintf(&b, "l%02d,1,S,1,0\n", i)
		}
	}
	b.WriteString(",1,S,1,0\n,2,M,2,0\n")
	tr := fit(t, table(t, inferred, b.String()))
	c := &tr.Categorical[0]
	require.Equal(t, []string{"l00", "l01", "(missing)", "(other)"}, c.Levels)
	l, _ := c.Lookup("l07")
	assert.Equal(t, 3, l, "a folded level reads as the other level")
	l, _ = c.Lookup("")
	assert.Equal(t, 2, l)
	assert.Equal(t, 3, c.MostFrequent, "the other level: 31 rows")
	// Scales: l00 and l01 5 rows, missing 2, other 31, of 43.
	n := float64(2*dataset.RareLevel + dataset.FoldAbove - 1 + 2)
	for i, cnt := range []float64{dataset.RareLevel, dataset.RareLevel, 2, dataset.FoldAbove - 1} {
		p := cnt / n
		assert.InDelta(t, math.Sqrt(p*(1-p)), c.Scale[i], exact, c.Levels[i])
	}
}

// TestMissingLevelRoundTrip: the missing level survives model.json.
func TestMissingLevelRoundTrip(t *testing.T) {
	tr := fit(t, table(t, inferred, smallCSV))
	data, err := json.Marshal(tr)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"missing":"(missing)"`)
	assert.Equal(t, 1, strings.Count(string(data), `"missing":`), "only the column with missing cells says so: %s", data)
	var back features.Transform
	require.NoError(t, json.Unmarshal(data, &back))
	require.NoError(t, back.Init())
	require.NoError(t, back.Bind(inferred))
	l, ok := back.Categorical[0].Lookup("unseen")
	assert.True(t, ok)
	assert.Equal(t, 3, l)
}
