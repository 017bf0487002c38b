package report_test

import (
	"strings"
	"testing"

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
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{"<svg", "0.8804", "5.3940", "no current model", "ols", "&lt;script&gt;"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(s, "<script>alert") {
		t.Error("a candidate name reached the page unescaped")
	}
	if strings.Count(s, "<circle") != 3 {
		t.Errorf("scatter: got %d points; want 3", strings.Count(s, "<circle"))
	}
}

func TestRenderRejectsMismatchedInput(t *testing.T) {
	if _, err := report.Render(report.Input{Metrics: &model.Metrics{}, Actual: []float64{1}}); err == nil {
		t.Error("targets without predictions: got nil; want an error")
	}
	if _, err := report.Render(report.Input{}); err == nil {
		t.Error("no metrics: got nil; want an error")
	}
}
