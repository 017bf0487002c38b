package metrics_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/metrics"
)

func ExampleEvaluateClassification() {
	y := []int{0, 0, 1, 1}
	p := [][]float64{{0.9, 0.1}, {0.4, 0.6}, {0.35, 0.65}, {0.2, 0.8}}
	c, err := metrics.EvaluateClassification(y, p, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("accuracy %.2f, ROC AUC %.2f, F1 %.2f, log loss %.4f\n", c.Accuracy, c.ROCAUC, c.F1, c.LogLoss)
	fmt.Println("confusion", c.Confusion)
	// Output:
	// accuracy 0.75, ROC AUC 1.00, F1 0.80, log loss 0.4189
	// confusion [[1 1] [0 2]]
}

func ExampleChooseThreshold() {
	y := []int{0, 0, 1, 1}
	p := [][]float64{{0.9, 0.1}, {0.4, 0.6}, {0.35, 0.65}, {0.2, 0.8}}
	t, err := metrics.ChooseThreshold(y, p, 1, metrics.MetricF1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("predict class 1 when p ≥ %.3f: F1 %.2f\n", t.Threshold, t.Value)
	// Output:
	// predict class 1 when p ≥ 0.625: F1 1.00
}
