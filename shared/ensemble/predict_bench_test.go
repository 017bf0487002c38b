package ensemble_test

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// boosted256 is a 256-tree gradient boosting model with 31 leaves a tree
// (learning rate 0.1, 20 rows a leaf) fitted on synthetic:20000, with the
// 10,000 rows of synthetic:10000 (another draw) in the tree layout to
// predict. It is fitted once per test binary.
var boosted256 = sync.OnceValues(func() (*ensemble.Ensemble, *tree.Data) {
	load := func(uri string, seed uint64) *dataset.Table {
		tab, _, err := dataset.Load(context.Background(), uri, dataset.Students, dataset.SourceOptions{Seed: seed})
		if err != nil {
			panic(err)
		}
		return tab
	}
	train, test := load("synthetic:20000", 42), load("synthetic:10000", 7)
	tr, err := features.Fit(train)
	if err != nil {
		panic(err)
	}
	d, err := model.TreeData(tr, train)
	if err != nil {
		panic(err)
	}
	dt, err := model.TreeData(tr, test)
	if err != nil {
		panic(err)
	}
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	if err != nil {
		panic(err)
	}
	bd, err := b.Bin(d, nil)
	if err != nil {
		panic(err)
	}
	e, err := ensemble.FitBoost(bd, train.Target, ensemble.Boost{Trees: 256, LearningRate: 0.1, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 2}}, 42)
	if err != nil {
		panic(err)
	}
	if err := e.Check(d.Levels); err != nil {
		panic(err)
	}
	return e, dt
})

// BenchmarkPredict is one row through the 256-tree, 31-leaf model.
// Target: ≤ 5 µs, 0 allocations.
func BenchmarkPredict(b *testing.B) {
	e, d := boosted256()
	b.ReportAllocs()
	sink := e.Predict(d.Row(0)) // anything prepared on first use, outside the timing
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		sink += e.Predict(d.Row(i))
		i = (i + 1) % d.Rows
	}
	reportCPU(b, cpu)
	_ = sink
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start: on a shared,
// loaded machine it varies less than the wall time, though it sums all
// goroutines of a parallel batch.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPredictBatch is the 10,000 rows through the same model in one
// call. Target: ≤ 10 ms.
func BenchmarkPredictBatch(b *testing.B) {
	e, d := boosted256()
	out := make([]float64, d.Rows)
	e.PredictBatch(d.X, d.Cols(), out) // anything prepared on first use, outside the timing
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		e.PredictBatch(d.X, d.Cols(), out)
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(d.Rows), "ns/row")
}

// BenchmarkCompile is tree.Compile of the same model, which a model pays
// once when it is loaded.
func BenchmarkCompile(b *testing.B) {
	e, _ := boosted256()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.Compile(e.Trees); err != nil {
			b.Fatal(err)
		}
	}
}
