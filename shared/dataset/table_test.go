package dataset

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubset(t *testing.T) {
	tab := indexTable(5)
	tab.Cols[1].Values[3] = math.NaN()
	tab.Cols[0].Codes[4] = -1
	sub := tab.Subset([]int{4, 0, 3, 0})
	require.Equal(t, 4, sub.Len())
	assert.Equal(t, []float64{4, 0, 3, 0}, sub.Target, "target")
	assert.Equal(t, []int32{-1, 0, 1, 0}, sub.Cols[0].Codes, "codes")
	v := sub.Cols[1].Values
	assert.True(t, v[0] == 2 && v[1] == 0 && math.IsNaN(v[2]) && v[3] == 0, "values: got %v; want [2 0 NaN 0]", v)
	assert.Equal(t, tab.Cols[0].Levels, sub.Cols[0].Levels, "levels")
	// The subset is a copy.
	sub.Target[0], sub.Cols[0].Codes[1], sub.Cols[1].Values[1], sub.Cols[0].Levels[0] = 99, 1, 99, "x"
	assert.True(t, tab.Target[4] == 4 && tab.Cols[0].Codes[0] == 0 && tab.Cols[1].Values[0] == 0 && tab.Cols[0].Levels[0] == "even",
		"changing the subset changed the table")
	assert.Equal(t, 0, tab.Subset(nil).Len(), "Subset(nil)")
}

func TestLenWithoutTarget(t *testing.T) {
	tab := indexTable(3)
	tab.Target = nil
	tab.Schema.Target = ""
	assert.Equal(t, 3, tab.Len())
	sub := tab.Subset([]int{2})
	assert.Nil(t, sub.Target, "Subset of a table without target")
	assert.Equal(t, 1, sub.Len(), "Subset of a table without target")
	assert.Equal(t, 0, (&Table{}).Len(), "empty table")
}

func TestSchema(t *testing.T) {
	assert.Equal(t, 5, Students.Index("reading_score"), "Index(reading_score)")
	assert.Equal(t, -1, Students.Index("math_score"), "Index(math_score): the target is not a feature")
	for k, want := range map[Kind]string{Category: "category", Numeric: "numeric", 0: "Kind(0)", 9: "Kind(9)"} {
		assert.Equal(t, want, k.String(), "Kind(%d).String()", k)
	}
	assert.NoError(t, Students.check(), "Students.check()")
}

func TestKindText(t *testing.T) {
	for _, k := range []Kind{Category, Numeric} {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back Kind
		require.NoError(t, back.UnmarshalText(b), "round trip of %v", k)
		require.Equal(t, k, back, "round trip")
	}
	_, err := Kind(9).MarshalText()
	require.Error(t, err, "MarshalText of an unknown kind")
	var k Kind
	require.Error(t, k.UnmarshalText([]byte("banana")), `UnmarshalText("banana")`)
}
