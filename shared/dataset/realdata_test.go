package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestReadRealData(t *testing.T) {
	tab := readRealFile(t, "stud.csv")
	if got := tab.Len(); got != 1000 {
		t.Fatalf("got %d rows; want 1000", got)
	}
	st := Describe(tab)
	counts := map[string]map[string]int{}
	for _, c := range st.Columns {
		if c.Missing != 0 {
			t.Errorf("column %s: got %d missing; want 0", c.Name, c.Missing)
		}
		counts[c.Name] = map[string]int{}
		for _, lc := range c.Counts {
			counts[c.Name][lc.Level] = lc.Count
		}
	}
	for _, tt := range []struct {
		col, level string
		want       int
	}{
		{"gender", "female", 518},
		{"gender", "male", 482},
		{"race_ethnicity", "group C", 319},
		{"race_ethnicity", "group A", 89},
		{"parental_level_of_education", "master's degree", 59},
		{"lunch", "standard", 645},
		{"test_preparation_course", "completed", 358},
	} {
		if got := counts[tt.col][tt.level]; got != tt.want {
			t.Errorf("%s = %q: got %d rows; want %d", tt.col, tt.level, got, tt.want)
		}
	}
	const tol = 1e-9
	for _, tt := range []struct {
		col             string
		mean, min, max  float64
		wantStdRounded3 float64
	}{
		{"math_score", 66.089, 0, 100, 15.155},
		{"reading_score", 69.169, 17, 100, 14.593},
		{"writing_score", 68.054, 10, 100, 15.188},
	} {
		var c ColumnStats
		for _, cs := range st.Columns {
			if cs.Name == tt.col {
				c = cs
			}
		}
		if math.Abs(c.Mean-tt.mean) > tol || c.Min != tt.min || c.Max != tt.max {
			t.Errorf("%s: got mean %v min %v max %v; want %v %v %v", tt.col, c.Mean, c.Min, c.Max, tt.mean, tt.min, tt.max)
		}
		if got := math.Round(c.Std*1000) / 1000; got != tt.wantStdRounded3 {
			t.Errorf("%s: got std %v; want %v (to 3 places)", tt.col, c.Std, tt.wantStdRounded3)
		}
	}
}

func TestReadRealSplitFiles(t *testing.T) {
	for _, tt := range []struct {
		file string
		rows int
	}{{"train.csv", 800}, {"test.csv", 200}} {
		if got := readRealFile(t, tt.file).Len(); got != tt.rows {
			t.Errorf("%s: got %d rows; want %d", tt.file, got, tt.rows)
		}
	}
}

func TestLoadRealData(t *testing.T) {
	path := filepath.Join(realDataDir(t), "stud.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	want := Info{URI: "file://" + path, Rows: 1000, SHA256: hex.EncodeToString(sum[:])}
	for _, uri := range []string{path, "file://" + path} {
		_, info, err := Load(context.Background(), uri, Students, SourceOptions{})
		if err != nil {
			t.Fatalf("Load(%q): %v", uri, err)
		}
		want.URI = uri
		if info != want {
			t.Errorf("Load(%q): got %+v; want %+v", uri, info, want)
		}
	}
}
