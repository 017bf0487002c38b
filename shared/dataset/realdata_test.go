package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
)

// TestOriginalFigures checks the real data set the Python original was
// trained on: its size, frequencies and statistics, its split files, and
// the in-sample R² TestGenerateResemblesRealData aims at. The data lives
// beside the checkout, not in it: locally its absence skips this one test,
// under CI=true it fails.
func TestOriginalFigures(t *testing.T) {
	dir := studentdata.Dir(t)
	stud := filepath.Join(dir, "stud.csv")

	t.Run("stud.csv", func(t *testing.T) {
		tab := readFile(t, stud)
		require.Equal(t, 1000, tab.Len())
		st := Describe(tab)
		counts := map[string]map[string]int{}
		for _, c := range st.Columns {
			assert.Zero(t, c.Missing, "column %s: missing cells", c.Name)
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
			assert.Equal(t, tt.want, counts[tt.col][tt.level], "rows with %s = %q", tt.col, tt.level)
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
			assert.InDelta(t, tt.mean, c.Mean, tol, "%s: mean", tt.col)
			assert.Equal(t, tt.min, c.Min, "%s: min", tt.col)
			assert.Equal(t, tt.max, c.Max, "%s: max", tt.col)
			assert.Equal(t, tt.wantStdRounded3, math.Round(c.Std*1000)/1000, "%s: std %v to 3 places", tt.col, c.Std)
		}
	})

	t.Run("split files", func(t *testing.T) {
		for _, tt := range []struct {
			file string
			rows int
		}{{"train.csv", 800}, {"test.csv", 200}} {
			assert.Equal(t, tt.rows, readFile(t, filepath.Join(dir, tt.file)).Len(), "rows of %s", tt.file)
		}
	})

	t.Run("load", func(t *testing.T) {
		raw, err := os.ReadFile(stud)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		for _, uri := range []string{stud, "file://" + stud} {
			_, info, err := Load(context.Background(), uri, Students, SourceOptions{})
			require.NoError(t, err, "Load(%q)", uri)
			assert.Equal(t, Info{URI: uri, Rows: 1000, SHA256: hex.EncodeToString(sum[:])}, info, "Load(%q)", uri)
		}
	})

	// The in-sample R² of math on the other fields, which
	// TestGenerateResemblesRealData aims at.
	t.Run("linear R²", func(t *testing.T) {
		assert.InDelta(t, 0.877, linearR2(t, readFile(t, stud)), 0.001, "R² of math on the other fields in stud.csv")
	})
}
