package request

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/features"
)

// A category decodes as the level it names however it is written: other
// case, surrounding space, escapes, a non-ASCII letter that folds to the
// level's; the row holds the level's own string, in both decoders.
func TestJSONCategoryLevels(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	want, err := decodePredict([]byte(referenceJSON), fs, 16)
	require.NoError(t, err)
	for _, variant := range []string{
		`"FEMALE"`, `" Female "`, `"f\u0065male"`, `"\u0046EMALE"`, `"female\t"`,
	} {
		body := strings.Replace(referenceJSON, `"female"`, variant, 1)
		for _, b := range []string{body, `{"instances":[` + body + `]}`} {
			req, err := JSON([]byte(b), fs, 16)
			require.NoError(t, err, b)
			assert.Equal(t, want.Rows, req.Rows, b)
			strictReq, err := decodePredict([]byte(b), fs, 16)
			require.NoError(t, err, b)
			assert.Equal(t, want.Rows, strictReq.Rows, b)
		}
	}
	// Case folds for ASCII letters only: U+017F (long s) is not "s", nor
	// the Kelvin sign "k" (the same rule as CSV's).
	for _, v := range []string{`"\u017ftandard"`, `"ſtandard"`} {
		_, err = JSON([]byte(strings.Replace(referenceJSON, `"standard"`, v, 1)), fs, 16)
		assert.ErrorContains(t, err, "unknown category", v)
	}
}

// Every bad field is named at once, whatever path the body takes:
// escapes, invalid UTF-8 (taken as encoding/json takes it, replaced by
// U+FFFD, so naming no level) and wrong types in one record.
func TestJSONProblemsAtOnce(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	body := strings.NewReplacer(`"female"`, "\"fem\xffale\"", `"group B"`, `"gr\u006fup Q"`, `74`, `"74"`, `"lunch"`, `"l\u0075nch"`).Replace(referenceJSON)
	body = strings.Replace(body, `"reading_score":72`, `"reading_score":1e400,"shoe_size":9`, 1)
	_, err := JSON([]byte(body), fs, 16)
	var ps features.Problems
	require.ErrorAs(t, err, &ps, body)
	got := map[string]features.Problem{}
	for _, p := range ps {
		got[p.Field] = p
	}
	assert.Len(t, ps, 5, "%v", ps)
	assert.Equal(t, "fem\uFFFDale", got["gender"].Value)
	assert.Equal(t, []string{"female", "male"}, got["gender"].Allowed)
	assert.Equal(t, "group Q", got["race_ethnicity"].Value)
	assert.Contains(t, got["reading_score"].Reason, "finite")
	assert.Equal(t, `"74"`, got["writing_score"].Value)
	assert.Equal(t, "9", got["shoe_size"].Value)
}

// Duplicate members are found after unescaping names, in the body and in
// each record of a batch.
func TestJSONDuplicateMembers(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	dup := `{"g\u0065nder":"male",` + referenceJSON[1:]
	for body, where := range map[string]string{
		dup: `duplicate member "gender"`,
		`{"instances":[` + referenceJSON + `,` + dup + `]}`: `duplicate member "gender" in instances[1]`,
		`{"x":1,"\u0078":2}`: `duplicate member "x"`,
		`{"instances":[` + referenceJSON + `],"instances":[]}`: `duplicate member "instances"`,
	} {
		_, err := JSON([]byte(body), fs, 16)
		require.ErrorIs(t, err, ErrBadRequest, body)
		assert.Contains(t, err.Error(), where, body)
	}
}

// checkJSON bounds nesting at maxDepth levels below the body's value:
// member names and closing delimiters do not count, scalars do.
func TestCheckJSONDepth(t *testing.T) {
	nest := func(open, inner, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + inner + strings.Repeat(close, n))
	}
	for _, c := range []struct {
		body []byte
		ok   bool
	}{
		{nest("[", "", "]", maxDepth+1), true},
		{nest("[", "", "]", maxDepth+2), false},
		{nest("[", "1", "]", maxDepth), true},
		{nest("[", "1", "]", maxDepth+1), false},
		{nest(`{"a":`, `"x"`, "}", maxDepth), true},
		{nest(`{"a":`, `"x"`, "}", maxDepth+1), false},
		{nest(`{"a":`, "{}", "}", maxDepth), true},
		{nest(`{"a":`, "{}", "}", maxDepth+1), false},
	} {
		err := checkJSON(c.body)
		if c.ok {
			assert.NoError(t, err, "%s", c.body)
		} else {
			assert.ErrorIs(t, err, ErrBadRequest, "%s", c.body)
		}
	}
}

// A syntax error keeps jsontext's error in its chain, with where it is.
func TestJSONSyntaxErrorChain(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	_, err := JSON([]byte(`{"gender" "female"}`), fs, 16)
	require.ErrorIs(t, err, ErrBadRequest)
	assert.ErrorContains(t, err, "invalid JSON")
	assert.ErrorContains(t, err, "after offset 10")
	_, err = JSON([]byte(`{"gender":"female"} x`), fs, 16)
	assert.ErrorContains(t, err, "trailing data")
	err = checkJSON([]byte(`{"a":1,"a":2}`))
	assert.ErrorIs(t, err, jsontext.ErrDuplicateName)
	assert.ErrorContains(t, err, "duplicate")
	var se *jsontext.SyntacticError
	require.True(t, errors.As(checkJSON([]byte(`[1,]`)), &se), "want a *jsontext.SyntacticError in the chain")
	assert.Positive(t, se.ByteOffset, "where the error is")
}

// A body that gives "instances" and record fields is refused as such,
// whatever is wrong with the fields beside the batch.
func TestJSONInstancesWithFields(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	for _, body := range []string{
		`{"gender":"robot","instances":[` + referenceJSON + `]}`,
		`{"instances":[` + referenceJSON + `],"reading_score":-1}`,
	} {
		_, err := JSON([]byte(body), fs, 16)
		require.ErrorIs(t, err, ErrBadRequest, body)
		assert.ErrorContains(t, err, `"instances" cannot be combined`, body)
		var ps features.Problems
		assert.False(t, errors.As(err, &ps), "%s: got problems %v; want the combination named", body, ps)
	}
}
