package table_test

import (
	"math"
	"testing"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// widePredictModel is the fitted model BenchmarkPredictBatchWide predicts
// with, fitted once per process.
var widePredictModel *ensemble.Ensemble

// predictBlock is how many rows predict batch hands PredictBatch at a
// time.
const predictBlock = 4096

// BenchmarkPredictBatchWide is issue 18's batch prediction case below the
// CSV: the generated 1M-row table (its 800,000 training rows, then its
// 200,000 held-out ones) through PredictBatch in blocks of 4,096 rows, as
// predict batch hands them over, with the boosting model (100
// trees of 31 leaves, learning rate 0.1, native categories and missing
// values) fitted on the first 200,000 rows, once, outside the timing.
// Run with -cpu 1 for one core's rate; it reports rows/s and the CPU time
// a row takes (all goroutines).
func BenchmarkPredictBatchWide(b *testing.B) {
	wideData(b)
	if widePredictModel == nil {
		const fitRows = 200_000
		p := wide.train.Cols()
		d := &tree.Data{Rows: fitRows, Levels: wide.train.Levels, X: wide.train.X[:fitRows*p]}
		binner, err := tree.FitBinner(d, nil, 255)
		if err != nil {
			b.Fatal(err)
		}
		bd, err := binner.Bin(d, nil)
		if err != nil {
			b.Fatal(err)
		}
		widePredictModel, err = ensemble.FitBoost(bd, wide.y[:fitRows], ensemble.Boost{Trees: 100, LearningRate: 0.1, Subsample: 1,
			Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 2}}, 42)
		if err != nil {
			b.Fatal(err)
		}
		widePredictModel.Prepare()
	}
	e := widePredictModel
	p := wide.train.Cols()
	parts := []*tree.Data{wide.train, wide.test}
	rows := wide.train.Rows + wide.test.Rows
	out := make([]float64, predictBlock)
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		for _, d := range parts {
			for lo := 0; lo < d.Rows; lo += predictBlock {
				n := min(predictBlock, d.Rows-lo)
				e.PredictBatch(d.X[lo*p:(lo+n)*p], p, out[:n])
			}
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(rows), "cpu-ns/row")
	if math.IsNaN(out[0]) {
		b.Fatal("NaN prediction")
	}
}
