package search

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// job is one unit of work: configurations (one, or every kNN one) on one
// fold.
type job struct {
	cfgs []int
	fold int
	cost float64
}

// schedule lists the jobs: each tree configuration on each fold, and every
// kNN configuration of a fold with the same row cap as one job (its
// neighbours are found once, at the largest k). The costliest come first,
// so that no long fit starts last.
func (r *run) schedule() {
	for f, fd := range r.folds {
		knnCfgs := map[int][]int{} // by row cap
		for c := range r.cfgs {
			cap := r.cfgs[c].maxRows()
			if r.cfgs[c].family == KNN {
				knnCfgs[cap] = append(knnCfgs[cap], c)
				continue
			}
			r.jobs = append(r.jobs, job{cfgs: []int{c}, fold: f, cost: r.cfgs[c].cost(len(fd.part(cap).train))})
		}
		for _, cap := range slices.Sorted(maps.Keys(knnCfgs)) {
			cost := float64(len(fd.part(cap).train) * len(fd.val))
			r.jobs = append(r.jobs, job{cfgs: knnCfgs[cap], fold: f, cost: cost})
		}
	}
	slices.SortStableFunc(r.jobs, func(a, b job) int { return cmp.Compare(b.cost, a.cost) })
	r.left = map[string]int{}
	r.done = map[string]time.Duration{}
	for _, j := range r.jobs {
		r.left[r.cfgs[j.cfgs[0]].family]++
	}
}

// cost estimates a fit's work, to start the costliest first.
func (c *config) cost(rows int) float64 {
	trees := 1.0
	if c.counts != nil {
		trees = float64(c.counts[len(c.counts)-1])
	}
	d := c.params["max_depth"]
	if d == 0 || d > 12 {
		d = 12
	}
	return trees * float64(rows) * d
}

// seedFor derives the seed of config c on fold f (f = k: all rows) by
// SplitMix64 steps, so seeds of neighbouring units are unrelated.
func seedFor(seed uint64, c, f int) uint64 {
	z := seed
	for _, v := range []uint64{uint64(c) + 1, uint64(f) + 1} {
		z += v * 0x9e3779b97f4a7c15
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

// seedForRows derives the seed of the subsample of cap rows on fold f (f =
// k: all rows), from a stream apart from the configurations' seeds, so that
// every configuration with one cap fits on the same rows of a fold.
func seedForRows(seed uint64, cap, f int) uint64 {
	return seedFor(seed^0x726f77735f636170, cap, f)
}

// scoreTrees fits a tree job's configuration on its fold at its largest
// tree count and scores each of its candidates (each staged count) on the
// fold's validation rows.
func (r *run) scoreTrees(j job) error {
	ci, fd := j.cfgs[0], r.folds[j.fold]
	c := &r.cfgs[ci]
	b, _ := c.maxBins()
	n := 1
	if c.counts != nil {
		n = c.counts[len(c.counts)-1]
	}
	pt := fd.part(c.maxRows())
	e, err := c.fitTrees(pt.binned[b], pt.y, n, seedFor(r.opts.Seed, ci, j.fold))
	if err != nil {
		return err
	}
	stages := c.counts
	if stages == nil {
		stages = []int{1}
	}
	preds := make([][]float64, len(stages))
	for s := range preds {
		preds[s] = make([]float64, len(fd.val))
	}
	e.StagedBatch(fd.xVal, r.in.Trees.Cols(), stages, preds)
	e.Free() // only its scores are kept: its memory serves the next fit
	for s := range stages {
		m, err := metrics.EvaluateRegression(fd.yVal, preds[s])
		if err != nil {
			return err
		}
		r.scores[ci][s].FoldR2[j.fold] = m.R2
	}
	return nil
}

// scoreKNN finds each validation row's neighbours once, at the largest k
// the fold's training rows allow, and scores every k and weighting of the
// job from them. A k above those rows is skipped on this fold.
func (r *run) scoreKNN(j job) error {
	fd := r.folds[j.fold]
	pt := fd.part(r.cfgs[j.cfgs[0]].maxRows())
	var cfgs []int
	kmax := 0
	for _, c := range j.cfgs {
		k := int(r.cfgs[c].params["k"])
		if k > len(pt.train) {
			r.skip[c][j.fold] = fmt.Sprintf("k %d is more than the %d training rows of fold %d", k, len(pt.train), j.fold+1)
			continue
		}
		cfgs = append(cfgs, c)
		kmax = max(kmax, k)
	}
	if len(cfgs) == 0 {
		return nil
	}
	w := pt.knn.Dim
	preds := make([][]float64, len(cfgs))
	for i := range preds {
		preds[i] = make([]float64, len(fd.val))
	}
	ns := make([]knn.Neighbor, kmax)
	x := make([]float64, w)
	for i, row := range fd.val {
		r.in.knnRow(int(row), x)
		got := pt.knn.Nearest(x, ns)
		for pi, c := range cfgs {
			kk := min(got, int(r.cfgs[c].params["k"]))
			preds[pi][i] = pt.knn.Combine(ns[:kk], r.cfgs[c].params["weights"] == 1)
		}
	}
	for pi, c := range cfgs {
		m, err := metrics.EvaluateRegression(fd.yVal, preds[pi])
		if err != nil {
			return err
		}
		r.scores[c][0].FoldR2[j.fold] = m.R2
	}
	return nil
}

// refit fits candidate s of the configuration on every row, or on the
// seeded subsample of its row cap, into est.
func (c *config) refit(in *Input, s int, seed, rowSeed uint64, est *model.Estimator) error {
	pt := &part{train: nil, y: in.Y}
	if cap := c.maxRows(); cap > 0 && cap < len(in.Y) {
		pt = subsample(in, allRows(len(in.Y)), cap, rowSeed)
	}
	if c.family == KNN {
		rows := pt.train
		if rows == nil {
			rows = allRows(len(in.Y))
		}
		m, err := knn.Fit(in.knnRows(rows), in.knnWidth(), pt.y, int(c.params["k"]), c.params["weights"] == 1)
		if err != nil {
			return err
		}
		est.KNN = m
		return nil
	}
	b, _ := c.maxBins()
	binner, err := tree.FitBinner(in.Trees, pt.train, b)
	if err != nil {
		return err
	}
	bd, err := binner.Bin(in.Trees, pt.train)
	if err != nil {
		return err
	}
	n := 1
	if c.counts != nil {
		n = c.counts[s]
	}
	e, err := c.fitTrees(bd, pt.y, n, seed)
	if err != nil {
		return err
	}
	est.Trees = e
	return nil
}
