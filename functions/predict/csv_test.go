package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func csvServer(t *testing.T, kv ...string) string {
	t.Helper()
	root := t.TempDir()
	m, tab := fitModel(t, "sample", 1)
	pushModel(t, root, m, tab, time.Now())
	env := map[string]string{"MODEL_STORE": root}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	base, _ := startServer(t, env)
	return base
}

// The same rows as CSV and as JSON give identical numbers; CSV answers
// CSV unless the client accepts only JSON.
func TestPredictCSV(t *testing.T) {
	base := csvServer(t)
	data := string(generated(t, 500, 4))
	status, hdr, body := send(t, "POST", base+"/predict", ctHeader("text/csv"), data)
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Equal(t, "text/csv; charset=utf-8", hdr.Get("Content-Type"))
	assert.NotEmpty(t, hdr.Get("X-Model-Version"))
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	require.Len(t, lines, 501)
	assert.Equal(t, "math_score", lines[0])

	h := ctHeader("text/csv")
	h.Set("Accept", "application/json")
	status, hdr, jbody := send(t, "POST", base+"/predict", h, data)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, hdr.Get("Content-Type"), "application/json")
	var res batchResponse
	require.NoError(t, json.Unmarshal(jbody, &res))
	require.Len(t, res.Predictions, 500)
	for i, l := range lines[1:] {
		v, err := strconv.ParseFloat(l, 64)
		require.NoError(t, err)
		require.Equal(t, res.Predictions[i], v, "row %d", i+1)
	}
	// And the JSON API on the same rows (assertScoresMatchAPI builds the
	// instances from the CSV).
	scored := "x\n"
	for _, l := range lines[1:] {
		scored += l + "\n"
	}
	assertScoresMatchAPI(t, base, []byte(data), []byte(scored))

	// Columns in another order, an extra one, spaces and CRLF.
	reordered := "writing_score, extra ,reading_score,gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course\r\n" +
		"74,x,72, female ,group B,bachelor's degree,standard,none\r\n"
	status, _, body = send(t, "POST", base+"/predict", h, reordered)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var one batchResponse
	require.NoError(t, json.Unmarshal(body, &one))
	assert.Equal(t, predictOne(t, base, referenceJSON).MathScore, one.Predictions[0])
}

func TestPredictCSVReportsEveryProblem(t *testing.T) {
	base := csvServer(t, "MAX_BATCH", "5", "MAX_BODY_BYTES", "2048")
	in := batchHeader +
		"female,group B,bachelor's degree,standard,none,72,74\n" +
		"female,group Q,bachelor's degree,standard,none,7x2,74\n" + // line 3: two problems
		"female,group B,bachelor's degree,standard\n" + // line 4: ragged
		"male,group B,bachelor's degree,standard,none,72,101\n" // line 5
	status, hdr, body := send(t, "POST", base+"/predict", ctHeader("text/csv"), in)
	require.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, hdr.Get("Content-Type"), "application/json", "errors are JSON")
	var e errorBody
	require.NoError(t, json.Unmarshal(body, &e))
	var got []string
	for _, p := range e.Problems {
		got = append(got, strconv.Itoa(p.Line)+" "+p.Field+" "+p.Reason)
	}
	assert.ElementsMatch(t, []string{
		"3 reading_score not a number",
		"3 race_ethnicity unknown category",
		"4  has 4 fields, header has 7",
		"5 writing_score out of range [0, 100]",
	}, got, "%s", body)
	assert.Contains(t, e.Error, `line 3, field "race_ethnicity", value "group Q": unknown category`)

	for name, c := range map[string]struct {
		body, want string
		status     int
	}{
		"no rows":     {batchHeader, "no rows", 400},
		"bad header":  {"gender,lunch\nfemale,standard\n", `missing required column \"race_ethnicity\"`, 400},
		"empty":       {"", "empty file", 400},
		"over batch":  {batchHeader + strings.Repeat("female,group B,bachelor's degree,standard,none,72,74\n", 6), "MAX_BATCH", 413},
		"over body":   {batchHeader + strings.Repeat("x", 3000), "MAX_BODY_BYTES", 413},
		"bare quote":  {batchHeader + "fe\"male,group B,bachelor's degree,standard,none,72,74\n", "malformed CSV", 400},
		"binary junk": {"\x00\xff\xfe,\x01\n\x02", "missing required column", 400},
	} {
		status, _, body := send(t, "POST", base+"/predict", ctHeader("text/csv"), c.body)
		assert.Equal(t, c.status, status, "%s: %s", name, body)
		assert.Contains(t, string(body), c.want, name)
	}
	_, _, body = send(t, "POST", base+"/predict", ctHeader("application/json"), `{"instances":[`+strings.Repeat(referenceJSON+",", 20)+referenceJSON+`]}`)
	assert.Contains(t, string(body), "MAX_BODY_BYTES")
	assert.Contains(t, string(body), "MAX_BATCH", "a 413 names both limits")
}
