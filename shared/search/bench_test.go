package search

import (
	"bytes"
	"context"
	"syscall"
	"testing"

	"github.com/studentperf/studentperf/infra/bench/table"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
	"github.com/studentperf/studentperf/shared/tree"
)

// BenchmarkDefaultSearch is the whole default search (the original's grids,
// its 3-fold CV) on the original's 800 training rows, with the process's
// peak RSS. Target: ≤ 0.6 s and ≤ 100 MB on 2 cores.
func BenchmarkDefaultSearch(b *testing.B) {
	in := benchInputs(b, studentdata.Path(b, "train.csv"))
	var start syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &start); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Run(in, DefaultGrid(), Options{Folds: 3, Seed: 42}); err != nil {
			b.Fatal(err)
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
		// CPU time of all goroutines: steadier than wall time on a
		// shared machine; about twice the wall time on 2 busy cores.
		cpu := func(r *syscall.Rusage) int64 { return r.Utime.Nano() + r.Stime.Nano() }
		b.ReportMetric(float64(cpu(&ru)-cpu(&start))/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkStagedMedian scores a fold's validation rows at every staged
// tree count of the default grid, as scoreTrees does for AdaBoost: 256 trees of
// depth 3 fitted on the first 533 rows of synthetic:800, scored on the
// other 267 at 8, 16, …, 256 trees.
func BenchmarkStagedMedian(b *testing.B) {
	in := benchInputs(b, "synthetic:800")
	const trainRows, trees = 533, 256
	train := make([]int32, trainRows)
	for i := range train {
		train[i] = int32(i)
	}
	binner, err := tree.FitBinner(in.Trees, train, 255)
	if err != nil {
		b.Fatal(err)
	}
	bd, err := binner.Bin(in.Trees, train)
	if err != nil {
		b.Fatal(err)
	}
	e, err := ensemble.FitAdaBoost(bd, in.Y[:trainRows], ensemble.AdaBoost{Trees: trees, LearningRate: 0.1, Tree: tree.Params{MaxDepth: 3}}, 42)
	if err != nil {
		b.Fatal(err)
	}
	if len(e.Trees) != trees {
		b.Fatalf("boosting stopped at %d trees; want %d", len(e.Trees), trees)
	}
	p := in.Trees.Cols()
	xVal := in.Trees.X[trainRows*p:]
	stages := []int{8, 16, 32, 64, 128, 256}
	preds := make([][]float64, len(stages))
	for s := range preds {
		preds[s] = make([]float64, len(xVal)/p)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.StagedBatch(xVal, p, stages, preds)
	}
}

// benchInputs loads uri (synthetic data with seed 42) and builds every
// family's layout of its rows under a transform fitted on them.
func benchInputs(b *testing.B, uri string) *Input {
	tab, _, err := dataset.Load(context.Background(), uri, dataset.Students, dataset.SourceOptions{Seed: 42})
	if err != nil {
		b.Fatal(err)
	}
	tr, err := features.Fit(tab)
	if err != nil {
		b.Fatal(err)
	}
	in, err := Inputs(tr, tab)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkLinearLayouts is the linear family's cross-validation (one
// ridge, 5 folds) on 10,000 rows of the wide table (10
// categories of 3 to 200 levels, 20 numbers, 5% missing cells), from the
// rows laid out two ways: "matrix" builds the one-hot design matrix and sums
// the moments over its every column, as the search did before; "design"
// reads the compact rows (Input.design), as it does now.
func BenchmarkLinearLayouts(b *testing.B) {
	var buf bytes.Buffer
	if err := table.Generate(10_000, 42).WriteCSV(&buf); err != nil {
		b.Fatal(err)
	}
	s, err := dataset.Infer(bytes.NewReader(buf.Bytes()), dataset.InferOptions{Target: "y"})
	if err != nil {
		b.Fatal(err)
	}
	tab, err := dataset.Read(bytes.NewReader(buf.Bytes()), s)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := features.Fit(tab)
	if err != nil {
		b.Fatal(err)
	}
	cands := linear.Grid()[1:2] // one ridge: the solves, the same either way, stay small beside the moments
	folds := FoldBounds(tab.Len(), 5)
	b.Run("matrix", func(b *testing.B) {
		for b.Loop() {
			X, err := tr.Matrix(tab)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := linear.CrossValidate(X, tab.Target, cands, folds, linear.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("design", func(b *testing.B) {
		for b.Loop() {
			in, err := Inputs(tr, tab)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := linear.CrossValidateDesign(in.design(), tab.Target, cands, folds, linear.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
