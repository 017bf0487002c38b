package search

import (
	"context"
	"syscall"
	"testing"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/realdata"
)

// BenchmarkDefaultSearch is the whole default search (the original's grids,
// its 3-fold CV) on the original's 800 training rows, with the process's
// peak RSS. Target: ≤ 0.6 s and ≤ 100 MB on 2 cores.
func BenchmarkDefaultSearch(b *testing.B) {
	tab, _, err := dataset.Load(context.Background(), realdata.Path(b, "train.csv"), dataset.Students, dataset.SourceOptions{})
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
	for b.Loop() {
		if _, err := Run(in, DefaultGrid(), Options{Folds: 3, Seed: 42}); err != nil {
			b.Fatal(err)
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}
