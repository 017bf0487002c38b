package search

import (
	"fmt"
	"maps"
	"slices"

	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/tree"
)

// fold is one fold's training rows binned and its validation rows.
type fold struct {
	train, val []int32
	y, yVal    []float64
	xVal       []float64            // the validation rows of Input.Trees, row-major
	binned     map[int]*tree.Binned // by max bins
	knn        *knn.Model
}

// makeFolds cuts contiguous folds (the first n%k one row longer, as
// scikit-learn's KFold) and bins each fold's training rows with edges
// fitted on those rows only, at every max_bins of the tree
// configurations; with kNN configurations, each fold also holds its
// training rows as a kNN model.
func makeFolds(in *Input, cfgs []config, k int) ([]*fold, error) {
	bins := map[int]bool{}
	anyKNN := false
	for i := range cfgs {
		if cfgs[i].family == KNN {
			anyKNN = true
			continue
		}
		b, _ := cfgs[i].maxBins()
		bins[b] = true
	}
	folds := make([]*fold, k)
	for f, bounds := range FoldBounds(len(in.Y), k) {
		fd := cutFold(in, bounds[0], bounds[1])
		for _, b := range slices.Sorted(maps.Keys(bins)) {
			binner, err := tree.FitBinner(in.Trees, fd.train, b)
			if err != nil {
				return nil, fmt.Errorf("fold %d: %w", f+1, err)
			}
			if fd.binned[b], err = binner.Bin(in.Trees, fd.train); err != nil {
				return nil, fmt.Errorf("fold %d: %w", f+1, err)
			}
		}
		if anyKNN {
			w := len(in.KNN) / len(in.Y)
			x := make([]float64, 0, len(fd.train)*w)
			for _, r := range fd.train {
				x = append(x, in.KNN[int(r)*w:int(r+1)*w]...)
			}
			fd.knn = &knn.Model{K: 1, Dim: w, X: x, Y: fd.y}
		}
		folds[f] = fd
	}
	return folds, nil
}

// cutFold splits the rows into validation rows [lo, hi) and training rows,
// the rest.
func cutFold(in *Input, lo, hi int) *fold {
	fd := &fold{binned: map[int]*tree.Binned{}}
	for i := range len(in.Y) {
		if i >= lo && i < hi {
			fd.val = append(fd.val, int32(i))
			fd.yVal = append(fd.yVal, in.Y[i])
			fd.xVal = append(fd.xVal, in.Trees.Row(i)...)
		} else {
			fd.train = append(fd.train, int32(i))
			fd.y = append(fd.y, in.Y[i])
		}
	}
	return fd
}
