package main

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/features"
)

func TestFormThousands(t *testing.T) {
	for n, want := range map[int]string{0: "", -5: "", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567"} {
		assert.Equal(t, want, formThousands(n), "formThousands(%d)", n)
	}
}

func TestFormCapitalize(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "choose one.": "Choose one.", "“150” must be": "“150” must be", "été": "Été",
		"\xff\xfeabc": "\xff\xfeabc", // invalid UTF-8 from a client stays as it came
	} {
		assert.Equal(t, want, formCapitalize(in), "formCapitalize(%q)", in)
	}
	assert.Equal(t, "Malformed form.", formSentence("malformed form"))
	assert.Equal(t, "Done.", formSentence("done."))
}

// TestFormErrorsBesideFields checks that each problem of a bad form lands
// beside its field, in the summary with a link to it, and that a problem
// with no field (an unknown one) is in the summary only.
func TestFormErrorsBesideFields(t *testing.T) {
	root, _ := sampleStore(t)
	l := loadedModel(t, root)
	values := url.Values{"gender": {" FEMALE "}, "writing_score": {"250"}}
	ps := features.Problems{
		{Field: "reading_score", Reason: "required"},
		{Field: "ethnicity", Value: "group Z", Reason: "unknown category", Allowed: []string{"group A", "group B"}},
		{Field: "writing_score", Value: "250", Reason: "must be between 0 and 100"},
		{Field: "shoe_size", Value: "9", Reason: "unknown field"},
	}
	fields, summary := fieldsOf(l.Model, values, ps)
	byName := map[string]formField{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	require.Len(t, byName, len(l.Model.Features))
	assert.Equal(t, "female", byName["gender"].Value, "a category is kept as its option, whatever its case and spaces")
	assert.Empty(t, byName["gender"].Error)
	assert.Equal(t, "Enter a number from 0 to 100.", byName["reading_score"].Error)
	assert.Equal(t, "“group Z” unknown category (choose one of: group A, group B).", byName["ethnicity"].Error)
	assert.Equal(t, "“250” must be between 0 and 100.", byName["writing_score"].Error)
	assert.Equal(t, "250", byName["writing_score"].Value)
	require.Len(t, summary, 4)
	assert.Equal(t, pageError{Field: "reading_score", Text: "Reading score: enter a number from 0 to 100."}, summary[0])
	assert.Equal(t, "ethnicity", summary[1].Field)
	assert.Equal(t, pageError{Text: "Shoe size: “9” unknown field."}, summary[3], "an unknown field has no input to link to")
}

// TestFormContributions checks the result's lines against the model's own
// explanation: largest first, the sign in the words and the side, bars in
// proportion to the largest.
func TestFormContributions(t *testing.T) {
	root, _ := sampleStore(t)
	l := loadedModel(t, root)
	m := l.Model
	rec := browserRecord()
	var row features.Row
	for _, c := range m.Transform.Categorical {
		row.Cat = append(row.Cat, rec[c.Name].(string))
	}
	for _, n := range m.Transform.Numeric {
		row.Num = append(row.Num, rec[n.Name].(float64))
	}
	exp, err := l.Explainer()
	require.NoError(t, err)
	ex, err := exp.Explain(row)
	require.NoError(t, err)
	lines := formContributions(m, exp.Reference(), row, ex)
	require.Len(t, lines, len(m.Features))
	top := 0.0
	for _, c := range ex.Contributions {
		top = math.Max(top, math.Abs(c))
	}
	prev := math.Inf(1)
	for _, ln := range lines {
		// Find the feature the line is about by its words.
		var c float64
		found := 0
		for i := range m.Features {
			if strings.HasPrefix(ln.Text, shortOf(m.Schema().Features[i], true)+" ") {
				c, found = ex.Contributions[i], found+1
			}
		}
		require.Equal(t, 1, found, "line %q names one feature", ln.Text)
		assert.LessOrEqual(t, math.Abs(c), prev, "line %q: want largest first", ln.Text)
		prev = math.Abs(c)
		switch ln.Direction {
		case "up":
			assert.Positive(t, c, ln.Text)
			assert.Contains(t, ln.Text, "(+")
		case "down":
			assert.Negative(t, c, ln.Text)
			assert.Contains(t, ln.Text, "(−")
		default:
			assert.Less(t, math.Abs(c), 0.05, ln.Text)
		}
		if ln.Direction != "none" {
			assert.Equal(t, strconv.FormatFloat(100*math.Abs(c)/top, 'f', 1, 64), ln.Width, "line %q: bar width", ln.Text)
		}
	}
}
