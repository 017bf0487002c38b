package metrics_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/metrics"
)

func ExampleEvaluateRegression() {
	m, err := metrics.EvaluateRegression([]float64{1, 2, 3, 4}, []float64{1, 2, 3, 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("R² %.4f, RMSE %.4f, MAE %.4f over %d rows\n", m.R2, m.RMSE, m.MAE, m.Rows)
	// Output:
	// R² 0.8000, RMSE 0.5000, MAE 0.2500 over 4 rows
}
