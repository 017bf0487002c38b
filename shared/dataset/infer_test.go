package dataset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gen is one column of a generated table: its name and the cell of row i.
type gen struct {
	name string
	cell func(i int, r *rand.Rand) string
}

// table writes n rows of the columns as CSV, each column drawing from
// its own generator seeded from seed, so adding a column does not change
// the others.
func table(t testing.TB, n int, seed uint64, cols ...gen) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(cols))
	rs := make([]*rand.Rand, len(cols))
	for j, c := range cols {
		header[j] = c.name
		rs[j] = rand.New(rand.NewPCG(seed, uint64(j)))
	}
	require.NoError(t, w.Write(header))
	rec := make([]string, len(cols))
	for i := range n {
		for j, c := range cols {
			rec[j] = c.cell(i, rs[j])
		}
		require.NoError(t, w.Write(rec))
	}
	w.Flush()
	require.NoError(t, w.Error())
	return b.Bytes()
}

// Column generators.
func numeric(name string, lo, hi float64) gen {
	return gen{name, func(_ int, r *rand.Rand) string {
		return strconv.FormatFloat(lo+r.Float64()*(hi-lo), 'f', 3, 64)
	}}
}

func levels(name string, ls ...string) gen {
	return gen{name, func(_ int, r *rand.Rand) string { return ls[r.IntN(len(ls))] }}
}

func fixed(name, v string) gen { return gen{name, func(int, *rand.Rand) string { return v }} }

func each(name string, f func(i int) string) gen {
	return gen{name, func(i int, _ *rand.Rand) string { return f(i) }}
}

// column returns the schema column called name.
func column(t testing.TB, s Schema, name string) Column {
	t.Helper()
	for _, c := range s.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("schema has no column %q (columns: %v)", name, names(s.Columns))
	return Column{}
}

func names(cs []Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// rangeOf returns the least and greatest number in a column of a CSV.
func rangeOf(t testing.TB, data []byte, name string) (lo, hi float64) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	j := slices.Index(recs[0], name)
	require.GreaterOrEqual(t, j, 0)
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, rec := range recs[1:] {
		if v, err := strconv.ParseFloat(rec[j], 64); err == nil {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

// TestInferEveryRule infers one generated table with a column for every
// rule and checks each column's kind, reason and what was seen.
func TestInferEveryRule(t *testing.T) {
	const n = 60
	day0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	data := table(t, n, 1,
		numeric("size", -5, 250),
		levels("city", "Oslo", "Lima", "Pune", "Kyiv"),
		fixed("copy", ""), // filled below: city's cells again
		levels("member", "yes", "no", "Yes"),
		levels("zip", "95823", "10115", "75001"),
		each("day", func(i int) string { return day0.AddDate(0, 0, 3*i).Format("2006-01-02") }),
		each("at", func(i int) string { return day0.Add(time.Duration(i) * 37 * time.Hour).Format(time.RFC3339) }),
		each("code", func(i int) string { return fmt.Sprintf("u%04d", 7*i) }),
		each("row", func(i int) string { return strconv.Itoa(1000 + i) }),
		fixed("unit", "kg"),
		each("note", func(i int) string { return fmt.Sprintf("called back on day %d about the order", i) }),
		each("blank", func(i int) string { return []string{"", "NA", "NaN"}[i%3] }),
		numeric("secret", 0, 1),
		numeric("y", 10, 100),
	)
	// copy duplicates city: rebuild the file with city's cells in copy.
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	for _, rec := range recs[1:] {
		rec[2] = rec[1]
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.WriteAll(recs))
	data = b.Bytes()

	s, err := Infer(bytes.NewReader(data), InferOptions{Target: "y", Ignore: []string{"secret"}, Categorical: []string{"zip"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"size", "city", "copy", "member", "zip", "day", "at", "code", "row", "unit", "note", "blank", "secret"},
		names(s.Columns), "every column but the target, in table order")

	want := []struct {
		name   string
		kind   Kind
		reason string
	}{
		{"size", Numeric, "every value is a number"},
		{"city", Category, "text with 4 levels"},
		{"copy", Ignored, `duplicates column "city"`},
		{"member", Category, "booleans"},
		{"zip", Category, "marked categorical by -categorical (3 levels)"},
		{"day", Date, "ISO 8601 date"},
		{"at", Date, "ISO 8601 date or timestamp"},
		{"code", Ignored, "an identifier: unique on every row"},
		{"row", Ignored, "an identifier: an integer unique on every row"},
		{"unit", Ignored, `constant: every value is "kg"`},
		{"note", Ignored, "free text"},
		{"blank", Ignored, "entirely empty"},
		{"secret", Ignored, "left out by -ignore"},
	}
	for _, w := range want {
		c := column(t, s, w.name)
		assert.Equal(t, w.kind, c.Kind, "%s: kind (reason %q)", w.name, c.Reason)
		assert.Contains(t, c.Reason, w.reason, w.name)
		require.NotNil(t, c.Seen, "%s: seen", w.name)
		assert.Equal(t, n, c.Seen.Rows, w.name)
		assert.False(t, c.Required, "%s: an inferred column is optional", w.name)
	}

	lo, hi := rangeOf(t, data, "size")
	size := column(t, s, "size")
	assert.Equal(t, lo, size.Seen.Min, "size's observed minimum")
	assert.Equal(t, hi, size.Seen.Max, "size's observed maximum")
	assert.Contains(t, size.Reason, num(lo)+" to "+num(hi))
	assert.Nil(t, size.Min, "an inferred range is recorded, not enforced")
	assert.Nil(t, size.Max)

	city := column(t, s, "city")
	assert.Equal(t, UnknownMissing, city.Unknown, "an unseen level reads as missing")
	assert.Equal(t, 4, city.Seen.Distinct)
	total := 0
	for _, l := range city.Seen.Levels {
		total += l.Count
	}
	assert.Equal(t, n, total, "city's level counts add up to the rows")
	assert.Equal(t, n, column(t, s, "blank").Seen.Missing, "NA, NaN and empty are all missing")

	// The features: numbers and categories as they are, dates as 4 parts.
	var fs []string
	for _, f := range s.Features {
		fs = append(fs, f.Name+":"+f.Kind.String())
	}
	assert.Equal(t, []string{"size:numeric", "city:category", "member:category", "zip:category",
		"day.year:numeric", "day.month:numeric", "day.day:numeric", "day.day_of_week:numeric",
		"at.year:numeric", "at.month:numeric", "at.day:numeric", "at.day_of_week:numeric"}, fs)
	assert.Equal(t, Regression, s.Task)
	assert.Contains(t, s.TargetReason, "numeric target")
	assert.Equal(t, []string{"size", "city", "member", "zip", "day", "at"}, s.Inputs())

	// The table reads in its schema; the date parts are the dates'.
	tab, err := Read(bytes.NewReader(data), s)
	require.NoError(t, err)
	require.Equal(t, n, tab.Len())
	for i := range n {
		d := day0.AddDate(0, 0, 3*i)
		at := day0.Add(time.Duration(i) * 37 * time.Hour)
		got := []float64{tab.Cols[4].Values[i], tab.Cols[5].Values[i], tab.Cols[6].Values[i], tab.Cols[7].Values[i], tab.Cols[11].Values[i]}
		wantParts := []float64{float64(d.Year()), float64(d.Month()), float64(d.Day()), float64((int(d.Weekday())+6)%7 + 1), float64((int(at.Weekday())+6)%7 + 1)}
		require.Equal(t, wantParts, got, "row %d's date parts", i)
	}
}

// TestInferDateColumnNamedLikeAPart: a table with a date column d and a
// numeric column literally called d.year still reads; the part gets
// another name.
func TestInferDateColumnNamedLikeAPart(t *testing.T) {
	day0 := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	data := table(t, 40, 2,
		each("d", func(i int) string { return day0.AddDate(0, i, 0).Format("2006-01-02 15:04:05") }),
		numeric("d.year", 0, 9),
		numeric("price", 1, 2),
	)
	s, err := Infer(bytes.NewReader(data), InferOptions{Target: "price"})
	require.NoError(t, err)
	assert.Equal(t, Date, column(t, s, "d").Kind)
	assert.Equal(t, Numeric, column(t, s, "d.year").Kind)
	var fs []string
	for _, f := range s.Features {
		fs = append(fs, f.Name)
	}
	assert.Len(t, fs, 5)
	assert.Contains(t, fs, "d.year", "the table's own column")
	slices.Sort(fs)
	assert.Len(t, slices.Compact(slices.Clone(fs)), 5, "feature names are unique: %v", fs)
	tab, err := Read(bytes.NewReader(data), s)
	require.NoError(t, err)
	lo, hi := rangeOf(t, data, "d.year")
	own := tab.Cols[s.Index("d.year")].Values
	assert.Equal(t, lo, slices.Min(own), "d.year holds the table's column, not the date's year")
	assert.Equal(t, hi, slices.Max(own))
	for i, f := range s.Features {
		if f.Source == "d" && f.Part == "year" {
			assert.Equal(t, float64(day0.AddDate(0, 10, 0).Year()), tab.Cols[i].Values[10], "the date's year, as %s", f.Name)
		}
	}
}

// TestInferTarget: the task from the target column, and the refusals.
func TestInferTarget(t *testing.T) {
	x := numeric("x", 0, 1)
	intsOf := func(k int) gen { return gen{"y", func(_ int, r *rand.Rand) string { return strconv.Itoa(r.IntN(k)) }} }
	cases := []struct {
		name   string
		target gen
		task   string
		err    error    // nil: regression
		want   []string // in the error or the target's reason
	}{
		{"numeric", numeric("y", -3, 3), "", nil, []string{"numeric target", "regression"}},
		{"text", levels("y", "low", "mid", "high"), "", ErrTask, []string{`"y"`, "holds text", "a text or boolean target", "classification target", "-task regression"}},
		{"booleans", levels("y", "true", "false"), "", ErrTask, []string{"holds booleans", "classification target"}},
		{"integer with few values", intsOf(3), "", ErrTask, []string{"an integer column with 3 distinct values", "at most 10 distinct values"}},
		{"integer with 10 values", intsOf(10), "auto", ErrTask, []string{"10 distinct values"}},
		{"integer with 11 values", intsOf(11), "", nil, []string{"11 distinct values): regression"}},
		{"integer forced to regression", intsOf(3), Regression, nil, []string{"regression as -task says"}},
		{"text forced to regression", levels("y", "low", "high"), Regression, ErrInvalid, []string{`column "y"`, "-task regression needs a numeric target"}},
		{"classification asked for", numeric("y", 0, 1), Classification, ErrTask, []string{"classification", "not supported"}},
		{"unknown task", numeric("y", 0, 1), "ranking", ErrInvalid, []string{`"ranking"`}},
		{"constant", fixed("y", "7"), "", ErrInvalid, []string{`column "y"`, "constant", `"7"`}},
		{"empty", levels("y", "", "NA"), "", ErrInvalid, []string{`column "y"`, "empty on every row"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := table(t, 200, 3, x, levels("g", "a", "b"), c.target)
			s, err := Infer(bytes.NewReader(data), InferOptions{Target: "y", Task: c.task})
			if c.err == nil {
				require.NoError(t, err)
				assert.Equal(t, Regression, s.Task)
				for _, w := range c.want {
					assert.Contains(t, s.TargetReason, w)
				}
				return
			}
			require.ErrorIs(t, err, c.err)
			if c.err == ErrTask {
				assert.NotErrorIs(t, err, ErrInvalid, "a task refusal is not bad data")
			}
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestInferRefusals: what no schema can come out of.
func TestInferRefusals(t *testing.T) {
	y := numeric("y", 0, 1)
	cases := []struct {
		name string
		data []byte
		opts InferOptions
		want []string
	}{
		{"no target given", table(t, 20, 4, numeric("x", 0, 1), y), InferOptions{}, []string{"no target"}},
		{"target not a column", table(t, 20, 4, numeric("x", 0, 1), y), InferOptions{Target: "price"},
			[]string{`target "price" is not a column`, "columns: x, y"}},
		{"ignore not a column", table(t, 20, 4, numeric("x", 0, 1), y), InferOptions{Target: "y", Ignore: []string{"z"}}, []string{`"z"`, "not in the header"}},
		{"categorical not a column", table(t, 20, 4, numeric("x", 0, 1), y), InferOptions{Target: "y", Categorical: []string{"w"}}, []string{`"w"`}},
		{"no usable feature", table(t, 20, 4, each("id", func(i int) string { return fmt.Sprint("r", i) }), fixed("k", "1"), fixed("e", ""), y),
			InferOptions{Target: "y"}, []string{"no usable feature", "id (an identifier", `k (constant: every value is "1")`, "e (entirely empty)"}},
		{"everything ignored", table(t, 20, 4, numeric("x", 0, 1), y), InferOptions{Target: "y", Ignore: []string{"x"}}, []string{"no usable feature", "x (left out by -ignore)"}},
		{"empty file", nil, InferOptions{Target: "y"}, []string{"empty file"}},
		{"header only", []byte("x,y\n"), InferOptions{Target: "y"}, []string{"no data rows"}},
		{"duplicate column", []byte("x,y,x\n1,2,3\n"), InferOptions{Target: "y"}, []string{`duplicate column "x"`}},
		{"header not UTF-8", []byte("\xff,y\n1,2.5\n"), InferOptions{Target: "y"}, []string{"column 1's name", "not valid UTF-8"}},
		{"empty column name", []byte("x,,y\n1,2,3\n"), InferOptions{Target: "y"}, []string{"column 2 has an empty name"}},
		{"ragged row", []byte("x,y\n1,2\n3\n"), InferOptions{Target: "y"}, []string{"line 3", "has 1 fields, header has 2"}},
		{"malformed CSV", []byte("x,y\n1,\"2\n"), InferOptions{Target: "y"}, []string{"malformed CSV"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Infer(bytes.NewReader(c.data), c.opts)
			require.ErrorIs(t, err, ErrInvalid)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestInferDropsRowsWithoutTarget: rows whose target is missing are
// counted by inference and dropped by Read, the same rows.
func TestInferDropsRowsWithoutTarget(t *testing.T) {
	const n = 100
	var gone int
	data := table(t, n, 5, numeric("x", 0, 1), gen{"y", func(i int, r *rand.Rand) string {
		if r.IntN(7) == 0 {
			gone++
			return []string{"", "NA", "null", " NaN "}[i%4]
		}
		return strconv.Itoa(r.IntN(1000))
	}})
	require.Positive(t, gone)
	s, err := Infer(bytes.NewReader(data), InferOptions{Target: "y"})
	require.NoError(t, err)
	assert.Equal(t, gone, s.Dropped)
	assert.Equal(t, gone, s.TargetSeen.Missing)
	tab, err := Read(bytes.NewReader(data), s)
	require.NoError(t, err)
	assert.Equal(t, gone, tab.Dropped)
	assert.Equal(t, n-gone, tab.Len())
}

// TestInferMessyTable: a BOM, CRLF, quoted newlines and commas, spaces
// and the missing markers read.
func TestInferMessyTable(t *testing.T) {
	data := "\uFEFF size , kind ,note,price\r\n" +
		"1.5,\"big,\nred\",a,10\r\n" +
		"NA,small,b,11.5\r\n" +
		" 2 ,\"big,\nred\",a,12\r\n" +
		"NaN,small,b,13\r\n" +
		",  ,a,14.25\r\n" +
		"3,small,b,15\r\n"
	s, err := Infer(strings.NewReader(data), InferOptions{Target: "price"})
	require.NoError(t, err)
	assert.Equal(t, []string{"size", "kind", "note"}, names(s.Columns), "the BOM and the spaces are not in the names")
	size := column(t, s, "size")
	assert.Equal(t, Numeric, size.Kind, size.Reason)
	assert.Equal(t, 3, size.Seen.Missing, "NA, NaN and empty")
	assert.Equal(t, 1.5, size.Seen.Min)
	assert.Equal(t, 3.0, size.Seen.Max)
	kind := column(t, s, "kind")
	assert.Equal(t, Category, kind.Kind, kind.Reason)
	assert.Equal(t, 2, kind.Seen.Distinct)
	assert.Equal(t, 1, kind.Seen.Missing)
	assert.Equal(t, []LevelCount{{"small", 3}, {"big,\nred", 2}}, kind.Seen.Levels, "a quoted newline stays in the level")
	tab, err := Read(strings.NewReader(data), s)
	require.NoError(t, err)
	require.Equal(t, 6, tab.Len())
	assert.True(t, math.IsNaN(tab.Cols[0].Values[1]))
	assert.Equal(t, 2.0, tab.Cols[0].Values[2])
	assert.Equal(t, []float64{10, 11.5, 12, 13, 14.25, 15}, tab.Target)
	assert.Equal(t, int32(-1), tab.Cols[1].Codes[4], "a blank category is missing")
}

// TestInferNumberGrammar: a column with a cell outside the plain decimal
// grammar is not numeric.
func TestInferNumberGrammar(t *testing.T) {
	for _, bad := range []string{"0x1p6", "7_2", "+72", "Inf", "1,5", "1e", "--1"} {
		data := fmt.Sprintf("v,y\n1,1.5\n2.5,2.5\n-3e2,3.5\n.5,4.5\n%q,5.5\n6,6.5\n", bad)
		s, err := Infer(strings.NewReader(data), InferOptions{Target: "y"})
		require.NoError(t, err, bad)
		assert.Equal(t, Category, column(t, s, "v").Kind, "%s makes the column text", bad)
	}
	s, err := Infer(strings.NewReader("v,y\n1,1.5\n2.5,2.5\n-3e2,3.5\n.5,4.5\n5.,5.5\n6E+1,6.5\n"), InferOptions{Target: "y"})
	require.NoError(t, err)
	v := column(t, s, "v")
	assert.Equal(t, Numeric, v.Kind, v.Reason)
	assert.Equal(t, -300.0, v.Seen.Min)
	assert.Equal(t, 60.0, v.Seen.Max)
}

// TestInferFoldsRareLevelsInTheReason: a category of more than FoldAbove
// levels says how many of its levels are rare; a smaller one does not.
func TestInferFoldsRareLevelsInTheReason(t *testing.T) {
	for _, c := range []struct {
		common, rare int
		want         string
	}{
		{30, 10, "text with 40 levels (10 seen in fewer than 5 rows or beyond the 1000 most frequent fold into one (other) level)"},
		{20, 10, "text with 30 levels"},
		{32, 1, "text with 33 levels"}, // one rare level alone is kept
		{0, 40, "text with 40 levels"}, // every level rare: nothing to fold into
		{1100, 0, "text with 1100 levels (100 seen in fewer than 5 rows or beyond the 1000 most frequent fold"},
	} {
		var cells []string
		for i := range c.common {
			for range RareLevel {
				cells = append(cells, fmt.Sprintf("c%04d", i))
			}
		}
		for i := range c.rare {
			for range RareLevel - 1 {
				cells = append(cells, fmt.Sprintf("r%02d", i))
			}
		}
		data := table(t, len(cells), 6, each("level", func(i int) string { return cells[i] }), numeric("y", 0, 1))
		s, err := Infer(bytes.NewReader(data), InferOptions{Target: "y"})
		require.NoError(t, err)
		assert.Contains(t, column(t, s, "level").Reason, c.want)
		if !strings.Contains(c.want, "fold") {
			assert.NotContains(t, column(t, s, "level").Reason, "fold")
		}
	}
}

// TestInferIsDeterministic: the same bytes give the same schema, whatever
// the order maps are walked in.
func TestInferIsDeterministic(t *testing.T) {
	data := table(t, 300, 7, levels("a", "p", "q", "r", "s"), numeric("b", 0, 1), levels("c", "x", "y"), numeric("y", 0, 9))
	first, err := Infer(bytes.NewReader(data), InferOptions{Target: "y"})
	require.NoError(t, err)
	for range 5 {
		again, err := Infer(bytes.NewReader(data), InferOptions{Target: "y"})
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

func TestInferErrorsAreErrors(t *testing.T) {
	_, err := Infer(strings.NewReader("a,y\n1,x\n2,y\n"), InferOptions{Target: "y"})
	var e *Error
	assert.False(t, errors.As(err, &e), "a task refusal is not a data *Error: %v", err)
	assert.ErrorIs(t, err, ErrTask)
}
