package features_test

import (
	"math"
	"slices"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

const exact = 1e-12

func TestFitNumeric(t *testing.T) {
	tab := table(t, small, `colour,a,size,b,y
red,1,S,10,1
blue,5,M,,2
red,3,S,20,3
red,4,L,60,4
`)
	tr := fit(t, tab)
	if len(tr.Numeric) != 2 {
		t.Fatalf("got %d numeric transforms; want 2", len(tr.Numeric))
	}
	for _, tt := range []struct {
		got  features.Numeric
		want features.Numeric
	}{
		// a = 1 5 3 4: an even count, so the median is the mean of the
		// middle two, (3+4)/2; mean 3.25; Σd² = 8.75.
		{tr.Numeric[0], features.Numeric{Name: "a", Median: 3.5, Mean: 3.25, Scale: math.Sqrt(8.75 / 4)}},
		// b = 10 _ 20 60: the median of the three present values is 20,
		// and it fills the gap before scaling, so the scaler sees
		// 10 20 20 60: mean 27.5 (not 30, the mean of the present values),
		// Σd² = 1475.
		{tr.Numeric[1], features.Numeric{Name: "b", Median: 20, Mean: 27.5, Scale: math.Sqrt(1475.0 / 4)}},
	} {
		g, w := tt.got, tt.want
		if g.Name != w.Name || !near(g.Median, w.Median, exact) || !near(g.Mean, w.Mean, exact) || !near(g.Scale, w.Scale, exact) {
			t.Errorf("got %+v; want %+v", g, w)
		}
	}
}

func TestFitMedianOdd(t *testing.T) {
	tr := fit(t, table(t, small, "colour,a,size,b,y\nx,7,s,1,0\nx,1,s,2,0\nx,4,s,100,0\n"))
	if got := tr.Numeric[0].Median; got != 4 {
		t.Errorf("median of 7 1 4: got %g; want 4", got)
	}
	if got := tr.Numeric[1].Median; got != 2 {
		t.Errorf("median of 1 2 100: got %g; want 2", got)
	}
}

func TestFitConstantColumns(t *testing.T) {
	// A constant score gets scale 1 (not 0), as StandardScaler does, so it
	// encodes as 0 rather than NaN; a category with one level likewise
	// gets scale 1 and encodes as 1.
	tab := table(t, small, "colour,a,size,b,y\nred,5,S,1,0\nred,5,S,2,0\nred,5,S,3,0\n")
	tr := fit(t, tab)
	a := tr.Numeric[0]
	if a.Mean != 5 || a.Median != 5 || a.Scale != 1 {
		t.Errorf("constant score: got %+v; want median 5, mean 5, scale 1", a)
	}
	for _, c := range tr.Categorical {
		if !slices.Equal(c.Scale, []float64{1}) {
			t.Errorf("%s: one level, scales %v; want [1]", c.Name, c.Scale)
		}
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		t.Fatalf("Matrix: %v", err)
	}
	for i := range 3 {
		if got := X.RawRowView(i); got[0] != 0 || got[2] != 1 || got[3] != 1 {
			t.Errorf("row %d: got %v; want a = 0 and both indicators 1", i, got)
		}
	}
}

func TestFitCategorical(t *testing.T) {
	tab := table(t, small, `colour,a,size,b,y
red,1,S,1,0
blue,2,M,2,0
red,3,S,3,0
,4,L,4,0
`)
	tr := fit(t, tab)
	if len(tr.Categorical) != 2 {
		t.Fatalf("got %d categorical transforms; want 2", len(tr.Categorical))
	}
	q := math.Sqrt(0.25 * 0.75)
	for _, tt := range []struct {
		got  features.Categorical
		want features.Categorical
	}{
		// colour: red 2, blue 1, one missing imputed as red; after
		// imputation red is 3/4 and blue 1/4 of the rows, and each
		// indicator's population sd is √(p(1−p)).
		{tr.Categorical[0], features.Categorical{Name: "colour", Levels: []string{"blue", "red"}, MostFrequent: 1, Scale: []float64{q, q}}},
		// size: levels sorted, not in order of appearance; S twice.
		{tr.Categorical[1], features.Categorical{Name: "size", Levels: []string{"L", "M", "S"}, MostFrequent: 2, Scale: []float64{q, q, 0.5}}},
	} {
		g, w := tt.got, tt.want
		if g.Name != w.Name || !slices.Equal(g.Levels, w.Levels) || g.MostFrequent != w.MostFrequent {
			t.Errorf("got %s levels %q, most frequent %d; want %s levels %q, most frequent %d",
				g.Name, g.Levels, g.MostFrequent, w.Name, w.Levels, w.MostFrequent)
		}
		checkNear(t, g.Name+" scale", g.Scale, w.Scale, exact)
	}
}

func TestFitMostFrequentTieGoesToSmallestLevel(t *testing.T) {
	for _, tt := range []struct {
		name   string
		values []string
		want   string
	}{
		{"two-way tie, larger seen first", []string{"b", "a", "b", "a"}, "a"},
		{"three-way tie", []string{"pear", "fig", "apple", "fig", "apple", "pear"}, "apple"},
		{"byte order: upper case sorts first", []string{"b", "B", "b", "B"}, "B"},
		{"no tie", []string{"a", "b", "b"}, "b"},
		{"missing does not count", []string{"a", "", "", "b", "b"}, "b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			csv := "colour,a,size,b,y\n"
			for _, v := range tt.values {
				csv += v + ",1,s,1,0\n"
			}
			c := fit(t, table(t, small, csv)).Categorical[0]
			if got := c.Levels[c.MostFrequent]; got != tt.want {
				t.Errorf("most frequent of %q: got %q; want %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestFitOutputLayout(t *testing.T) {
	tr := fit(t, table(t, small, "colour,a,size,b,y\nred,1,S,1,0\nblue,2,M,2,0\n"))
	want := []string{"a", "b", "colour=blue", "colour=red", "size=M", "size=S"}
	if got := tr.Names(); !slices.Equal(got, want) {
		t.Errorf("Names: got %q; want %q", got, want)
	}
	if got := tr.Width(); got != len(want) {
		t.Errorf("Width: got %d; want %d", got, len(want))
	}
}

func TestFitStudentsStandardises(t *testing.T) {
	// On its own training rows the design is standardised the way
	// StandardScaler leaves it: scores with mean 0 and population sd 1,
	// indicators uncentred with sd 1.
	tab := readStudents(t, "train.csv")
	tr := fit(t, tab)
	if got, want := tr.Width(), 2+2+5+6+2+2; got != want {
		t.Fatalf("Width: got %d; want %d", got, want)
	}
	X, err := tr.Matrix(tab)
	if err != nil {
		t.Fatalf("Matrix: %v", err)
	}
	n, w := X.Dims()
	names := tr.Names()
	for j := range w {
		var mean, ss float64
		for i := range n {
			mean += X.At(i, j)
		}
		mean /= float64(n)
		for i := range n {
			ss += (X.At(i, j) - mean) * (X.At(i, j) - mean)
		}
		if sd := math.Sqrt(ss / float64(n)); !near(sd, 1, 1e-12) {
			t.Errorf("column %s: sd %.15g; want 1", names[j], sd)
		}
		if j < len(tr.Numeric) && !near(mean, 0, 1e-12) {
			t.Errorf("column %s: mean %.3g; want 0", names[j], mean)
		}
	}
}

func TestFitErrors(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		tab  *dataset.Table
	}{
		{"no rows", &dataset.Table{Schema: small, Cols: []dataset.Col{
			{Codes: []int32{}, Levels: []string{}}, {Values: []float64{}}, {Codes: []int32{}, Levels: []string{}}, {Values: []float64{}},
		}, Target: []float64{}}},
		{"score column all missing", &dataset.Table{Schema: small, Cols: []dataset.Col{
			{Codes: []int32{0, 0}, Levels: []string{"red"}}, {Values: []float64{nan, nan}},
			{Codes: []int32{0, 0}, Levels: []string{"S"}}, {Values: []float64{1, 2}},
		}, Target: []float64{0, 0}}},
		{"category all missing", &dataset.Table{Schema: small, Cols: []dataset.Col{
			{Codes: []int32{-1, -1}, Levels: []string{}}, {Values: []float64{1, 2}},
			{Codes: []int32{0, 0}, Levels: []string{"S"}}, {Values: []float64{1, 2}},
		}, Target: []float64{0, 0}}},
		{"unknown column kind", &dataset.Table{
			Schema: dataset.Schema{Features: []dataset.Column{{Name: "odd", Kind: 9}}},
			Cols:   []dataset.Col{{Values: []float64{1}}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("Fit panicked: %v", r)
				}
			}()
			if tr, err := features.Fit(tt.tab); err == nil {
				t.Errorf("Fit = %+v, nil error; want an error", tr)
			}
		})
	}
}

func TestReferenceEncoding(t *testing.T) {
	// The reference record (female, group B, bachelor's degree, standard,
	// none, reading 72, writing 74) through transforms fitted on train.csv,
	// against scikit-learn 1.2.1's ColumnTransformer of the Python original
	// fitted on the same file (its column order is the same: scores, then
	// each category's levels sorted).
	tr := fit(t, readStudents(t, "train.csv"))
	row := features.Row{
		Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"},
		Num: []float64{72, 74},
	}
	want := []float64{
		0.16917499713535575, 0.3677223936775275, // reading, writing
		2.0027619608040634, 0, // gender
		0, 2.542682483758307, 0, 0, 0, // race_ethnicity
		0, 3.0772872744833184, 0, 0, 0, 0, // parental_level_of_education
		0, 2.1018380893590125, // lunch
		0, 2.0983069722471255, // test_preparation_course
	}
	got := make([]float64, tr.Width())
	if err := tr.Encode(row, got); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	checkNear(t, "encoded reference record", got, want, 1e-12)
}
