package report_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/regress"
	"github.com/studentperf/studentperf/shared/report"
)

func TestRenderShowsTheDecisionAndEscapes(t *testing.T) {
	m := &model.Metrics{
		Selected: "ols",
		Test:     regress.Metrics{R2: 0.8804, RMSE: 5.394, MAE: 4.215, Rows: 3},
		CV:       model.CV{Folds: 5, R2Mean: 0.87, R2Std: 0.012},
		Candidates: []model.Candidate{
			{Name: "ols", CVR2Mean: 0.87}, {Name: "<script>alert(1)</script>", CVR2Mean: 0.5},
		},
		Data: model.DataInfo{URI: "sample", Rows: 1000, SHA256: "abc"},
		Push: &model.PushInfo{Reason: "no current model"},
	}
	page, err := report.Render(report.Input{Model: "student-math-score", Metrics: m, Actual: []float64{50, 60, 70}, Predicted: []float64{52, 58, 71}})
	require.NoError(t, err)
	s := string(page)
	for _, want := range []string{"<svg", "0.8804", "5.3940", "no current model", "ols", "&lt;script&gt;"} {
		assert.Contains(t, s, want, "report lacks it")
	}
	assert.NotContains(t, s, "<script>alert", "a candidate name reached the page unescaped")
	assert.Equal(t, 3, strings.Count(s, "<circle"), "points in the scatter")
}

func TestRenderRejectsMismatchedInput(t *testing.T) {
	_, err := report.Render(report.Input{Metrics: &model.Metrics{}, Actual: []float64{1}})
	assert.Error(t, err, "targets without predictions")
	_, err = report.Render(report.Input{})
	assert.Error(t, err, "no metrics")
}
