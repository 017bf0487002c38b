package search

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Input is the training rows in each family's layout.
type Input struct {
	X     *mat.Dense // the original's design matrix (linear)
	Trees *tree.Data // model.TreeData: raw scores, level indices
	KNN   []float64  // model.KNNRow layout, row-major, X's width
	Y     []float64
}

// Inputs builds every layout of tab's rows under the fitted transform.
func Inputs(tr *features.Transform, tab *dataset.Table) (*Input, error) {
	X, err := tr.Matrix(tab)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	td, err := model.TreeData(tr, tab)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	// kNN: the same matrix with the category indicators unscaled (0/1).
	n, w := X.Dims()
	k := make([]float64, 0, n*w)
	for i := range n {
		k = append(k, X.RawRowView(i)...)
	}
	for i := range n {
		row := k[i*w : (i+1)*w]
		for j := len(tr.Numeric); j < w; j++ {
			if row[j] != 0 {
				row[j] = 1
			}
		}
	}
	return &Input{X: X, Trees: td, KNN: k, Y: tab.Target}, nil
}

// Options control a search.
type Options struct {
	Folds        int     // k of k-fold CV over contiguous folds; 5 when 0
	Workers      int     // concurrent fits; GOMAXPROCS when 0
	Seed         uint64  // every random draw derives from it
	TieTolerance float64 // candidates within it of the best mean CV R² tie, the first winning; 1e-4 when 0
	// Progress, when set, is called once per family in family order, with
	// the time at which its last fit finished: for the linear families as
	// package linear finishes each, for the others after the search. Calls never
	// overlap one another or OnFit's.
	Progress func(family string, candidates int, elapsed time.Duration)
	// OnFit, when set, is called from the workers after each fit job (one
	// configuration on one fold; every kNN configuration of a fold is one
	// job) with the job's family, the jobs done so far and the total. The
	// calls come one at a time, done increasing from 1 to total, on
	// whichever worker finished the job; OnFit should return quickly, as
	// the worker waits for it. The linear family, which package linear fits beside
	// the jobs, is not counted.
	OnFit func(family string, done, total int)
}

// Outcome is a search's outcome: every candidate, the winner, and the
// winner refitted on every row.
type Outcome struct {
	Results   []Result
	Best      int
	Estimator model.Estimator
	Folds     int
}

// fold is one fold's training rows binned and its validation rows.
type fold struct {
	train, val []int32
	y, yVal    []float64
	xVal       []float64            // the validation rows of Input.Trees, row-major
	binned     map[int]*tree.Binned // by max bins
	knn        *knn.Model
}

// job is one unit of work: configurations (one, or every kNN one) on one
// fold.
type job struct {
	cfgs []int
	fold int
	cost float64
}

// Run searches every family of g on in.
func Run(in *Input, g Grid, opts Options) (*Outcome, error) {
	n := len(in.Y)
	k := cmp0(opts.Folds, 5)
	workers := cmp0(opts.Workers, runtime.GOMAXPROCS(0))
	tie := opts.TieTolerance
	if tie == 0 {
		tie = 1e-4
	}
	switch {
	case k < 2:
		return nil, fmt.Errorf("search: need at least 2 folds, got %d", k)
	case n < 2*k:
		return nil, fmt.Errorf("search: %d rows are too few for %d folds", n, k)
	case workers < 1:
		return nil, fmt.Errorf("search: workers %d must be positive", workers)
	case !(tie >= 0):
		return nil, fmt.Errorf("search: tie tolerance %g must be a non-negative number", tie)
	}
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	cfgs, err := g.configs()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	start := time.Now()
	res := &Outcome{Folds: k}

	// The linear family runs beside the tree jobs: package linear fits it
	// on one goroutine, which would otherwise leave the other cores idle.
	// Its results go first, once it is done.
	var mu sync.Mutex // serialises the callbacks and guards the counts
	var lin *linear.CV
	var linCands []linear.Candidate
	var linErr error
	linDone := make(chan struct{})
	if _, ok := g[Linear]; ok {
		// linear reports its own families (ols, ridge, …) as it goes.
		var lopts linear.Options
		if opts.Progress != nil {
			lopts.Progress = func(family string, candidates int, elapsed time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				opts.Progress(family, candidates, elapsed)
			}
		}
		linCands = linear.Grid()
		go func() {
			defer close(linDone)
			lin, linErr = linear.CrossValidate(in.X, in.Y, linCands, FoldBounds(n, k), lopts)
		}()
	} else {
		close(linDone)
	}
	waitLinear := func() error {
		<-linDone
		if linErr != nil {
			return fmt.Errorf("search: %w", linErr)
		}
		return nil
	}

	folds, err := makeFolds(in, cfgs, k)
	if err != nil {
		_ = waitLinear()
		return nil, fmt.Errorf("search: %w", err)
	}
	// Candidate slots: config c's specs start at first[c].
	first := make([]int, len(cfgs))
	for c := range cfgs {
		first[c] = len(res.Results)
		for _, sp := range cfgs[c].specs {
			res.Results = append(res.Results, Result{Spec: sp, FoldR2: make([]float64, k)})
		}
	}
	var jobs []job
	for f := range k {
		var knnCfgs []int
		for c := range cfgs {
			if cfgs[c].family == KNN {
				knnCfgs = append(knnCfgs, c)
				continue
			}
			jobs = append(jobs, job{cfgs: []int{c}, fold: f, cost: cfgs[c].cost(len(folds[f].train))})
		}
		if knnCfgs != nil {
			jobs = append(jobs, job{cfgs: knnCfgs, fold: f, cost: float64(len(folds[f].train) * len(folds[f].val))})
		}
	}
	// The costliest first, so that no long fit starts last.
	slices.SortStableFunc(jobs, func(a, b job) int {
		switch {
		case a.cost > b.cost:
			return -1
		case a.cost < b.cost:
			return 1
		}
		return 0
	})

	left := map[string]int{}
	for _, j := range jobs {
		left[cfgs[j.cfgs[0]].family]++
	}
	done := map[string]time.Duration{}
	finished := 0
	errs := make([]error, len(jobs))
	secs := make([][]float64, len(cfgs)) // per config and fold
	for c := range secs {
		secs[c] = make([]float64, k)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			for ji := range next {
				j := jobs[ji]
				t0 := time.Now()
				errs[ji] = runJob(in, cfgs, folds[j.fold], j, opts.Seed, func(c, s int, r2 float64) {
					res.Results[first[c]+s].FoldR2[j.fold] = r2
				})
				el := time.Since(t0).Seconds() / float64(len(j.cfgs))
				fam := cfgs[j.cfgs[0]].family
				mu.Lock()
				for _, c := range j.cfgs {
					secs[c][j.fold] = el
				}
				if left[fam]--; left[fam] == 0 {
					done[fam] = time.Since(start)
				}
				finished++
				if opts.OnFit != nil {
					opts.OnFit(fam, finished, len(jobs))
				}
				mu.Unlock()
			}
		})
	}
	for ji := range jobs {
		next <- ji
	}
	close(next)
	wg.Wait()
	if err := waitLinear(); err != nil {
		return nil, err
	}
	nl := 0
	if lin != nil {
		nl = len(lin.Scores)
		lr := make([]Result, nl)
		for i, sc := range lin.Scores {
			lr[i] = Result{Spec: Spec(linCands[i]), FoldR2: sc.FoldR2, FitSeconds: sc.FitSeconds}
			lr[i].CVMean, lr[i].CVStd = stat.PopMeanStdDev(sc.FoldR2, nil)
		}
		res.Results = append(lr, res.Results...)
		for c := range first {
			first[c] += nl
		}
	}
	for ji, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("search: %s fold %d: %w", cfgs[jobs[ji].cfgs[0]].specs[0].Name, jobs[ji].fold+1, err)
		}
	}
	for c := range cfgs {
		var s float64
		for _, v := range secs[c] {
			s += v
		}
		for i := range cfgs[c].specs {
			r := &res.Results[first[c]+i]
			r.CVMean, r.CVStd = stat.PopMeanStdDev(r.FoldR2, nil)
			r.FitSeconds = s // one fit per fold serves every count
		}
	}
	if opts.Progress != nil {
		count := map[string]int{}
		for _, r := range res.Results {
			count[r.Family]++
		}
		for _, fam := range Families {
			if t, ok := done[fam]; ok {
				opts.Progress(fam, count[fam], t)
			}
		}
	}

	res.Best = Pick(res.Results, tie)
	best := res.Results[res.Best]
	res.Estimator = model.Estimator{Name: best.Name, Family: best.Family, Params: best.Params}
	if res.Best < nl {
		m, err := lin.Refit(res.Best)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		res.Estimator.Linear = m
		return res, nil
	}
	c := 0
	for c+1 < len(cfgs) && first[c+1] <= res.Best {
		c++
	}
	if err := refit(in, &cfgs[c], res.Best-first[c], seedFor(opts.Seed, c, k), &res.Estimator); err != nil {
		return nil, fmt.Errorf("search: refit %s: %w", best.Name, err)
	}
	return res, nil
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
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

// makeFolds cuts contiguous folds (the first n%k one row longer, as
// scikit-learn's KFold) and bins each fold's training rows with edges
// fitted on those rows only.
func makeFolds(in *Input, cfgs []config, k int) ([]*fold, error) {
	n := len(in.Y)
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
	for f, bounds := range FoldBounds(n, k) {
		lo, hi := bounds[0], bounds[1]
		fd := &fold{binned: map[int]*tree.Binned{}}
		for i := range n {
			if i >= lo && i < hi {
				fd.val = append(fd.val, int32(i))
				fd.yVal = append(fd.yVal, in.Y[i])
				fd.xVal = append(fd.xVal, in.Trees.Row(i)...)
			} else {
				fd.train = append(fd.train, int32(i))
				fd.y = append(fd.y, in.Y[i])
			}
		}
		for _, b := range slices.Sorted(mapsKeys(bins)) {
			binner, err := tree.FitBinner(in.Trees, fd.train, b)
			if err != nil {
				return nil, fmt.Errorf("fold %d: %w", f+1, err)
			}
			if fd.binned[b], err = binner.Bin(in.Trees, fd.train); err != nil {
				return nil, fmt.Errorf("fold %d: %w", f+1, err)
			}
		}
		if anyKNN {
			w := len(in.KNN) / n
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

func mapsKeys(m map[int]bool) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
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

// runJob fits a job's configurations on its fold and reports the R² of
// each candidate on the fold's validation rows.
func runJob(in *Input, cfgs []config, fd *fold, j job, seed uint64, report func(cfg, spec int, r2 float64)) error {
	if cfgs[j.cfgs[0]].family == KNN {
		return runKNN(in, cfgs, fd, j, report)
	}
	c := &cfgs[j.cfgs[0]]
	b, _ := c.maxBins()
	n := 1
	if c.counts != nil {
		n = c.counts[len(c.counts)-1]
	}
	e, err := c.fitTrees(fd.binned[b], fd.y, n, seedFor(seed, j.cfgs[0], j.fold))
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
	e.StagedBatch(fd.xVal, in.Trees.Cols(), stages, preds)
	e.Free() // only its scores are kept: its memory serves the next fit
	for s := range stages {
		m, err := metrics.EvaluateRegression(fd.yVal, preds[s])
		if err != nil {
			return err
		}
		report(j.cfgs[0], s, m.R2)
	}
	return nil
}

// runKNN finds each validation row's neighbours once, at the largest k,
// and scores every k and weighting from them.
func runKNN(in *Input, cfgs []config, fd *fold, j job, report func(cfg, spec int, r2 float64)) error {
	kmax := 0
	for _, c := range j.cfgs {
		kmax = max(kmax, int(cfgs[c].params["k"]))
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
	for i, r := range fd.val {
		got := fd.knn.Nearest(in.KNN[int(r)*w:int(r+1)*w], ns)
		for ci, c := range j.cfgs {
			kk := min(got, int(cfgs[c].params["k"]))
			preds[ci][i] = fd.knn.Combine(ns[:kk], cfgs[c].params["weights"] == 1)
		}
	}
	for ci, c := range j.cfgs {
		m, err := metrics.EvaluateRegression(fd.yVal, preds[ci])
		if err != nil {
			return err
		}
		report(c, 0, m.R2)
	}
	return nil
}

// refit fits candidate s of config c on every row into est.
func refit(in *Input, c *config, s int, seed uint64, est *model.Estimator) error {
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
