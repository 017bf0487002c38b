package dataset

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll reads every record, copying what Next reuses.
func readAll(t *testing.T, rr *RowReader) (lines []int, problems [][]string, cats [][]string, nums [][]float64) {
	t.Helper()
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
		lines = append(lines, rec.Line)
		var ps []string
		for _, p := range rec.Problems {
			ps = append(ps, p.Error())
		}
		problems = append(problems, ps)
		cats = append(cats, append([]string(nil), rec.Cat...))
		nums = append(nums, append([]float64(nil), rec.Num...))
	}
}

func TestRowReaderReadsOnPastBadRows(t *testing.T) {
	// No target: the schema batch scoring reads with; columns reordered,
	// an extra one, a bad row with two bad cells, a malformed line, a
	// ragged row, then a good one.
	in := "writing_score,extra,reading_score,gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course\n" +
		"74,x,72,female,group B,bachelor's degree,standard,none\n" +
		"abc,x,101,male,group C,some college,standard,none\n" +
		"70,\"x\"y,70,male,group C,some college,standard,none\n" +
		"70,x,70\n" +
		" 60 ,x,,male , group A,high school,free/reduced,completed\n"
	rr, err := NewRowReader(strings.NewReader(in), Schema{Features: Students.Features})
	require.NoError(t, err)
	assert.Equal(t, []string{"writing_score", "extra", "reading_score", "gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course"}, rr.Header())
	lines, problems, cats, nums := readAll(t, rr)
	assert.Equal(t, []int{2, 3, 4, 5, 6}, lines)
	assert.Empty(t, problems[0])
	assert.Equal(t, []string{"female", "group B", "bachelor's degree", "standard", "none"}, cats[0])
	assert.Equal(t, []float64{72, 74}, nums[0], "scores in schema order, whatever the file's order")
	assert.Equal(t, []string{
		`line 3, column "reading_score", value "101": out of range [0, 100]`,
		`line 3, column "writing_score", value "abc": not a number`,
	}, problems[1], "every bad cell of a row")
	require.Len(t, problems[2], 1)
	assert.Contains(t, problems[2][0], "line 4: malformed CSV")
	assert.Equal(t, []string{"line 5: has 3 fields, header has 8"}, problems[3])
	assert.Empty(t, problems[4])
	assert.Equal(t, []string{"male", "group A", "high school", "free/reduced", "completed"}, cats[4], "cells trimmed")
	assert.True(t, math.IsNaN(nums[4][0]), "an empty score is missing")
	assert.Equal(t, 60.0, nums[4][1])
}

func TestRowReaderHeaderProblems(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "empty file",
		"gender,gender\n":    `duplicate column "gender"`,
		"gender\nfemale\n":   `missing required column "race_ethnicity"`,
		"\"gender\nfemale\n": "malformed CSV",
	} {
		_, err := NewRowReader(strings.NewReader(in), Students)
		require.ErrorIs(t, err, ErrInvalid, "%q", in)
		assert.Contains(t, err.Error(), want, "%q", in)
	}
}

// Records to predict (no target) may leave out an optional column, whose
// cells are then missing; a required one, a training read's, or every
// input column is still an error.
func TestRowReaderOptionalColumns(t *testing.T) {
	s := Schema{Columns: []Column{
		{Name: "city", Kind: Category},
		{Name: "sqft", Kind: Numeric},
		{Name: "sold", Kind: Date},
		{Name: "rooms", Kind: Numeric, Required: true},
	}}
	require.NoError(t, s.Expand())
	rr, err := NewRowReader(strings.NewReader("rooms,extra\n3,x\n"), s)
	require.NoError(t, err)
	rec, err := rr.Next()
	require.NoError(t, err)
	require.Empty(t, rec.Problems)
	assert.Equal(t, []string{""}, rec.Cat, "city: missing")
	require.Len(t, rec.Num, 6)
	for i, v := range rec.Num[:5] {
		assert.True(t, math.IsNaN(v), "sqft and the date's parts are missing (%d)", i)
	}
	assert.Equal(t, 3.0, rec.Num[5])

	_, err = NewRowReader(strings.NewReader("city,sqft\nx,1\n"), s)
	assert.ErrorContains(t, err, `missing required column "rooms"`)

	s.Features[s.Index("rooms")].Required = false
	_, err = NewRowReader(strings.NewReader("a,b\n1,2\n"), s)
	assert.ErrorContains(t, err, "no column of the schema's inputs (city, sqft, sold, rooms)")

	s.Target = "price"
	_, err = NewRowReader(strings.NewReader("rooms,price\n3,1\n"), s)
	assert.ErrorContains(t, err, `missing required column "city"`, "a training read needs every column")
}
