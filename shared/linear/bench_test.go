package linear_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
	"gonum.org/v1/gonum/mat"
)

const benchFolds = 5

// design fits the transforms on tab and returns its design matrix.
func design(tb testing.TB, tab *dataset.Table) *mat.Dense {
	tb.Helper()
	tr, err := features.Fit(tab)
	require.NoError(tb, err, "features.Fit")
	X, err := tr.Matrix(tab)
	require.NoError(tb, err, "Matrix")
	return X
}

// reportSearch adds per-run metrics: the time per candidate fold fit
// (each one a solve on the fold's moments plus a validation score), rows
// per second, and the winner's CV R² as a check that the run did real work.
func reportSearch(b *testing.B, runs, rows int, res *searchResult) {
	b.Helper()
	if runs == 0 || res == nil {
		return
	}
	secs := b.Elapsed().Seconds()
	fits := float64(runs * len(res.Results) * res.Folds)
	b.ReportMetric(secs*1e9/fits, "ns/fold-fit")
	b.ReportMetric(float64(runs*rows)/secs, "rows/s")
	b.ReportMetric(res.Results[res.Best].CVMean, "best-cv-r2")
}

// BenchmarkLinearSearchStud times the model search of the training
// pipeline on the real data: every candidate of LinearFamily, 5 folds.
func BenchmarkLinearSearchStud(b *testing.B) {
	path := studentdata.Path(b, "stud.csv")
	specs := linear.Grid()

	b.Run("search", func(b *testing.B) {
		tab := modeltest.Students(b, "stud.csv")
		X := design(b, tab)
		b.ReportAllocs()
		var res *searchResult
		runs := 0
		for b.Loop() {
			var err error
			if res, err = runSearch(X, tab.Target, specs, searchOpts{Folds: benchFolds}); err != nil {
				b.Fatalf("Search: %v", err)
			}
			runs++
		}
		reportSearch(b, runs, tab.Len(), res)
	})

	b.Run("load+transform+search", func(b *testing.B) {
		b.ReportAllocs()
		var res *searchResult
		runs, rows := 0, 0
		for b.Loop() {
			tab, _, err := dataset.Load(context.Background(), path, dataset.Students, dataset.SourceOptions{})
			if err != nil {
				b.Fatalf("Load: %v", err)
			}
			X := design(b, tab)
			if res, err = runSearch(X, tab.Target, specs, searchOpts{Folds: benchFolds}); err != nil {
				b.Fatalf("Search: %v", err)
			}
			runs, rows = runs+1, tab.Len()
		}
		reportSearch(b, runs, rows, res)
	})
}

// BenchmarkSearchSynthetic1M times the search alone on a million
// generated rows; generating, reading and transforming them is setup.
func BenchmarkSearchSynthetic1M(b *testing.B) {
	const n = 1_000_000
	var buf bytes.Buffer
	require.NoError(b, dataset.Generate(&buf, n, 1), "Generate")
	tab, err := dataset.Read(&buf, dataset.Students)
	require.NoError(b, err, "Read")
	X := design(b, tab)
	specs := linear.Grid()
	b.ReportAllocs()
	var res *searchResult
	runs := 0
	for b.Loop() {
		if res, err = runSearch(X, tab.Target, specs, searchOpts{Folds: benchFolds}); err != nil {
			b.Fatalf("Search: %v", err)
		}
		runs++
	}
	reportSearch(b, runs, n, res)
}
