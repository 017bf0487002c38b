package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// indexTable returns a table of n rows whose target is the row number.
func indexTable(n int) *Table {
	s := Schema{Features: []Column{{"c", Category}, {"x", Score}}, Target: "y"}
	t := &Table{Schema: s, Cols: make([]Col, 2), Target: make([]float64, n)}
	t.Cols[0].Levels = []string{"even", "odd"}
	for i := range n {
		t.Cols[0].Codes = append(t.Cols[0].Codes, int32(i%2))
		t.Cols[1].Values = append(t.Cols[1].Values, float64(i)/2)
		t.Target[i] = float64(i)
	}
	return t
}

func TestSplit(t *testing.T) {
	tests := []struct {
		n               int
		fraction        float64
		wantTrain, want int
	}{
		{1000, 0.2, 800, 200},
		{1000, 0.25, 750, 250},
		{10, 0.01, 9, 1},
		{10, 0.15, 8, 2}, // ceil(1.5)
		{2, 0.5, 1, 1},
		{7, 0.99, 0, 0}, // error: train would be empty
	}
	for _, tt := range tests {
		tab := indexTable(tt.n)
		train, test, err := Split(tab, tt.fraction, 42)
		if tt.want == 0 {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Split(%d rows, %v): got %v; want ErrInvalid", tt.n, tt.fraction, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Split(%d rows, %v): %v", tt.n, tt.fraction, err)
		}
		if train.Len() != tt.wantTrain || test.Len() != tt.want {
			t.Errorf("Split(%d rows, %v): got %d/%d; want %d/%d", tt.n, tt.fraction, train.Len(), test.Len(), tt.wantTrain, tt.want)
		}
		// Disjoint and complete; every row intact.
		seen := make([]int, tt.n)
		for _, part := range []*Table{train, test} {
			for i, y := range part.Target {
				r := int(y)
				seen[r]++
				if part.Cols[0].Codes[i] != int32(r%2) || part.Cols[1].Values[i] != float64(r)/2 {
					t.Errorf("row %d was not kept together", r)
				}
			}
		}
		for r, k := range seen {
			if k != 1 {
				t.Errorf("Split(%d rows, %v): row %d appears %d times; want once", tt.n, tt.fraction, r, k)
			}
		}
	}
}

func TestSplitDeterministic(t *testing.T) {
	tab := indexTable(1000)
	train1, test1, _ := Split(tab, 0.2, 7)
	train2, test2, _ := Split(tab, 0.2, 7)
	_, test3, _ := Split(tab, 0.2, 8)
	if !slices.Equal(train1.Target, train2.Target) || !slices.Equal(test1.Target, test2.Target) {
		t.Errorf("two splits with seed 7 differ")
	}
	if slices.Equal(test1.Target, test3.Target) {
		t.Errorf("splits with seeds 7 and 8 are equal")
	}
	// The documented recipe: test is the start of the permutation, train
	// the rest, both in permutation order.
	perm := rand.New(rand.NewPCG(7, 7)).Perm(1000)
	for i, r := range perm {
		var got float64
		if i < 200 {
			got = test1.Target[i]
		} else {
			got = train1.Target[i-200]
		}
		if got != float64(r) {
			t.Fatalf("position %d of the permutation: got row %v; want %d", i, got, r)
		}
	}
}

func TestSplitBadFraction(t *testing.T) {
	tab := indexTable(10)
	for _, f := range []float64{0, 1, -0.1, 1.5, math.NaN()} {
		if _, _, err := Split(tab, f, 1); err == nil || errors.Is(err, ErrInvalid) {
			t.Errorf("Split(fraction %v): got %v; want a non-ErrInvalid error", f, err)
		}
	}
	if _, _, err := Split(indexTable(1), 0.5, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Split(1 row): got %v; want ErrInvalid", err)
	}
	if _, _, err := Split(indexTable(0), 0.5, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Split(0 rows): got %v; want ErrInvalid", err)
	}
}
