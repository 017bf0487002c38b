package model_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modeltest"
)

// trained fits OLS on generated rows and returns the model and its table.
func trained(t testing.TB, n int) (*model.Model, *dataset.Table) {
	t.Helper()
	return modeltest.Fit(t, "m", fmt.Sprintf("synthetic:%d", n), 3)
}

var reference = features.Row{
	Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"},
	Num: []float64{72, 74},
}

func TestEncodeDecodeRoundTripIsExact(t *testing.T) {
	m, tab := trained(t, 500)
	b, err := model.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := model.Load(b, model.Sum(b))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := model.Encode(back)
	if !bytes.Equal(b, again) {
		t.Fatal("re-encoding a decoded model changed its bytes")
	}
	want, err := m.PredictTable(tab)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.PredictTable(tab)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("row %d: decoded model predicts %v; original %v", i, got[i], want[i])
		}
	}
}

func TestPredictAgreesWithTransformThenEstimator(t *testing.T) {
	m, tab := trained(t, 500)
	rows, err := m.Transform.Rows(tab)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, m.Transform.Width())
	for i, r := range rows[:50] {
		if err := m.Transform.Encode(r, x); err != nil {
			t.Fatal(err)
		}
		want := m.Estimator.Linear.Predict(x)
		got, err := m.Predict(r)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Fatalf("row %d: Predict %v, %v; transform+estimator %v", i, got, err, want)
		}
	}
}

func TestPredictAllocatesNothing(t *testing.T) {
	m, _ := trained(t, 300)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := m.Predict(reference); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Predict allocates %v times per row; want 0", allocs)
	}
}

func TestPredictReportsEveryProblem(t *testing.T) {
	m, _ := trained(t, 300)
	// Trimmed, case-insensitive category matching is accepted.
	ok := features.Row{Cat: []string{" FEMALE ", "Group b", "bachelor's degree", "standard", "none"}, Num: []float64{72, 74}}
	a, err := m.Predict(ok)
	b, _ := m.Predict(reference)
	if err != nil || a != b {
		t.Fatalf("trimmed, case-folded categories: got %v, %v; want %v", a, err, b)
	}
	bad := features.Row{Cat: []string{"robot", "group B", "bachelor's degree", "caviar", "none"}, Num: []float64{101, math.Inf(1)}}
	_, err = m.Predict(bad)
	var ps features.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v; want features.Problems", err)
	}
	fields := []string{}
	for _, p := range ps {
		fields = append(fields, p.Field)
	}
	if got := strings.Join(fields, ","); got != "gender,lunch,reading_score,writing_score" {
		t.Fatalf("problem fields: got %s; want gender,lunch,reading_score,writing_score", got)
	}
	if len(ps[0].Allowed) != 2 || ps[0].Value != "robot" {
		t.Fatalf("gender problem: got %+v; want the value and the 2 allowed levels", ps[0])
	}
	if _, err := m.Predict(features.Row{Cat: []string{"female"}, Num: []float64{1}}); err == nil {
		t.Fatal("short row: got nil; want an error")
	}
}

func TestPredictBatch(t *testing.T) {
	m, _ := trained(t, 300)
	rows := []features.Row{reference, reference}
	out := make([]float64, 2)
	if err := m.PredictBatch(rows, out); err != nil || out[0] != out[1] {
		t.Fatalf("batch: %v, %v", out, err)
	}
	rows[1] = features.Row{Cat: []string{"x", "group B", "bachelor's degree", "standard", "none"}, Num: []float64{1, 2}}
	if err := m.PredictBatch(rows, out); err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Fatalf("bad second row: got %v; want an error naming row 2", err)
	}
	if err := m.PredictBatch(rows, out[:1]); err == nil {
		t.Fatal("short destination: got nil; want an error")
	}
}

func TestLoadRejectsCorruptModels(t *testing.T) {
	m, _ := trained(t, 300)
	good, _ := model.Encode(m)
	if _, err := model.Load(good, strings.Repeat("0", 64)); !errors.Is(err, model.ErrChecksum) {
		t.Fatalf("wrong sha256: got %v; want ErrChecksum", err)
	}
	mutate := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("fixture lacks %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	cases := map[string][]byte{
		"empty":          nil,
		"not json":       []byte("hello"),
		"trailing data":  append(append([]byte{}, good...), []byte("{}")...),
		"unknown field":  mutate(`"format": 1,`, `"format": 1, "extra": true,`),
		"wrong format":   mutate(`"format": 1,`, `"format": 99,`),
		"no estimator":   mutate(`"linear": {`, `"linearx": {`),
		"renamed column": mutate(`"name": "gender"`, `"name": "sex"`),
	}
	for name, data := range cases {
		if _, err := model.Load(data, model.Sum(data)); err == nil {
			t.Errorf("%s: got nil; want an error", name)
		}
	}
}
