package features_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"gonum.org/v1/gonum/mat"
)

// smallCSV has every kind of cell: missing scores and categories, levels
// in no particular order.
const smallCSV = `colour,a,size,b,y
red,1,S,10,1
blue,5,M,,2
red,3,S,20,3
,4,L,60,4
green,,M,15,5
`

// referenceRow is the Python original's example record in the Students
// transform's order: gender, race_ethnicity, parental_level_of_education,
// lunch, test_preparation_course; reading_score, writing_score.
var referenceRow = features.Row{
	Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"},
	Num: []float64{72, 74},
}

// encodeAll encodes every row of tab one at a time.
func encodeAll(tb testing.TB, tr *features.Transform, tab *dataset.Table) *mat.Dense {
	tb.Helper()
	rows, err := tr.Rows(tab)
	require.NoError(tb, err, "Rows")
	out := mat.NewDense(len(rows), tr.Width(), nil)
	for i, r := range rows {
		require.NoError(tb, tr.Encode(r, out.RawRowView(i)), "Encode(row %d %+v)", i+1, r)
	}
	return out
}

// checkEncodeAgreesWithMatrix checks that Matrix(tab) equals encoding its
// rows one by one.
func checkEncodeAgreesWithMatrix(t *testing.T, tr *features.Transform, tab *dataset.Table) {
	t.Helper()
	X, err := tr.Matrix(tab)
	require.NoError(t, err, "Matrix")
	byRow := encodeAll(t, tr, tab)
	assert.True(t, mat.Equal(X, byRow), "Matrix:\n%v\nEncode, row by row:\n%v", mat.Formatted(X), mat.Formatted(byRow))
}

func TestEncodeAgreesWithMatrix(t *testing.T) {
	train := table(t, small, smallCSV)
	tr := fit(t, train)
	// Another table with the same levels first seen in another order (so
	// its codes differ from the training table's), one in another case,
	// and missing cells.
	other := table(t, small, `colour,a,size,b,y
green,100,L,0,0
RED,,M,,0
,50,S,33,0
blue,0,,7,0
`)
	for _, tt := range []struct {
		name string
		tab  *dataset.Table
	}{{"training rows", train}, {"other rows", other}} {
		t.Run(tt.name, func(t *testing.T) { checkEncodeAgreesWithMatrix(t, tr, tt.tab) })
	}

	// And by hand, for the second row of other: RED matches red, the
	// missing a is imputed with its median, M is M.
	X, err := tr.Matrix(other)
	require.NoError(t, err)
	a, b := tr.Numeric[0], tr.Numeric[1]
	colour, size := tr.Categorical[0], tr.Categorical[1]
	want := make([]float64, tr.Width())
	want[0] = (a.Median - a.Mean) / a.Scale
	want[1] = (b.Median - b.Mean) / b.Scale
	want[2+slices.Index(colour.Levels, "red")] = 1 / colour.Scale[slices.Index(colour.Levels, "red")]
	want[2+len(colour.Levels)+slices.Index(size.Levels, "M")] = 1 / size.Scale[slices.Index(size.Levels, "M")]
	assert.InDeltaSlice(t, want, X.RawRowView(1), exact, "other row 2")
}

func TestEncodeAgreesWithMatrixStudents(t *testing.T) {
	// The embedded sample, split as train splits it.
	train, test := modeltest.Split(t, "sample", 42)
	tr := fit(t, train)
	checkEncodeAgreesWithMatrix(t, tr, test)

	// The reference record by hand from the fitted parameters: each score
	// standardised, each category's one indicator divided by its scale.
	want := make([]float64, tr.Width())
	for j, n := range tr.Numeric {
		want[j] = (referenceRow.Num[j] - n.Mean) / n.Scale
	}
	k := len(tr.Numeric)
	for i, c := range tr.Categorical {
		l := slices.Index(c.Levels, referenceRow.Cat[i])
		require.GreaterOrEqual(t, l, 0, "level %q of %s not in the sample", referenceRow.Cat[i], c.Name)
		want[k+l] = 1 / c.Scale[l]
		k += len(c.Levels)
	}
	got := make([]float64, tr.Width())
	require.NoError(t, tr.Encode(referenceRow, got))
	assert.InDeltaSlice(t, want, got, exact, "encoded reference record")
}

func TestEncodeErrors(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	valid := features.Row{Cat: []string{"red", "S"}, Num: []float64{1, 2}}
	for _, tt := range []struct {
		name string
		row  features.Row
		dst  int
	}{
		{"short destination", valid, tr.Width() - 1},
		{"long destination", valid, tr.Width() + 1},
		{"unknown category", features.Row{Cat: []string{"purple", "S"}, Num: []float64{1, 2}}, tr.Width()},
		{"score out of range", features.Row{Cat: []string{"red", "S"}, Num: []float64{101, 2}}, tr.Width()},
		{"too few categories", features.Row{Cat: []string{"red"}, Num: []float64{1, 2}}, tr.Width()},
		{"too many scores", features.Row{Cat: []string{"red", "S"}, Num: []float64{1, 2, 3}}, tr.Width()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float64, tt.dst)
			assert.Error(t, tr.Encode(tt.row, dst), "Encode(%+v) into %d columns", tt.row, tt.dst)
		})
	}
}

func TestEncodeAllocatesNothing(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	dst := make([]float64, tr.Width())
	for _, tt := range []struct {
		name string
		row  features.Row
	}{
		{"exact", features.Row{Cat: []string{"green", "M"}, Num: []float64{72, 74}}},
		{"trimmed and case-folded", features.Row{Cat: []string{" Green ", "m"}, Num: []float64{0, 100}}},
		{"missing", features.Row{Cat: []string{"", " "}, Num: []float64{math.NaN(), math.NaN()}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(100, func() { err = tr.Encode(tt.row, dst) })
			require.NoError(t, err, "Encode")
			assert.Zero(t, allocs, "allocations of Encode per row")
		})
	}
}

func TestLookup(t *testing.T) {
	tr := fit(t, table(t, small, "colour,a,size,b,y\nred,1,S,1,0\nBlue,1,S,1,0\nred,1,S,1,0\ngreen Grey,1,S,1,0\n"))
	c := &tr.Categorical[0] // levels Blue, green Grey, red; red most frequent
	require.Equal(t, []string{"Blue", "green Grey", "red"}, c.Levels)
	require.Equal(t, 2, c.MostFrequent)
	for _, tt := range []struct {
		value  string
		want   int
		wantOK bool
	}{
		{"red", 2, true},
		{"Blue", 0, true},
		{"green Grey", 1, true},
		{"  red\t", 2, true},       // trimmed
		{"RED", 2, true},           // case ignored
		{"blue", 0, true},          // case ignored
		{" GREEN GREY ", 1, true},  // both
		{"", 2, true},              // missing: the most frequent
		{"   ", 2, true},           // blank is missing too
		{"purple", -1, false},      // unknown
		{"greengrey", -1, false},   // inner spaces matter
		{"green  Grey", -1, false}, // inner spaces are not collapsed
		{"re d", -1, false},        // nor removed
		{"redd", -1, false},        // no prefix matching
	} {
		got, ok := c.Lookup(tt.value)
		assert.Equal(t, tt.want, got, "Lookup(%q) level", tt.value)
		assert.Equal(t, tt.wantOK, ok, "Lookup(%q) ok", tt.value)
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	row := features.Row{
		Cat: []string{"purple", "XL"},
		Num: []float64{-1, math.Inf(1)},
	}
	err := tr.Check(row)
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
	want := features.Problems{
		{Field: "colour", Value: "purple", Reason: "unknown category", Allowed: []string{"blue", "green", "red"}},
		{Field: "size", Value: "XL", Reason: "unknown category", Allowed: []string{"L", "M", "S"}},
		{Field: "a", Value: "-1", Reason: "must be between 0 and 100"},
		{Field: "b", Value: "+Inf", Reason: "must be a finite number"},
	}
	assert.Equal(t, want, ps)
	for _, s := range []string{`field "colour", value "purple": unknown category (allowed: "blue", "green", "red")`, `field "b", value "+Inf": must be a finite number`, "; "} {
		assert.ErrorContains(t, err, s)
	}

	// Encode refuses the same row with the same problems.
	err = tr.Encode(row, make([]float64, tr.Width()))
	require.ErrorAs(t, err, &ps, "Encode")
	assert.Len(t, ps, 4, "Encode: want the 4 problems")
}

func TestCheck(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	for _, tt := range []struct {
		name     string
		row      features.Row
		problems int // -1: an error that is not Problems
	}{
		{"valid", features.Row{Cat: []string{"red", "S"}, Num: []float64{0, 100}}, 0},
		{"missing everything", features.Row{Cat: []string{"", ""}, Num: []float64{math.NaN(), math.NaN()}}, 0},
		{"case and spaces", features.Row{Cat: []string{" RED", "s "}, Num: []float64{50, 50}}, 0},
		{"just above range", features.Row{Cat: []string{"red", "S"}, Num: []float64{100.0001, 50}}, 1},
		{"negative infinity", features.Row{Cat: []string{"red", "S"}, Num: []float64{50, math.Inf(-1)}}, 1},
		{"one unknown category", features.Row{Cat: []string{"red", "XS"}, Num: []float64{50, 50}}, 1},
		{"wrong number of fields", features.Row{Cat: []string{"red"}, Num: []float64{50}}, -1},
		{"nothing at all", features.Row{}, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tr.Check(tt.row)
			var ps features.Problems
			switch {
			case tt.problems == 0:
				assert.NoError(t, err)
			case tt.problems > 0:
				require.ErrorAs(t, err, &ps)
				assert.Len(t, ps, tt.problems)
			default:
				require.Error(t, err)
				assert.NotErrorAs(t, err, &ps, "want an error that is not a list of problems")
			}
		})
	}
}

func TestMatrixErrors(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV))
	noSize := dataset.Schema{Features: []dataset.Column{small.Features[0], small.Features[1], small.Features[3]}}
	noB := dataset.Schema{Features: small.Features[:3]}
	for _, tt := range []struct {
		name     string
		tab      *dataset.Table
		problems bool // the error carries Problems
	}{
		{"unknown level", table(t, small, "colour,a,size,b,y\nred,1,S,1,0\npurple,1,S,1,0\n"), true},
		{"missing category column", table(t, noSize, "colour,a,b\nred,1,1\n"), false},
		{"missing score column", table(t, noB, "colour,a,size\nred,1,S\n"), false},
		{"score out of range", &dataset.Table{Schema: small, Cols: []dataset.Col{
			{Codes: []int32{0}, Levels: []string{"red"}}, {Values: []float64{150}},
			{Codes: []int32{0}, Levels: []string{"S"}}, {Values: []float64{1}},
		}, Target: []float64{0}}, true},
		{"no rows", &dataset.Table{Schema: small, Cols: make([]dataset.Col, 4), Target: []float64{}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			X, err := tr.Matrix(tt.tab)
			require.Error(t, err, "Matrix = %v", X)
			var ps features.Problems
			if tt.problems {
				assert.ErrorAs(t, err, &ps)
			} else {
				assert.NotErrorAs(t, err, &ps)
			}
		})
	}
	// The unknown level is named with its row.
	_, err := tr.Matrix(table(t, small, "colour,a,size,b,y\nred,1,S,1,0\npurple,1,S,1,0\n"))
	assert.ErrorContains(t, err, `"purple"`)
	assert.ErrorContains(t, err, "row 2")
}

func TestRows(t *testing.T) {
	tab := table(t, small, smallCSV)
	tr := fit(t, tab)
	rows, err := tr.Rows(tab)
	require.NoError(t, err)
	require.Len(t, rows, 5)
	// Row 4 is ",4,L,60": colour missing stays "" (Encode imputes it).
	assert.Equal(t, features.Row{Cat: []string{"", "L"}, Num: []float64{4, 60}}, rows[3], "row 4")
	assert.True(t, math.IsNaN(rows[4].Num[0]), "row 5: a = %g; want NaN (missing)", rows[4].Num[0])
}

// validTransform returns a fresh, valid, initialised transform built by
// hand, for Init to check once it is corrupted.
func validTransform() *features.Transform {
	return &features.Transform{
		Numeric: []features.Numeric{{Name: "a", Median: 3, Mean: 2.5, Scale: 1.5}},
		Categorical: []features.Categorical{
			{Name: "colour", Levels: []string{"blue", "red"}, MostFrequent: 1, Scale: []float64{0.5, 0.5}},
		},
	}
}

func TestInit(t *testing.T) {
	require.NoError(t, validTransform().Init(), "Init(valid)")
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name    string
		corrupt func(*features.Transform)
	}{
		{"numeric: no name", func(t *features.Transform) { t.Numeric[0].Name = "" }},
		{"numeric: NaN scale", func(t *features.Transform) { t.Numeric[0].Scale = nan }},
		{"numeric: zero scale", func(t *features.Transform) { t.Numeric[0].Scale = 0 }},
		{"numeric: negative scale", func(t *features.Transform) { t.Numeric[0].Scale = -1 }},
		{"numeric: infinite scale", func(t *features.Transform) { t.Numeric[0].Scale = inf }},
		{"numeric: NaN mean", func(t *features.Transform) { t.Numeric[0].Mean = nan }},
		{"numeric: infinite median", func(t *features.Transform) { t.Numeric[0].Median = -inf }},
		{"categorical: no name", func(t *features.Transform) { t.Categorical[0].Name = "" }},
		{"categorical: no levels", func(t *features.Transform) {
			t.Categorical[0].Levels, t.Categorical[0].Scale, t.Categorical[0].MostFrequent = nil, nil, 0
		}},
		{"categorical: duplicate level", func(t *features.Transform) { t.Categorical[0].Levels = []string{"red", "red"} }},
		{"categorical: fewer scales than levels", func(t *features.Transform) { t.Categorical[0].Scale = []float64{0.5} }},
		{"categorical: more scales than levels", func(t *features.Transform) { t.Categorical[0].Scale = []float64{0.5, 0.5, 0.5} }},
		{"categorical: most frequent negative", func(t *features.Transform) { t.Categorical[0].MostFrequent = -1 }},
		{"categorical: most frequent past the end", func(t *features.Transform) { t.Categorical[0].MostFrequent = 2 }},
		{"categorical: NaN scale", func(t *features.Transform) { t.Categorical[0].Scale[1] = nan }},
		{"categorical: zero scale", func(t *features.Transform) { t.Categorical[0].Scale[0] = 0 }},
		{"categorical: infinite scale", func(t *features.Transform) { t.Categorical[0].Scale[0] = inf }},
		{"categorical: missing level not a level", func(t *features.Transform) { t.Categorical[0].Missing = "(missing)" }},
		{"categorical: missing level the most frequent", func(t *features.Transform) { t.Categorical[0].Missing = "red" }},
		{"categorical: missing level where the other level goes", func(t *features.Transform) {
			t.Categorical[0].Missing, t.Categorical[0].MostFrequent, t.Categorical[0].Folded = "red", 0, []string{"pink"}
		}},
		{"categorical: folded level is the missing one", func(t *features.Transform) {
			c := &t.Categorical[0]
			c.Levels, c.Scale, c.Missing, c.Folded = []string{"blue", "(missing)", "(other)"}, []float64{1, 1, 1}, "(missing)", []string{"(missing)"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := validTransform()
			tt.corrupt(tr)
			var err error
			require.NotPanics(t, func() { err = tr.Init() })
			assert.Error(t, err, "Init(%+v)", *tr)
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	// A transform saved in a model and decoded again encodes the same once
	// Init has rebuilt its lookup tables.
	tr := fit(t, table(t, small, smallCSV))
	data, err := json.Marshal(tr)
	require.NoError(t, err)
	var back features.Transform
	require.NoError(t, json.Unmarshal(data, &back))
	require.NoError(t, back.Init(), "Init(decoded)")
	for _, r := range []features.Row{
		{Cat: []string{"red", "S"}, Num: []float64{1, 2}},
		{Cat: []string{" Green", ""}, Num: []float64{math.NaN(), 100}},
	} {
		want := make([]float64, tr.Width())
		got := make([]float64, back.Width())
		require.NoError(t, tr.Encode(r, want))
		require.NoError(t, back.Encode(r, got), "Encode(decoded)")
		assert.Equal(t, want, got, "row %+v: the decoded transform encodes differently", r)
	}
}

// TestCodes: a table's codes become the transform's level indices whatever
// order the table met its levels in, a differently cased or spaced value
// finds its level, a missing cell takes the missing level of a column
// that had missing cells in training (colour) and the most frequent level
// of one that had none (size), and an unknown value is a Problems error
// naming its column, value and row.
func TestCodes(t *testing.T) {
	tr := fit(t, table(t, small, smallCSV)) // colour: blue, green, red, (missing); size: L, M, S
	codes, err := tr.Codes(table(t, small, "colour,a,size,b,y\ngreen,1,S,1,0\n RED ,1,m,1,0\n,1,L,1,0\nblue,1,,1,0\n"))
	require.NoError(t, err)
	colour, size := tr.Categorical[0], tr.Categorical[1]
	require.Equal(t, []string{"blue", "green", "red", "(missing)"}, colour.Levels)
	require.Equal(t, []string{"L", "M", "S"}, size.Levels)
	assert.Equal(t, [][]int{{1, 2, 3, 0}, {2, 1, 0, size.MostFrequent}}, codes)

	_, err = tr.Codes(table(t, small, "colour,a,size,b,y\nred,1,S,1,0\nred,1,XL,1,0\n"))
	var ps features.Problems
	require.ErrorAs(t, err, &ps)
	assert.Equal(t, features.Problems{{Field: "size", Value: "XL", Reason: "unknown category (row 2)", Allowed: size.Levels}}, ps)
}
