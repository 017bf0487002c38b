package main

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// predictResponse is the student model's answer to one record, as the
// tests read it (the server writes it as targetAnswer, keyed by the
// model's target).
type predictResponse struct {
	MathScore    float64 `json:"math_score"`
	ModelVersion string  `json:"model_version"`
}

// The one-record answer is written by hand; it must be what encoding/json
// writes for the struct it replaced, for any number and target.
func TestTargetAnswerAsEncodingJSON(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 66.1, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e20, 1e21, 123456789012345678901234.0, -3.25e-300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for _, target := range []string{"math_score", "price", `a"b<c>&\d`, "ünï", "x\u2028y"} {
		for _, v := range values {
			got, err := json.Marshal(answer(target, v, "20260101T000000Z-abc"))
			require.NoError(t, err)
			want, err := json.Marshal(map[string]any{target: v, "model_version": "20260101T000000Z-abc"})
			require.NoError(t, err)
			var a, b map[string]any
			require.NoError(t, json.Unmarshal(got, &a), "%s", got)
			require.NoError(t, json.Unmarshal(want, &b))
			assert.Equal(t, b, a)
			if target == "math_score" {
				old, err := json.Marshal(predictResponse{MathScore: v, ModelVersion: "20260101T000000Z-abc"})
				require.NoError(t, err)
				assert.Equal(t, string(old), string(got), "the student answer byte for byte")
			}
		}
	}
	_, err := json.Marshal(answer("price", math.NaN(), "v"))
	assert.Error(t, err, "NaN is no JSON number")
}
