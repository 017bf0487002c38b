package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
)

// modelSchemaOf fetches GET /model and returns its body, decoded loosely,
// and its data_schema decoded as a dataset.Schema.
func modelSchemaOf(t *testing.T, base string) (map[string]any, dataset.Schema, []byte) {
	t.Helper()
	status, _, body := send(t, "GET", base+"/model", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /model: %s", body)
	got := decodeAs[map[string]any](t, body)
	var raw struct {
		DataSchema json.RawMessage `json:"data_schema"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	var s dataset.Schema
	require.NoError(t, json.Unmarshal(raw.DataSchema, &s), "data_schema %s", raw.DataSchema)
	return got, s, raw.DataSchema
}

// TestModelShowsStudentSchema: GET /model of the student model shows the
// student schema whole (its labels, policies and bounds) with the sha256
// of its JSON, and its features with their declared bounds.
func TestModelShowsStudentSchema(t *testing.T) {
	root, _ := sampleStore(t)
	m := loadedModel(t, root).Model
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	got, s, raw := modelSchemaOf(t, base)

	want, err := json.Marshal(dataset.Students)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(raw), "data_schema: the student schema")
	assert.Equal(t, m.SchemaSHA256, got["schema_sha256"], "schema_sha256: model.json's")
	assert.Equal(t, model.Sum(want), got["schema_sha256"], "schema_sha256: the sha256 of the schema's JSON")
	assert.Equal(t, "math_score", s.Target)
	assert.Equal(t, "regression", got["task"])
	assert.True(t, s.Strict, "the student schema refuses unknown fields")
	for _, f := range got["schema"].([]any) {
		sf := f.(map[string]any)
		assert.Equal(t, true, sf["required"], "%s: every student field is required", sf["name"])
		if sf["kind"] == "category" {
			assert.Equal(t, "error", sf["unknown"], "%s: an unseen level is an error", sf["name"])
		}
	}
}

// TestModelShowsInferredSchema: GET /model of a model trained on another
// table shows the schema inference made of it: every column with its kind
// and reason (the ignored id, the date with its parts among the
// features), what it saw, the target and task; no bounds on its numbers.
func TestModelShowsInferredSchema(t *testing.T) {
	root, _, m := genericStore(t, true)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "MODEL_NAME": "price"})
	got, s, raw := modelSchemaOf(t, base)

	assert.Equal(t, "price", got["target"])
	assert.Equal(t, "price", s.Target)
	assert.Equal(t, "regression", s.Task)
	assert.Equal(t, m.SchemaSHA256, got["schema_sha256"])
	assert.Equal(t, model.Sum(raw), got["schema_sha256"], "schema_sha256 is the sha256 of data_schema as served")
	kinds := map[string]dataset.Kind{}
	for _, c := range s.Columns {
		kinds[c.Name] = c.Kind
		assert.NotEmpty(t, c.Reason, "column %s: the reason for its kind", c.Name)
		if c.Kind != dataset.Ignored {
			assert.NotNil(t, c.Seen, "column %s: what inference saw", c.Name)
		}
	}
	assert.Equal(t, map[string]dataset.Kind{"id": dataset.Ignored, "cut": dataset.Category, "colour": dataset.Category,
		"carat": dataset.Numeric, "depth": dataset.Numeric, "sold": dataset.Date}, kinds)
	fields := got["schema"].([]any)
	require.Len(t, fields, len(m.Features))
	for _, f := range fields {
		sf := f.(map[string]any)
		assert.Equal(t, false, sf["required"], "%s: an inferred column is optional", sf["name"])
		assert.NotContains(t, sf, "min", "%s: an inferred range is not a bound", sf["name"])
		assert.NotContains(t, sf, "max", "%s: an inferred range is not a bound", sf["name"])
		if sf["kind"] == "category" {
			assert.Equal(t, "missing", sf["unknown"], "%s: an unseen level is missing", sf["name"])
		}
	}
	assert.Equal(t, "sold", fields[len(fields)-1].(map[string]any)["source"], "a date part names its date column")
}
