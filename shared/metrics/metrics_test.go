package metrics_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/metrics"
)

func TestEvaluate(t *testing.T) {
	for _, tt := range []struct {
		name    string
		y, pred []float64
		want    metrics.Regression
	}{
		// SSE 1, SST 5.
		{"one miss", []float64{1, 2, 3, 4}, []float64{1, 2, 3, 5}, metrics.Regression{R2: 0.8, RMSE: 0.5, MAE: 0.25, Rows: 4}},
		// Errors 1, -2, 0, 2: SSE 9, SAE 5; mean 1.5, SST 17.
		{"mixed signs", []float64{3, -1, 4, 0}, []float64{2, 1, 4, -2}, metrics.Regression{R2: 8.0 / 17, RMSE: 1.5, MAE: 1.25, Rows: 4}},
		{"perfect", []float64{10, 20, 30}, []float64{10, 20, 30}, metrics.Regression{R2: 1, RMSE: 0, MAE: 0, Rows: 3}},
		// Predicting the mean explains nothing.
		{"mean", []float64{1, 2, 3, 6}, []float64{3, 3, 3, 3}, metrics.Regression{R2: 0, RMSE: math.Sqrt(14.0 / 4), MAE: 1.5, Rows: 4}},
		// SSE 8, SST 2: worse than the mean.
		{"worse than mean", []float64{0, 2}, []float64{2, 0}, metrics.Regression{R2: -3, RMSE: 2, MAE: 2, Rows: 2}},
		// Constant y: r2_score gives 1 for a perfect fit and 0 otherwise.
		{"constant y, perfect", []float64{5, 5, 5}, []float64{5, 5, 5}, metrics.Regression{R2: 1, RMSE: 0, MAE: 0, Rows: 3}},
		{"constant y, imperfect", []float64{5, 5, 5}, []float64{5, 5, 8}, metrics.Regression{R2: 0, RMSE: math.Sqrt(3), MAE: 1, Rows: 3}},
		{"one row, perfect", []float64{7}, []float64{7}, metrics.Regression{R2: 1, Rows: 1}},
		{"one row, miss", []float64{7}, []float64{6}, metrics.Regression{R2: 0, RMSE: 1, MAE: 1, Rows: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := metrics.EvaluateRegression(tt.y, tt.pred)
			require.NoError(t, err)
			const tol = 1e-12
			assert.InDelta(t, tt.want.R2, got.R2, tol, "R²")
			assert.InDelta(t, tt.want.RMSE, got.RMSE, tol, "RMSE")
			assert.InDelta(t, tt.want.MAE, got.MAE, tol, "MAE")
			assert.Equal(t, tt.want.Rows, got.Rows, "rows")
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		y, pred []float64
	}{
		{"lengths differ", []float64{1, 2}, []float64{1}},
		{"no predictions", []float64{1}, nil},
		{"no rows", nil, nil},
		{"empty rows", []float64{}, []float64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = metrics.EvaluateRegression(tt.y, tt.pred) })
			assert.Error(t, err)
		})
	}
}
