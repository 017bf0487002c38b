package dataset

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	in := header +
		"female,group B,x,standard,none,70,60,\n" +
		"male,group B,x,standard,none,80,,50\n" +
		",group A,x,standard,none,90,100,\n" +
		"male,group C,x,standard,none,100,80,\n"
	tab, err := Read(strings.NewReader(in), Students)
	if err != nil {
		t.Fatal(err)
	}
	st := Describe(tab)
	if st.Rows != 4 || len(st.Columns) != 8 {
		t.Fatalf("got %d rows, %d columns; want 4, 8", st.Rows, len(st.Columns))
	}
	gender := st.Columns[0]
	want := ColumnStats{Name: "gender", Kind: Category, Missing: 1, Counts: []LevelCount{{"male", 2}, {"female", 1}}}
	if !reflect.DeepEqual(gender, want) {
		t.Errorf("gender: got %+v; want %+v", gender, want)
	}
	race := st.Columns[1].Counts
	if want := []LevelCount{{"group B", 2}, {"group A", 1}, {"group C", 1}}; !reflect.DeepEqual(race, want) {
		t.Errorf("race counts: got %v; want %v (count desc, then name)", race, want)
	}
	reading := st.Columns[5]
	// 60, 100, 80: mean 80, population sd sqrt(800/3).
	if reading.Name != "reading_score" || reading.Kind != Score || reading.Missing != 1 ||
		reading.Mean != 80 || math.Abs(reading.Std-math.Sqrt(800.0/3)) > 1e-12 || reading.Min != 60 || reading.Max != 100 || reading.Counts != nil {
		t.Errorf("reading: got %+v; want mean 80, sd %.4f, min 60, max 100, 1 missing", reading, math.Sqrt(800.0/3))
	}
	writing := st.Columns[6]
	if writing.Missing != 3 || writing.Mean != 50 || writing.Std != 0 {
		t.Errorf("writing: got %+v; want mean 50, sd 0, 3 missing", writing)
	}
	target := st.Columns[7]
	if target.Name != "math_score" || target.Kind != Score || target.Mean != 85 || target.Min != 70 || target.Max != 100 {
		t.Errorf("target: got %+v; want math_score, mean 85, min 70, max 100", target)
	}
}

func TestDescribeAllMissing(t *testing.T) {
	tab := indexTable(2)
	tab.Cols[1].Values = []float64{math.NaN(), math.NaN()}
	c := Describe(tab).Columns[1]
	if c.Missing != 2 || !math.IsNaN(c.Mean) || !math.IsNaN(c.Std) || !math.IsNaN(c.Min) || !math.IsNaN(c.Max) {
		t.Errorf("got %+v; want 2 missing and NaN statistics", c)
	}
}

func TestDescribeKeepsUnseenLevels(t *testing.T) {
	tab := indexTable(4).Subset([]int{0, 2}) // only "even" rows
	got := Describe(tab).Columns[0].Counts
	if want := []LevelCount{{"even", 2}, {"odd", 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

func TestColumnStatsJSON(t *testing.T) {
	score, err := json.Marshal(ColumnStats{Name: "math_score", Kind: Score, Mean: 66, Std: 15, Min: 0, Max: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(score), `{"name":"math_score","kind":"score","missing":0,"mean":66,"std":15,"min":0,"max":100}`; got != want {
		t.Fatalf("score column: got %s; want %s", got, want)
	}
	empty, err := json.Marshal(ColumnStats{Name: "s", Kind: Score, Missing: 3, Mean: math.NaN(), Std: math.NaN(), Min: math.NaN(), Max: math.NaN()})
	if err != nil {
		t.Fatalf("all-missing score column does not encode: %v", err)
	}
	if got, want := string(empty), `{"name":"s","kind":"score","missing":3}`; got != want {
		t.Fatalf("all-missing column: got %s; want %s", got, want)
	}
	cat, _ := json.Marshal(ColumnStats{Name: "lunch", Kind: Category, Counts: []LevelCount{{"standard", 2}}})
	if got, want := string(cat), `{"name":"lunch","kind":"category","missing":0,"counts":[{"level":"standard","count":2}]}`; got != want {
		t.Fatalf("category column: got %s; want %s", got, want)
	}
}
