package metrics

import (
	"errors"
	"math"
)

// Regression holds the scores of predictions against known targets.
type Regression struct {
	R2   float64 `json:"r2"`
	RMSE float64 `json:"rmse"`
	MAE  float64 `json:"mae"`
	Rows int     `json:"rows"`
}

// EvaluateRegression scores pred against y. R² is 1 − SSE/SST with SST taken around
// the mean of y; when SST is exactly 0 it is 1 for a perfect fit and 0
// otherwise, as scikit-learn's r2_score does (like it, a constant y whose
// mean is not exactly representable gives a tiny SST and a huge R²).
func EvaluateRegression(y, pred []float64) (Regression, error) {
	if len(y) != len(pred) {
		return Regression{}, errors.New("metrics: targets and predictions differ in length")
	}
	if len(y) == 0 {
		return Regression{}, errors.New("metrics: no rows")
	}
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var sse, sst, sae float64
	for i, v := range y {
		e := v - pred[i]
		sse += e * e
		sae += math.Abs(e)
		d := v - mean
		sst += d * d
	}
	n := float64(len(y))
	return Regression{R2: R2(sse, sst), RMSE: math.Sqrt(sse / n), MAE: sae / n, Rows: len(y)}, nil
}

// R2 is 1 − sse/sst, with the r2_score convention for sst = 0: 1 for a
// perfect fit (sse = 0), else 0.
func R2(sse, sst float64) float64 {
	if sst == 0 {
		if sse == 0 {
			return 1
		}
		return 0
	}
	return 1 - sse/sst
}
