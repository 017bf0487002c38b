package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
)

// The request decoders name bad fields before a row reaches the model;
// the model checks each row again when it predicts (a decoder and a model
// that disagree, or a route that skips the decoder). A row refused there
// answers 400 naming every bad field, with its value, as the decoders'
// answers do: the model's features.Problems survive the wrapping.
func TestRowRefusedByTheModelNamesTheBadFields(t *testing.T) {
	root, _ := sampleStore(t)
	log := slog.New(slog.DiscardHandler)
	pred := predictor.New(modelstore.NewDir(root), modelName, log)
	a := newAPI(pred, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log)
	require.NoError(t, pred.Reload(context.Background()), "load the model")
	l := pred.Current()
	tr := l.Model.Transform

	good := features.Row{Cat: make([]string, len(tr.Categorical)), Num: make([]float64, len(tr.Numeric))}
	for i, c := range tr.Categorical {
		good.Cat[i] = c.Levels[0]
	}
	for j := range good.Num {
		good.Num[j] = 70
	}
	bad := features.Row{Cat: append([]string(nil), good.Cat...), Num: append([]float64(nil), good.Num...)}
	bad.Cat[0], bad.Num[0] = "martian", 250

	_, err := a.predictRows(httptest.NewRecorder(), l, []features.Row{good, bad})
	require.Error(t, err)
	rec := httptest.NewRecorder()
	writeError(rec, err)
	assert.Equal(t, http.StatusBadRequest, rec.Code, "body: %s", rec.Body)
	var body errorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "body: %s", rec.Body)
	assert.Contains(t, body.Error, "row 2", "the error names the row")
	named := map[string]string{}
	for _, p := range body.Problems {
		named[p.Field] = p.Value
	}
	assert.Equal(t, map[string]string{tr.Categorical[0].Name: "martian", tr.Numeric[0].Name: "250"}, named,
		"each bad field with its value, in %s", rec.Body)
}
