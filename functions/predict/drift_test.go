package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
)

// driftReport is GET /model/drift's body as a client reads it.
type driftReport struct {
	ModelVersion string `json:"model_version"`
	Records      int64  `json:"records"`
	TrainingRows int    `json:"training_rows"`
	Warnings     []string
	Features     []struct {
		Name       string   `json:"name"`
		Kind       string   `json:"kind"`
		Served     int64    `json:"served"`
		Missing    int64    `json:"missing"`
		Unseen     int64    `json:"unseen"`
		OutOfRange int64    `json:"out_of_range"`
		Min        *float64 `json:"min"`
		Max        *float64 `json:"max"`
		PSI        *float64 `json:"psi"`
		Bins       []struct {
			Level            string   `json:"level"`
			Other            bool     `json:"other"`
			Lo               *float64 `json:"lo"`
			Hi               *float64 `json:"hi"`
			Served           int64    `json:"served"`
			ExpectedFraction float64  `json:"expected_fraction"`
		} `json:"bins"`
	} `json:"features"`
}

// GET /model/drift reports every feature of the served records against
// the model's own baseline: each category's levels, each score's bins
// between the range its schema declares, the counts where the records
// fell and the training shares.
func TestDriftReportJSON(t *testing.T) {
	root, version, m := driftStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	records := append([]map[string]any{referenceRecord}, otherRecords...)
	status, _, body := post(t, base+"/predict", "application/json", mustJSON(t, map[string]any{"instances": records}))
	require.Equal(t, http.StatusOK, status, "batch: %s", body)

	status, h, body := send(t, "GET", base+"/model/drift", nil, "")
	require.Equal(t, http.StatusOK, status, "GET /model/drift: %s", body)
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	rep := decodeAs[driftReport](t, body)
	assert.Equal(t, version, rep.ModelVersion)
	assert.EqualValues(t, len(records), rep.Records)
	assert.NotNil(t, rep.Warnings)
	require.Len(t, rep.Features, len(m.Features))
	cat := 0
	for i, f := range rep.Features {
		bf := m.Training.Features[i]
		require.Equal(t, m.Features[i].Name, f.Name)
		assert.EqualValues(t, len(records), f.Served, f.Name)
		assert.Zero(t, f.Missing+f.Unseen+f.OutOfRange, f.Name)
		require.NotNil(t, f.PSI, f.Name)
		assert.GreaterOrEqual(t, *f.PSI, 0.0, f.Name)
		served := make([]int64, len(f.Bins))
		if bf.Kind == dataset.Category {
			assert.Equal(t, "category", f.Kind)
			assert.Nil(t, f.Min, f.Name)
			levels := m.Transform.Categorical[cat].Levels
			cat++
			require.Len(t, f.Bins, len(levels), f.Name)
			for j, b := range f.Bins {
				assert.Equal(t, levels[j], b.Level, f.Name)
				assert.False(t, b.Other, f.Name)
				for _, r := range records {
					if r[f.Name] == b.Level {
						served[j]++
					}
				}
			}
		} else {
			assert.Equal(t, "numeric", f.Kind)
			require.NotNil(t, f.Min, f.Name)
			assert.Equal(t, 0.0, *f.Min, "%s: the schema's bounds", f.Name)
			assert.Equal(t, 100.0, *f.Max, "%s: the schema's bounds", f.Name)
			require.Len(t, f.Bins, len(bf.Edges)+1, f.Name)
			lo := *f.Min
			for j, b := range f.Bins {
				assert.Equal(t, lo, *b.Lo, "%s bin %d starts where the last ended", f.Name, j)
				lo = *b.Hi
				for _, r := range records {
					v := r[f.Name].(float64)
					if v >= *b.Lo && (v < *b.Hi || j == len(f.Bins)-1 && v == *b.Hi) {
						served[j]++
					}
				}
			}
			assert.Equal(t, *f.Max, lo, "%s: the last bin ends at the top", f.Name)
		}
		for j, b := range f.Bins {
			assert.Equal(t, served[j], b.Served, "%s bin %d", f.Name, j)
			assert.InDelta(t, float64(bf.Counts[j])/float64(m.Training.Rows), b.ExpectedFraction, 1e-12, "%s bin %d", f.Name, j)
		}
	}
}
