package batch_test

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// A model of another table scores a file in its own schema: the output
// column is its target, or predicted_<target> when the input has the
// target; an unseen level and a missing number are imputed, an ignored
// column and extra columns ride along, and a bad date is a bad row naming
// the column.
func TestScoreGenericSchema(t *testing.T) {
	m, _ := modeltest.GenericModel(t, "price", true)
	row := func(zip, grade string, sqft float64) features.Row {
		return features.Row{Cat: []string{zip, grade}, Num: []float64{sqft, -250, 2024, 3, 1, 5}}
	}
	predict := func(r features.Row) string {
		y, err := m.Predict(r)
		require.NoError(t, err)
		return strconv.FormatFloat(y, 'g', -1, 64)
	}
	body := "95823,fair,1500.5,-250,2024-03-01\n99999,FAIR,NA,-250,2024-03-01\n"
	for _, c := range []struct {
		name, header, col string
		prefix            string
	}{
		{"no target", "zip,grade,sqft,balance,listed", "price", ""},
		{"with the target and the ID", "id,price,zip,grade,sqft,balance,listed", "predicted_price", "A1,9,"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var in strings.Builder
			in.WriteString(c.header + ",note\n")
			for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
				in.WriteString(c.prefix + l + ",x\n")
			}
			var out bytes.Buffer
			res, err := batch.Score(context.Background(), m, strings.NewReader(in.String()), &out, batch.Options{})
			require.NoError(t, err)
			assert.Equal(t, batch.Result{Rows: 2, Scored: 2}, res)
			recs := readCSV(t, out.Bytes())
			require.Len(t, recs, 3)
			assert.Equal(t, c.col, recs[0][len(recs[0])-1], "the output column")
			assert.Equal(t, predict(row("95823", "fair", 1500.5)), recs[1][len(recs[1])-1])
			assert.Equal(t, predict(row("", "fair", math.NaN())), recs[2][len(recs[2])-1], "unseen zip and missing sqft imputed")
		})
	}
	var out, errs bytes.Buffer
	res, err := batch.Score(context.Background(), m, strings.NewReader("zip,grade,sqft,balance,listed\n95823,fair,1,2,soon\n"), &out, batch.Options{Errors: &errs})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Bad)
	assert.Contains(t, errs.String(), "listed")
	assert.Equal(t, "predicted_x", batch.OutputColumn("x", []string{"a", "x"}))
	assert.Equal(t, "x", batch.OutputColumn("x", []string{"a", "predicted_x"}))
}
