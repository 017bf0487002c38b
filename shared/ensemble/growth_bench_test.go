package ensemble_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// BenchmarkBoostGrowth fits gradient boosting with a fixed configuration
// (100 trees, 31 leaves, learning rate 0.1, 255 bins, 20 rows per leaf as
// scikit-learn's HistGradientBoosting, no row subsampling, 2 goroutines per
// histogram) on synthetic:N split 80/20. ns/op is binning plus the fit;
// it reports the held-out R² and the process's peak RSS (run one size per
// process for a clean figure). Target at 1,000,000 rows: ≤ 2.5 s, ≤ 300 MB,
// R² ≥ 0.875.
func BenchmarkBoostGrowth(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tab, _, err := dataset.Load(context.Background(), fmt.Sprintf("synthetic:%d", n), dataset.Students, dataset.SourceOptions{Seed: 42})
			if err != nil {
				b.Fatal(err)
			}
			train, test, err := dataset.Split(tab, 0.2, 42)
			if err != nil {
				b.Fatal(err)
			}
			tab = nil
			tr, err := features.Fit(train)
			if err != nil {
				b.Fatal(err)
			}
			d, err := model.TreeData(tr, train)
			if err != nil {
				b.Fatal(err)
			}
			dt, err := model.TreeData(tr, test)
			if err != nil {
				b.Fatal(err)
			}
			y := train.Target
			train = nil
			var e *ensemble.Ensemble
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				binner, err := tree.FitBinner(d, nil, 255)
				if err != nil {
					b.Fatal(err)
				}
				bd, err := binner.Bin(d, nil)
				if err != nil {
					b.Fatal(err)
				}
				e, err = ensemble.FitBoost(bd, y, ensemble.Boost{Trees: 100, LearningRate: 0.1, Subsample: 1,
					Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 2}}, 42)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			pred := make([]float64, dt.Rows)
			for i := range pred {
				pred[i] = e.Predict(dt.Row(i))
			}
			m, err := metrics.EvaluateRegression(test.Target, pred)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(m.R2, "test-R2")
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			}
		})
	}
}

// BenchmarkBoostSmall is one fit of the default search's commonest kind:
// 256 trees of depth 3 with row subsampling on 533 rows (a fold's
// training rows of 800), binning included. It reports the time per tree.
func BenchmarkBoostSmall(b *testing.B) {
	tab, d := foldRows(b)
	const trees = 256
	b.ReportAllocs()
	for b.Loop() {
		binner, err := tree.FitBinner(d, nil, 255)
		if err != nil {
			b.Fatal(err)
		}
		bd, err := binner.Bin(d, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: trees, LearningRate: 0.1, Subsample: 0.8,
			Tree: tree.Params{MaxDepth: 3}}, 42); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*trees), "ns/tree")
}

// foldRows is a fold's training rows of the default search's kind: the
// first 533 of synthetic:800, and their tree layout.
func foldRows(b *testing.B) (*dataset.Table, *tree.Data) {
	tab, _, err := dataset.Load(context.Background(), "synthetic:800", dataset.Students, dataset.SourceOptions{Seed: 42})
	if err != nil {
		b.Fatal(err)
	}
	tab = tab.Subset(seqRows(533))
	tr, err := features.Fit(tab)
	if err != nil {
		b.Fatal(err)
	}
	d, err := model.TreeData(tr, tab)
	if err != nil {
		b.Fatal(err)
	}
	return tab, d
}

func seqRows(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// BenchmarkAdaBoostSmall is one AdaBoost.R2 fit of the default search's
// kind: 256 trees of depth 3 on 533 rows (a fold's training rows of 800),
// binned once outside the loop. It reports the time per tree.
func BenchmarkAdaBoostSmall(b *testing.B) {
	tab, d := foldRows(b)
	binner, err := tree.FitBinner(d, nil, 255)
	if err != nil {
		b.Fatal(err)
	}
	bd, err := binner.Bin(d, nil)
	if err != nil {
		b.Fatal(err)
	}
	const trees = 256
	b.ReportAllocs()
	for b.Loop() {
		e, err := ensemble.FitAdaBoost(bd, tab.Target, ensemble.AdaBoost{Trees: trees, LearningRate: 0.1, Tree: tree.Params{MaxDepth: 3}}, 42)
		if err != nil {
			b.Fatal(err)
		}
		if len(e.Trees) != trees {
			b.Fatalf("boosting stopped at %d trees; want %d", len(e.Trees), trees)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*trees), "ns/tree")
}
