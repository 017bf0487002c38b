package search

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/tree"
)

// fold is one fold's validation rows and its training rows, whole and
// subsampled for the configurations that cap their rows.
type fold struct {
	val   []int32
	yVal  []float64
	xVal  []float64     // the validation rows of Input.Trees, row-major (a view of them, not a copy)
	parts map[int]*part // by row cap; 0 is every training row
}

// part is the training rows a configuration fits on: every training row of
// a fold, or a seeded subsample of them, binned at each max_bins its
// configurations use and, for kNN, copied as a kNN model.
type part struct {
	train  []int32
	y      []float64
	binned map[int]*tree.Binned // by max bins
	knn    *knn.Model
}

// part returns the training rows of a configuration capped at rows (0 or
// at least the fold's training rows: all of them).
func (fd *fold) part(rows int) *part {
	if p, ok := fd.parts[rows]; ok {
		return p
	}
	return fd.parts[0]
}

// needs is what the configurations ask of a part: its max_bins and whether
// kNN reads it.
type needs struct {
	bins map[int]bool
	knn  bool
}

// partNeeds gathers, per row cap, the max_bins and kNN layout the
// configurations fit on.
func partNeeds(cfgs []config) map[int]*needs {
	out := map[int]*needs{}
	for i := range cfgs {
		c := &cfgs[i]
		cap := c.maxRows()
		nd := out[cap]
		if nd == nil {
			nd = &needs{bins: map[int]bool{}}
			out[cap] = nd
		}
		if c.family == KNN {
			nd.knn = true
			continue
		}
		b, _ := c.maxBins()
		nd.bins[b] = true
	}
	return out
}

// makeFolds cuts contiguous folds (the first n%k one row longer, as
// scikit-learn's KFold) and prepares each fold's training rows for every
// row cap of the configurations (a seeded subsample when the cap is below
// the fold's training rows): binned with edges fitted on those rows only,
// at every max_bins of the tree configurations, and held as a kNN model for
// the kNN ones.
func makeFolds(in *Input, cfgs []config, k int, seed uint64) ([]*fold, error) {
	want := partNeeds(cfgs)
	folds := make([]*fold, k)
	for f, bounds := range FoldBounds(len(in.Y), k) {
		fd, all := cutFold(in, bounds[0], bounds[1])
		fd.parts[0] = all
		for _, cap := range slices.Sorted(maps.Keys(want)) {
			p := all
			if cap > 0 && cap < len(all.train) {
				p = subsample(in, all.train, cap, seedForRows(seed, cap, f))
				fd.parts[cap] = p
			}
			if err := p.prepare(in, want[cap]); err != nil {
				return nil, fmt.Errorf("fold %d: %w", f+1, err)
			}
		}
		folds[f] = fd
	}
	return folds, nil
}

// prepare bins the part's rows at every max_bins nd asks for that it does
// not have yet, and copies them as a kNN model when nd asks for one.
func (p *part) prepare(in *Input, nd *needs) error {
	for _, b := range slices.Sorted(maps.Keys(nd.bins)) {
		if p.binned[b] != nil {
			continue
		}
		binner, err := tree.FitBinner(in.Trees, p.train, b)
		if err != nil {
			return err
		}
		if p.binned[b], err = binner.Bin(in.Trees, p.train); err != nil {
			return err
		}
	}
	if nd.knn && p.knn == nil {
		p.knn = &knn.Model{K: 1, Dim: in.knnWidth(), X: in.knnRows(p.train), Y: p.y}
	}
	return nil
}

// cutFold splits the rows into validation rows [lo, hi) and training rows,
// the rest.
func cutFold(in *Input, lo, hi int) (*fold, *part) {
	p := in.Trees.Cols()
	fd := &fold{parts: map[int]*part{}, yVal: in.Y[lo:hi:hi], xVal: in.Trees.X[lo*p : hi*p : hi*p]}
	all := &part{binned: map[int]*tree.Binned{}}
	for i := range len(in.Y) {
		if i >= lo && i < hi {
			fd.val = append(fd.val, int32(i))
		} else {
			all.train = append(all.train, int32(i))
			all.y = append(all.y, in.Y[i])
		}
	}
	return fd, all
}

// subsample draws n of rows without replacement (a partial Fisher–Yates
// shuffle from seed), kept in increasing order, which is memory order.
func subsample(in *Input, rows []int32, n int, seed uint64) *part {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	pool := slices.Clone(rows)
	for i := range n {
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	p := &part{train: pool[:n:n], binned: map[int]*tree.Binned{}}
	slices.Sort(p.train)
	p.y = make([]float64, n)
	for i, r := range p.train {
		p.y[i] = in.Y[r]
	}
	return p
}

// allRows lists 0..n-1.
func allRows(n int) []int32 {
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}
