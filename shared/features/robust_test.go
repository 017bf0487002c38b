package features_test

import (
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

func TestLookupPrefersTrimmedExactOverCaseFolded(t *testing.T) {
	c := features.Categorical{Name: "c", Levels: []string{"A", "a"}, Scale: []float64{1, 1}}
	tr := &features.Transform{Categorical: []features.Categorical{c}}
	if err := tr.Init(); err != nil {
		t.Fatal(err)
	}
	if got, _ := tr.Categorical[0].Lookup(" a "); got != 1 {
		t.Fatalf(`Lookup(" a ") = level %d; want 1 ("a", exact after trimming)`, got)
	}
	if got, _ := tr.Categorical[0].Lookup(" A"); got != 0 {
		t.Fatalf(`Lookup(" A") = level %d; want 0`, got)
	}
}

func TestCorruptTableCodesAreErrorsNotPanics(t *testing.T) {
	s := dataset.Schema{Features: []dataset.Column{{Name: "c", Kind: dataset.Category}}, Target: "y"}
	bad := &dataset.Table{Schema: s, Cols: []dataset.Col{{Codes: []int32{0, 5}, Levels: []string{"x"}}}, Target: []float64{1, 2}}
	if _, err := features.Fit(bad); err == nil {
		t.Fatal("Fit on a code with no level: got nil; want an error")
	}
	good := &dataset.Table{Schema: s, Cols: []dataset.Col{{Codes: []int32{0}, Levels: []string{"x"}}}, Target: []float64{1}}
	tr, err := features.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Matrix(bad); err == nil {
		t.Fatal("Matrix on a code with no level: got nil; want an error")
	}
	if _, err := tr.Rows(bad); err == nil {
		t.Fatal("Rows on a code with no level: got nil; want an error")
	}
}
