package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openAPIComponents fetches GET /openapi.json and returns its component
// schemas, decoded loosely, and its info.
func openAPIComponents(t *testing.T, base string) (schemas map[string]map[string]any, info map[string]any) {
	t.Helper()
	status, _, body := send(t, "GET", base+"/openapi.json", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /openapi.json")
	var doc struct {
		Info       map[string]any `json:"info"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc.Components.Schemas, doc.Info
}

// prop returns the named property of an object schema.
func prop(t *testing.T, schema map[string]any, name string) map[string]any {
	t.Helper()
	props, ok := schema["properties"].(map[string]any)
	require.True(t, ok, "no properties in %v", schema)
	p, ok := props[name].(map[string]any)
	require.True(t, ok, "no property %q in %v", name, props)
	return p
}

// TestOpenAPIDescribesStudentRecord: the student model's document
// describes its record as the student schema says: every field required,
// nothing else allowed, the categories' levels, the scores' bounds.
func TestOpenAPIDescribesStudentRecord(t *testing.T) {
	root, _ := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	schemas, info := openAPIComponents(t, base)
	rec := schemas["Record"]
	assert.ElementsMatch(t, []any{"gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course", "reading_score", "writing_score"}, rec["required"])
	assert.Equal(t, false, rec["additionalProperties"])
	assert.Equal(t, []any{"female", "male"}, prop(t, rec, "gender")["enum"])
	assert.Equal(t, "female", prop(t, rec, "gender")["example"], "the written examples stay")
	rs := prop(t, rec, "reading_score")
	assert.Equal(t, "number", rs["type"])
	assert.Equal(t, 0.0, rs["minimum"])
	assert.Equal(t, 100.0, rs["maximum"])
	assert.Contains(t, schemas["Form"]["required"], "ethnicity", "the form keeps the original's field names")
	assert.Contains(t, schemas["Prediction"]["required"], "math_score")
	assert.Equal(t, "Student math score predictor", info["title"])
}

// TestOpenAPIDescribesInferredRecord: another model's document describes
// its own record (a property per input, enums for small level sets, a
// date's format, nothing required) and keys its answer by its target.
func TestOpenAPIDescribesInferredRecord(t *testing.T) {
	root, _, m := genericStore(t, true)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "MODEL_NAME": "price"})
	schemas, info := openAPIComponents(t, base)
	rec := schemas["Record"]
	props := rec["properties"].(map[string]any)
	var names []string
	for n := range props {
		names = append(names, n)
	}
	assert.ElementsMatch(t, m.Schema().Inputs(), names, "one property per input")
	assert.NotContains(t, rec, "required", "an inferred schema requires nothing")
	assert.NotEqual(t, false, rec["additionalProperties"], "other fields are accepted")
	assert.Equal(t, []any{"Fair", "Good", "Ideal", "Premium", "Very Good"}, prop(t, rec, "cut")["enum"])
	assert.Equal(t, "string", prop(t, rec, "colour")["type"])
	assert.NotContains(t, prop(t, rec, "colour"), "enum", "60 levels: too many for an enum")
	carat := prop(t, rec, "carat")
	assert.Equal(t, "number", carat["type"])
	assert.NotContains(t, carat, "minimum", "an inferred range is no bound")
	sold := prop(t, rec, "sold")
	assert.Equal(t, "string", sold["type"])
	assert.Equal(t, "date", sold["format"])

	pred := schemas["Prediction"]
	assert.Equal(t, []any{"price", "model_version"}, pred["required"])
	assert.Contains(t, pred["properties"], "price")
	assert.NotContains(t, pred["properties"], "math_score")
	outputs := prop(t, schemas["InferRequest"], "outputs")["items"].(map[string]any)
	assert.Equal(t, []any{"price"}, prop(t, outputs, "name")["enum"], "the Open Inference Protocol's output is the target")
	assert.Equal(t, "Price predictor", info["title"])
}
