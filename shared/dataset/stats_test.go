package dataset

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	in := header +
		"female,group B,x,standard,none,70,60,\n" +
		"male,group B,x,standard,none,80,,50\n" +
		",group A,x,standard,none,90,100,\n" +
		"male,group C,x,standard,none,100,80,\n"
	tab, err := Read(strings.NewReader(in), Students)
	require.NoError(t, err)
	st := Describe(tab)
	require.Equal(t, 4, st.Rows)
	require.Len(t, st.Columns, 8)
	assert.Equal(t, ColumnStats{Name: "gender", Kind: Category, Missing: 1, Counts: []LevelCount{{"male", 2}, {"female", 1}}}, st.Columns[0])
	assert.Equal(t, []LevelCount{{"group B", 2}, {"group A", 1}, {"group C", 1}}, st.Columns[1].Counts, "race counts: count desc, then name")

	reading := st.Columns[5]
	// 60, 100, 80: mean 80, population sd sqrt(800/3).
	assert.InDelta(t, math.Sqrt(800.0/3), reading.Std, 1e-12, "reading sd")
	reading.Std = 0
	assert.Equal(t, ColumnStats{Name: "reading_score", Kind: Numeric, Missing: 1, Mean: 80, Min: 60, Max: 100}, reading)

	writing := st.Columns[6]
	assert.Equal(t, 3, writing.Missing, "writing missing")
	assert.Equal(t, 50.0, writing.Mean, "writing mean")
	assert.Equal(t, 0.0, writing.Std, "writing sd")

	target := st.Columns[7]
	assert.Equal(t, "math_score", target.Name)
	assert.Equal(t, Numeric, target.Kind)
	assert.Equal(t, 85.0, target.Mean, "target mean")
	assert.Equal(t, 70.0, target.Min, "target min")
	assert.Equal(t, 100.0, target.Max, "target max")
}

func TestDescribeAllMissing(t *testing.T) {
	tab := indexTable(2)
	tab.Cols[1].Values = []float64{math.NaN(), math.NaN()}
	c := Describe(tab).Columns[1]
	assert.Equal(t, 2, c.Missing)
	for name, v := range map[string]float64{"mean": c.Mean, "sd": c.Std, "min": c.Min, "max": c.Max} {
		assert.True(t, math.IsNaN(v), "%s: got %v; want NaN", name, v)
	}
}

func TestDescribeKeepsUnseenLevels(t *testing.T) {
	tab := indexTable(4).Subset([]int{0, 2}) // only "even" rows
	assert.Equal(t, []LevelCount{{"even", 2}, {"odd", 0}}, Describe(tab).Columns[0].Counts)
}

func TestColumnStatsJSON(t *testing.T) {
	score, err := json.Marshal(ColumnStats{Name: "math_score", Kind: Numeric, Mean: 66, Std: 15, Min: 0, Max: 100})
	require.NoError(t, err)
	assert.Equal(t, `{"name":"math_score","kind":"numeric","missing":0,"mean":66,"std":15,"min":0,"max":100}`, string(score), "score column")

	empty, err := json.Marshal(ColumnStats{Name: "s", Kind: Numeric, Missing: 3, Mean: math.NaN(), Std: math.NaN(), Min: math.NaN(), Max: math.NaN()})
	require.NoError(t, err, "all-missing score column does not encode")
	assert.Equal(t, `{"name":"s","kind":"numeric","missing":3}`, string(empty), "all-missing column")

	cat, err := json.Marshal(ColumnStats{Name: "lunch", Kind: Category, Counts: []LevelCount{{"standard", 2}}})
	require.NoError(t, err)
	assert.Equal(t, `{"name":"lunch","kind":"category","missing":0,"counts":[{"level":"standard","count":2}]}`, string(cat), "category column")
}
