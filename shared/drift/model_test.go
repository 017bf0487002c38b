package drift_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// A model carries its baseline through model.json: the bytes are the same
// for the same data, the baseline decodes to what was fitted, and a model
// written before the field existed still loads, with none.
func TestModelRoundTrip(t *testing.T) {
	encode := func() []byte {
		m, tab := modeltest.Fit(t, "m", "synthetic:600", 4)
		b, err := drift.Fit(tab, m.Transform)
		require.NoError(t, err)
		m.Training = b
		data, err := model.Encode(m)
		require.NoError(t, err)
		return data
	}
	data := encode()
	assert.Equal(t, data, encode(), "same data and seed, same model.json")

	back, err := model.Load(data, model.Sum(data))
	require.NoError(t, err)
	require.NotNil(t, back.Training)
	m, tab := modeltest.Fit(t, "m", "synthetic:600", 4)
	want, err := drift.Fit(tab, m.Transform)
	require.NoError(t, err)
	assert.Equal(t, want, back.Training)
	again, err := model.Encode(back)
	require.NoError(t, err)
	assert.Equal(t, data, again, "decode and encode keep the bytes")
	_, err = drift.NewMonitor(back.Training, back.Transform)
	require.NoError(t, err, "a decoded model's baseline and transform make a monitor")

	old := modeltest.Encoded(t, "m", "synthetic:600", 4)
	require.NotContains(t, string(old), `"training"`)
	m, err = model.Load(old, model.Sum(old))
	require.NoError(t, err)
	assert.Nil(t, m.Training)
}

func TestModelRejectsBadBaseline(t *testing.T) {
	m, tab := modeltest.Fit(t, "m", "synthetic:300", 4)
	b, err := drift.Fit(tab, m.Transform)
	require.NoError(t, err)
	m.Training = b
	data, err := model.Encode(m)
	require.NoError(t, err)
	// A baseline of one row more than its counts add up to.
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	doc["training"].(map[string]any)["rows"] = 301
	bad, err := json.Marshal(doc)
	require.NoError(t, err)
	_, err = model.Decode(bad)
	assert.ErrorContains(t, err, "training baseline: baseline feature \"gender\" counts 300 rows; want 301")
}

func TestNewMonitorErrors(t *testing.T) {
	b, tr := fitTiny(t)
	_, err := drift.NewMonitor(nil, tr)
	assert.ErrorContains(t, err, "no baseline")
	_, err = drift.NewMonitor(b, nil)
	assert.ErrorContains(t, err, "no transform")
	_, other := students(t, 100, 1)
	_, err = drift.NewMonitor(b, other)
	assert.ErrorContains(t, err, `"color" does not match the transform`)
}

// The student model as train wrote it at 2391b4c (format 1), before
// baselines kept ranges or capped levels: its baseline decodes,
// re-encodes to the same bytes but for the kind's new name, and reads its
// scores in the student schema's declared [0, 100].
func TestStudentModelBaselineDecodes(t *testing.T) {
	data, err := os.ReadFile("testdata/student-model-2391b4c.json")
	require.NoError(t, err, "the fixture is part of the repository")
	var raw struct {
		Training json.RawMessage `json:"training"`
	}
	require.NoError(t, json.Unmarshal(data, &raw))
	m, err := model.Decode(data)
	require.NoError(t, err)
	require.NotNil(t, m.Training)
	again, err := json.Marshal(m.Training)
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, json.Compact(&want, raw.Training))
	// The one change: the kind "score" is now written "numeric".
	assert.Equal(t, strings.ReplaceAll(want.String(), `"kind":"score"`, `"kind":"numeric"`), string(again), "the baseline's bytes")
	reading := m.Training.Features[5]
	assert.Equal(t, "reading_score", reading.Name)
	assert.Equal(t, []float64{49, 55, 61, 65, 68, 72, 76, 80, 88}, reading.Edges)
	assert.Nil(t, reading.Min, "no recorded range")

	mon, err := drift.NewMonitor(m.Training, m.Transform)
	require.NoError(t, err)
	row := func(reading float64) features.Row {
		return features.Row{Cat: []string{"female", "group A", "high school", "standard", "none"}, Num: []float64{reading, 50}}
	}
	for _, v := range []float64{0, 48.5, 88, 100, 100.5, -0.5} {
		mon.Observe(row(v))
	}
	rep := mon.Snapshot().Features[5]
	assert.Equal(t, 0.0, *rep.Min)
	assert.Equal(t, 100.0, *rep.Max)
	assert.Equal(t, 0.0, *rep.Bins[0].Lo)
	assert.Equal(t, 100.0, *rep.Bins[9].Hi)
	assert.EqualValues(t, 2, rep.Bins[0].Served, "0 and 48.5")
	assert.EqualValues(t, 2, rep.Bins[9].Served, "88 and 100")
	assert.EqualValues(t, 2, rep.OutOfRange, "outside [0, 100]")
}
