package search

import (
	"cmp"
	"fmt"
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
// kNN configuration of a fold as one job (its neighbours are found once,
// at the largest k). The costliest come first, so that no long fit starts
// last.
func (r *run) schedule() {
	for f, fd := range r.folds {
		var knnCfgs []int
		for c := range r.cfgs {
			if r.cfgs[c].family == KNN {
				knnCfgs = append(knnCfgs, c)
				continue
			}
			r.jobs = append(r.jobs, job{cfgs: []int{c}, fold: f, cost: r.cfgs[c].cost(len(fd.train))})
		}
		if knnCfgs != nil {
			r.jobs = append(r.jobs, job{cfgs: knnCfgs, fold: f, cost: float64(len(fd.train) * len(fd.val))})
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
	e, err := c.fitTrees(fd.binned[b], fd.y, n, seedFor(r.opts.Seed, ci, j.fold))
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

// scoreKNN finds each validation row's neighbours once, at the largest k,
// and scores every k and weighting of the job from them.
func (r *run) scoreKNN(j job) error {
	fd := r.folds[j.fold]
	kmax := 0
	for _, c := range j.cfgs {
		kmax = max(kmax, int(r.cfgs[c].params["k"]))
	}
	if kmax > len(fd.train) {
		return fmt.Errorf("k %d is more than the %d training rows", kmax, len(fd.train))
	}
	w := fd.knn.Dim
	preds := make([][]float64, len(j.cfgs))
	for i := range preds {
		preds[i] = make([]float64, len(fd.val))
	}
	ns := make([]knn.Neighbor, kmax)
	for i, row := range fd.val {
		got := fd.knn.Nearest(r.in.KNN[int(row)*w:int(row+1)*w], ns)
		for pi, c := range j.cfgs {
			kk := min(got, int(r.cfgs[c].params["k"]))
			preds[pi][i] = fd.knn.Combine(ns[:kk], r.cfgs[c].params["weights"] == 1)
		}
	}
	for pi, c := range j.cfgs {
		m, err := metrics.EvaluateRegression(fd.yVal, preds[pi])
		if err != nil {
			return err
		}
		r.scores[c][0].FoldR2[j.fold] = m.R2
	}
	return nil
}

// refit fits candidate s of the configuration on every row into est.
func (c *config) refit(in *Input, s int, seed uint64, est *model.Estimator) error {
	if c.family == KNN {
		m, err := knn.Fit(in.KNN, len(in.KNN)/len(in.Y), in.Y, int(c.params["k"]), c.params["weights"] == 1)
		if err != nil {
			return err
		}
		est.KNN = m
		return nil
	}
	b, _ := c.maxBins()
	binner, err := tree.FitBinner(in.Trees, nil, b)
	if err != nil {
		return err
	}
	bd, err := binner.Bin(in.Trees, nil)
	if err != nil {
		return err
	}
	n := 1
	if c.counts != nil {
		n = c.counts[s]
	}
	e, err := c.fitTrees(bd, in.Y, n, seed)
	if err != nil {
		return err
	}
	est.Trees = e
	return nil
}
