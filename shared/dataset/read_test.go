package dataset

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const header = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\n"

// row1 and row2 are two valid data lines for header.
const (
	row1 = "female,group B,bachelor's degree,standard,none,72,72,74\n"
	row2 = "male,group A,associate's degree,free/reduced,completed,47,57,44\n"
)

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		schema Schema
		want   Error
		msg    string // the whole message
	}{
		{"empty", "", Students, Error{Reason: "empty file"}, "empty file"},
		{"only BOM and blank lines", "\uFEFF\n\n", Students, Error{Reason: "empty file"}, "empty file"},
		{"header only", header, Students,
			Error{Line: 1, Reason: "header has no data rows"}, "line 1: header has no data rows"},
		{"duplicate feature", strings.Replace(header, "lunch", "gender", 1) + row1, Students,
			Error{Line: 1, Reason: `duplicate column "gender"`}, `line 1: duplicate column "gender"`},
		{"duplicate target", "math_score," + header + "1," + row1, Students,
			Error{Line: 1, Reason: `duplicate column "math_score"`}, `line 1: duplicate column "math_score"`},
		{"duplicate after trimming", " gender ," + header + "x," + row1, Students,
			Error{Line: 1, Reason: `duplicate column "gender"`}, `line 1: duplicate column "gender"`},
		{"missing feature", strings.Replace(header, "lunch", "dinner", 1) + row1, Students,
			Error{Line: 1, Reason: `missing required column "lunch"`}, `line 1: missing required column "lunch"`},
		{"missing target", strings.Replace(header, "math_score", "maths", 1) + row1, Students,
			Error{Line: 1, Reason: `missing required column "math_score"`}, `line 1: missing required column "math_score"`},
		{"header after blank lines", "\n\n" + strings.Replace(header, "lunch", "dinner", 1) + row1, Students,
			Error{Line: 3, Reason: `missing required column "lunch"`}, `line 3: missing required column "lunch"`},
		{"ragged short", header + row1 + row2 + "female,group B,72\n", Students,
			Error{Line: 4, Reason: "has 3 fields, header has 8"}, "line 4: has 3 fields, header has 8"},
		{"ragged long", header + row1 + strings.TrimSuffix(row2, "\n") + ",extra\n", Students,
			Error{Line: 3, Reason: "has 9 fields, header has 8"}, "line 3: has 9 fields, header has 8"},
		{"not a number", header + row1 + row2 + row1 + row2 + row1 + "female,group B,bachelor's degree,standard,none,72,abc,74\n", Students,
			Error{Line: 7, Column: "reading_score", Value: "abc", Reason: "not a number"},
			`line 7, column "reading_score", value "abc": not a number`},
		{"hexadecimal", header + "female,group B,bachelor's degree,standard,none,72,72,0x1p6\n", Students,
			Error{Line: 2, Column: "writing_score", Value: "0x1p6", Reason: "not a number"},
			`line 2, column "writing_score", value "0x1p6": not a number`},
		{"underscore", header + "female,group B,bachelor's degree,standard,none,72,7_2,74\n", Students,
			Error{Line: 2, Column: "reading_score", Value: "7_2", Reason: "not a number"},
			`line 2, column "reading_score", value "7_2": not a number`},
		{"plus sign", header + "female,group B,bachelor's degree,standard,none,+72,72,74\n", Students,
			Error{Line: 2, Column: "math_score", Value: "+72", Reason: "not a number"},
			`line 2, column "math_score", value "+72": not a number`},
		{"Inf", header + "female,group B,bachelor's degree,standard,none,72,+Inf,74\n", Students,
			Error{Line: 2, Column: "reading_score", Value: "+Inf", Reason: "not a number"},
			`line 2, column "reading_score", value "+Inf": not a number`},
		{"feature above 100", header + "female,group B,bachelor's degree,standard,none,72,100.5,74\n", Students,
			Error{Line: 2, Column: "reading_score", Value: "100.5", Reason: "out of range [0, 100]"},
			`line 2, column "reading_score", value "100.5": out of range [0, 100]`},
		{"feature below 0", header + "female,group B,bachelor's degree,standard,none,72,72,-1\n", Students,
			Error{Line: 2, Column: "writing_score", Value: "-1", Reason: "out of range [0, 100]"},
			`line 2, column "writing_score", value "-1": out of range [0, 100]`},
		{"overflow", header + "female,group B,bachelor's degree,standard,none,72,72,1e999\n", Students,
			Error{Line: 2, Column: "writing_score", Value: "1e999", Reason: "out of range [0, 100]"},
			`line 2, column "writing_score", value "1e999": out of range [0, 100]`},
		{"target above 100", header + row1 + "female,group B,bachelor's degree,standard,none,101,72,74\n", Students,
			Error{Line: 3, Column: "math_score", Value: "101", Reason: "out of range [0, 100]"},
			`line 3, column "math_score", value "101": out of range [0, 100]`},
		{"target not a number", header + "female,group B,bachelor's degree,standard,none,seventy,72,74\n", Students,
			Error{Line: 2, Column: "math_score", Value: "seventy", Reason: "not a number"},
			`line 2, column "math_score", value "seventy": not a number`},
		{"every target empty", header + "female,group B,bachelor's degree,standard,none, ,72,74\n", Students,
			Error{Line: 1, Reason: `no row has a value for the target "math_score" (1 rows without one)`},
			`line 1: no row has a value for the target "math_score" (1 rows without one)`},
		{"line counts CRLF and quoted newlines", header + "female,\"group\r\nB\",x,standard,none,72,72,74\r\nmale,group B,x,standard,none,72,72,x\r\n", Students,
			Error{Line: 4, Column: "writing_score", Value: "x", Reason: "not a number"},
			`line 4, column "writing_score", value "x": not a number`},
		{"bare quote", header + "fe\"male,group B,bachelor's degree,standard,none,72,72,74\n", Students,
			Error{Line: 2, Reason: `malformed CSV: bare " in non-quoted-field (at character 3)`},
			`line 2: malformed CSV: bare " in non-quoted-field (at character 3)`},
		{"unterminated quote", header + row1 + "\"female,group B\nmale\n", Students,
			Error{Line: 3, Reason: `malformed CSV: extraneous or missing " in quoted-field (at line 4, character 6)`},
			`line 3: malformed CSV: extraneous or missing " in quoted-field (at line 4, character 6)`},
		{"quote then text", header + row1 + "\"female\"x,group B\n", Students,
			Error{Line: 3, Reason: `malformed CSV: extraneous or missing " in quoted-field (at character 8)`},
			`line 3: malformed CSV: extraneous or missing " in quoted-field (at character 8)`},
		{"no target schema still checks scores", "reading_score\n200\n", Schema{Features: Students.Features[5:6]},
			Error{Line: 2, Column: "reading_score", Value: "200", Reason: "out of range [0, 100]"},
			`line 2, column "reading_score", value "200": out of range [0, 100]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), tt.schema)
			require.Error(t, err, "want %q", tt.msg)
			assert.ErrorIs(t, err, ErrInvalid)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.want, *e)
			assert.EqualError(t, err, tt.msg)
		})
	}
}

// failingReader returns some bytes, then an error.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadSourceFailureIsNotInvalid(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Read(&failingReader{data: header + row1, err: boom}, Students)
	require.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, ErrInvalid, "a read failure is not bad data")
}

func TestReadBadSchema(t *testing.T) {
	for _, s := range []Schema{
		{},
		{Features: []Column{{Name: "a", Kind: Numeric}, {Name: "a", Kind: Category}}},
		{Features: []Column{{Name: "a", Kind: 0}}},
		{Features: []Column{{Name: "", Kind: Numeric}}},
		{Features: []Column{{Name: "a", Kind: Numeric}}, Target: "a"},
	} {
		_, err := Read(strings.NewReader("a\n1\n"), s)
		if assert.Error(t, err, "Read with schema %+v", s) {
			assert.NotErrorIs(t, err, ErrInvalid, "Read with schema %+v: a bad schema is not bad data", s)
		}
	}
}

// wantRows12 checks that tab holds the rows of row1 and row2, in that order.
func wantRows12(t *testing.T, tab *Table) {
	t.Helper()
	require.Equal(t, 2, tab.Len())
	wantLevels := [][]string{
		{"female", "male"},
		{"group B", "group A"},
		{"bachelor's degree", "associate's degree"},
		{"standard", "free/reduced"},
		{"none", "completed"},
	}
	for j, want := range wantLevels {
		c := tab.Cols[j]
		assert.Equal(t, want, c.Levels, "column %s: levels", Students.Features[j].Name)
		assert.Equal(t, []int32{0, 1}, c.Codes, "column %s: codes", Students.Features[j].Name)
	}
	assert.Equal(t, []float64{72, 57}, tab.Cols[5].Values, "reading_score")
	assert.Equal(t, []float64{74, 44}, tab.Cols[6].Values, "writing_score")
	assert.Equal(t, []float64{72, 47}, tab.Target, "target")
}

func TestReadFormats(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"plain", header + row1 + row2},
		{"no final newline", header + row1 + strings.TrimSuffix(row2, "\n")},
		{"BOM", "\uFEFF" + header + row1 + row2},
		{"CRLF", strings.ReplaceAll(header+row1+row2, "\n", "\r\n")},
		{"BOM CRLF quoted", "\uFEFF" + `"gender","race_ethnicity","parental_level_of_education","lunch","test_preparation_course","math_score","reading_score","writing_score"` + "\r\n" +
			`"female","group B","bachelor's degree","standard","none","72","72","74"` + "\r\n" +
			`"male","group A","associate's degree","free/reduced","completed","47","57","44"` + "\r\n"},
		{"spaces", " gender , race_ethnicity,parental_level_of_education ,lunch,test_preparation_course,math_score,reading_score,writing_score\n" +
			"female , group B,  bachelor's degree,standard,none , 72,72 ,\t74\n" +
			"male,group A,associate's degree,free/reduced,completed,47 , 57,44  \n"},
		{"spaces before quotes", `"gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course", "math_score", "reading_score", "writing_score"` + "\n" +
			`"female", "group B", "bachelor's degree", "standard", "none", "72", "72", "74"` + "\n" +
			`"male", "group A", "associate's degree", "free/reduced", "completed", " 47 ", "57", "44"` + "\n"},
		{"blank lines", "\n" + header + "\n" + row1 + "\n\n" + row2 + "\n"},
		{"other order and extra columns", "id,writing_score,math_score,lunch,gender,id,race_ethnicity,reading_score,note,test_preparation_course,parental_level_of_education\n" +
			"1,74,72,standard,female,1,group B,72,\"a, b\",none,bachelor's degree\n" +
			"2,44,47,free/reduced,male,2,group A,57,,completed,associate's degree\n"},
		{"decimal and exponent scores", header +
			"female,group B,bachelor's degree,standard,none,72.0,7.2e1,74\n" +
			"male,group A,associate's degree,free/reduced,completed,47,57.000,0.44e2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Read(strings.NewReader(tt.in), Students)
			require.NoError(t, err)
			wantRows12(t, tab)
		})
	}
}

func TestReadMissingCells(t *testing.T) {
	in := header +
		",group B,bachelor's degree,standard,none,72,,74\n" +
		"male, ,associate's degree,free/reduced,completed,47,57,\n" +
		"female,group B,\"\",standard,none,0,100,0\n"
	tab, err := Read(strings.NewReader(in), Students)
	require.NoError(t, err)
	assert.Equal(t, []int32{-1, 0, 1}, tab.Cols[0].Codes, "gender codes")
	assert.Equal(t, []string{"male", "female"}, tab.Cols[0].Levels, "gender levels")
	assert.Equal(t, []int32{0, -1, 0}, tab.Cols[1].Codes, "race codes")
	assert.Equal(t, []int32{0, 1, -1}, tab.Cols[2].Codes, "parental codes")
	r, w := tab.Cols[5].Values, tab.Cols[6].Values
	assert.True(t, math.IsNaN(r[0]) && r[1] == 57 && r[2] == 100, "reading: got %v; want [NaN 57 100]", r)
	assert.True(t, w[0] == 74 && math.IsNaN(w[1]) && w[2] == 0, "writing: got %v; want [74 NaN 0]", w)
	assert.Equal(t, []float64{72, 47, 0}, tab.Target, "target")
}

func TestReadWithoutTarget(t *testing.T) {
	s := Students
	s.Target = ""
	in := "lunch,gender,race_ethnicity,parental_level_of_education,test_preparation_course,reading_score,writing_score\n" +
		"standard,female,group B,bachelor's degree,none,72,74\n"
	tab, err := Read(strings.NewReader(in), s)
	require.NoError(t, err)
	assert.Nil(t, tab.Target)
	assert.Equal(t, 1, tab.Len())
	// A target column present in the data is simply ignored, even if bad.
	tab, err = Read(strings.NewReader(header+"female,group B,bachelor's degree,standard,none,,72,74\n"), s)
	require.NoError(t, err, "Read with an ignored empty target")
	assert.Nil(t, tab.Target)
}

func TestReadDuplicateExtraColumnIsHarmless(t *testing.T) {
	in := "id,id," + header + "1,2," + row1
	_, err := Read(strings.NewReader(in), Students)
	require.NoError(t, err)
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Reason: "empty file"}, "empty file"},
		{Error{Line: 3, Reason: "r"}, "line 3: r"},
		{Error{Column: "c", Reason: "r"}, `column "c": r`},
		{Error{Value: "v\n", Reason: "r"}, `value "v\n": r`},
		{Error{Line: 1, Column: "c", Value: "v", Reason: "r"}, `line 1, column "c", value "v": r`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.e.Error())
	}
}

func TestReadDropsRowsWithoutTarget(t *testing.T) {
	in := header + row1 + "female,group B,bachelor's degree,standard,none, ,72,74\n" + "male,group A,x,standard,none,NA,50,51\n"
	tab, err := Read(strings.NewReader(in), Students)
	require.NoError(t, err)
	assert.Equal(t, 1, tab.Len())
	assert.Equal(t, 2, tab.Dropped)
}

func TestReadMissingMarkers(t *testing.T) {
	for _, m := range []string{"", "NA", "NaN", "null", "N/A", " nan "} {
		in := header + "female,group B," + m + ",standard,none,72," + m + ",74\n"
		tab, err := Read(strings.NewReader(in), Students)
		require.NoError(t, err, "marker %q", m)
		assert.Equal(t, int32(-1), tab.Cols[2].Codes[0], "marker %q", m)
		assert.True(t, math.IsNaN(tab.Cols[5].Values[0]), "marker %q", m)
	}
}
