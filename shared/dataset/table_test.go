package dataset

import (
	"math"
	"slices"
	"testing"
)

func TestSubset(t *testing.T) {
	tab := indexTable(5)
	tab.Cols[1].Values[3] = math.NaN()
	tab.Cols[0].Codes[4] = -1
	sub := tab.Subset([]int{4, 0, 3, 0})
	if got := sub.Len(); got != 4 {
		t.Fatalf("got %d rows; want 4", got)
	}
	if got, want := sub.Target, []float64{4, 0, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("target: got %v; want %v", got, want)
	}
	if got, want := sub.Cols[0].Codes, []int32{-1, 0, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("codes: got %v; want %v", got, want)
	}
	v := sub.Cols[1].Values
	if v[0] != 2 || v[1] != 0 || !math.IsNaN(v[2]) || v[3] != 0 {
		t.Errorf("values: got %v; want [2 0 NaN 0]", v)
	}
	if !slices.Equal(sub.Cols[0].Levels, tab.Cols[0].Levels) {
		t.Errorf("levels: got %q; want %q", sub.Cols[0].Levels, tab.Cols[0].Levels)
	}
	// The subset is a copy.
	sub.Target[0], sub.Cols[0].Codes[1], sub.Cols[1].Values[1], sub.Cols[0].Levels[0] = 99, 1, 99, "x"
	if tab.Target[4] != 4 || tab.Cols[0].Codes[0] != 0 || tab.Cols[1].Values[0] != 0 || tab.Cols[0].Levels[0] != "even" {
		t.Errorf("changing the subset changed the table")
	}
	if got := tab.Subset(nil).Len(); got != 0 {
		t.Errorf("Subset(nil): got %d rows; want 0", got)
	}
}

func TestLenWithoutTarget(t *testing.T) {
	tab := indexTable(3)
	tab.Target = nil
	tab.Schema.Target = ""
	if got := tab.Len(); got != 3 {
		t.Errorf("got %d; want 3", got)
	}
	if got := tab.Subset([]int{2}); got.Target != nil || got.Len() != 1 {
		t.Errorf("Subset of a table without target: got target %v, %d rows; want nil, 1", got.Target, got.Len())
	}
	if got := (&Table{}).Len(); got != 0 {
		t.Errorf("empty table: got %d; want 0", got)
	}
}

func TestSchema(t *testing.T) {
	if got := Students.Index("reading_score"); got != 5 {
		t.Errorf("Index(reading_score): got %d; want 5", got)
	}
	if got := Students.Index("math_score"); got != -1 {
		t.Errorf("Index(math_score): got %d; want -1 (the target is not a feature)", got)
	}
	for k, want := range map[Kind]string{Category: "category", Score: "score", 0: "Kind(0)", 9: "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String(): got %q; want %q", k, got, want)
		}
	}
	if err := Students.check(); err != nil {
		t.Errorf("Students.check(): %v", err)
	}
}

func TestKindText(t *testing.T) {
	for _, k := range []Kind{Category, Score} {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Kind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Fatalf("round trip of %v: got %v, %v", k, back, err)
		}
	}
	if _, err := Kind(9).MarshalText(); err == nil {
		t.Fatal("MarshalText of an unknown kind: got nil; want an error")
	}
	var k Kind
	if err := k.UnmarshalText([]byte("banana")); err == nil {
		t.Fatal(`UnmarshalText("banana"): got nil; want an error`)
	}
}
