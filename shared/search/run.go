package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
	"gonum.org/v1/gonum/stat"
)

// ErrTooFewRows marks data too small to fold: fewer than MinFoldRows rows
// a fold. The caller's data is at fault, not the search.
var ErrTooFewRows = errors.New("too few rows")

// ErrNoCandidate marks a search in which every candidate was skipped: none
// could be fitted and scored on these rows.
var ErrNoCandidate = errors.New("no candidate could be scored")

// MinFoldRows is the fewest rows each fold of the cross-validation holds:
// a validation fold of one row has no R², and kNN, the trees and the linear
// family all need two training rows.
const MinFoldRows = 2

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
	// Context, when set, stops the search when it is done: no job starts
	// after that, and Run returns the context's error once the jobs under
	// way have finished, without waiting for package linear's search,
	// which finishes on its own goroutine and is dropped. A job is not
	// interrupted: one fit is the unit of work.
	Context context.Context
}

// Outcome is a search's outcome: every candidate, the winner, and the
// winner refitted on every row.
type Outcome struct {
	Results   []Result
	Best      int
	Estimator model.Estimator
	Folds     int
}

// Run searches every family of g on in. It reads top to bottom as the
// search runs: check the options and expand the grid; start package
// linear's search on a goroutine of its own; cut and bin the folds; list
// the jobs (a configuration on a fold) and run them in a pool of workers;
// wait for the linear search; collect every candidate's scores; pick the
// winner and refit it on every row.
func Run(in *Input, g Grid, opts Options) (*Outcome, error) {
	r, err := newRun(in, g, opts)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	lin := r.startLinear()
	if r.folds, err = makeFolds(in, r.cfgs, r.k, opts.Seed); err != nil {
		_, _ = lin.wait()
		return nil, fmt.Errorf("search: %w", err)
	}
	r.schedule()
	r.runJobs()
	if err := r.cancelled(); err != nil {
		return nil, fmt.Errorf("search: stopped after %d of %d fits: %w", r.finished, len(r.jobs), err)
	}
	linResults, err := lin.wait()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	results, from := r.collect(linResults)
	r.reportFamilies(results)
	out := &Outcome{Results: results, Best: Pick(results, r.tie), Folds: r.k}
	if out.Best < 0 {
		return nil, fmt.Errorf("search: %w: all %d candidates were skipped on %d training rows (the first: %s: %s)",
			ErrNoCandidate, len(results), len(in.Y), results[0].Name, results[0].Skipped)
	}
	if err := r.refit(out, from[out.Best], lin); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// run is one search's state. Each job writes only its own slots of scores
// and secs; the rest of the bookkeeping is guarded by mu.
type run struct {
	in      *Input
	opts    Options
	k       int     // folds
	workers int     // concurrent jobs
	tie     float64 // Pick's tolerance
	linear  bool    // whether the grid holds the linear family
	cfgs    []config
	start   time.Time

	folds  []*fold
	jobs   []job
	scores [][]Result  // per config and spec; the jobs fill in FoldR2
	secs   [][]float64 // per config and fold: the seconds of one fit
	skip   [][]string  // per config and fold: why it was skipped there, if it was

	mu       sync.Mutex               // serialises the callbacks and guards what follows
	left     map[string]int           // jobs still to finish, per family
	done     map[string]time.Duration // when each family's last job finished
	finished int                      // jobs finished
}

// newRun checks the options, fills in their defaults and expands the grid
// into configurations, each with empty score slots.
func newRun(in *Input, g Grid, opts Options) (*run, error) {
	r := &run{
		in:      in,
		opts:    opts,
		k:       cmp.Or(opts.Folds, 5),
		workers: cmp.Or(opts.Workers, runtime.GOMAXPROCS(0)),
		tie:     cmp.Or(opts.TieTolerance, 1e-4),
	}
	n := len(in.Y)
	switch {
	case r.k < 2:
		return nil, fmt.Errorf("need at least 2 folds, got %d", r.k)
	case n < MinFoldRows*r.k:
		return nil, fmt.Errorf("%w: %d training rows are too few for %d-fold cross-validation, which needs at least %d (%d a fold)",
			ErrTooFewRows, n, r.k, MinFoldRows*r.k, MinFoldRows)
	case r.workers < 1:
		return nil, fmt.Errorf("workers %d must be positive", r.workers)
	case !(r.tie >= 0):
		return nil, fmt.Errorf("tie tolerance %g must be a non-negative number", r.tie)
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	var err error
	if r.cfgs, err = g.configs(); err != nil {
		return nil, err
	}
	_, r.linear = g[Linear]
	r.scores = make([][]Result, len(r.cfgs))
	r.secs = make([][]float64, len(r.cfgs))
	r.skip = make([][]string, len(r.cfgs))
	for c := range r.cfgs {
		r.skip[c] = make([]string, r.k)
		for _, sp := range r.cfgs[c].specs {
			r.scores[c] = append(r.scores[c], Result{Spec: sp, FoldR2: make([]float64, r.k)})
		}
		r.secs[c] = make([]float64, r.k)
	}
	r.start = time.Now()
	return r, nil
}

// linearSearch is package linear's cross-validation of its own grid on the
// search's folds. It fits on one goroutine, so it runs beside the jobs,
// which would otherwise leave the other cores idle.
type linearSearch struct {
	cands []linear.Candidate
	cv    *linear.CV // nil when the grid has no linear family
	err   error
	done  chan struct{} // closed when cv and err are set
}

// startLinear starts the linear search, when the grid holds the linear
// family. Package linear reports its own families (ols, ridge, …) to
// Progress as it goes.
func (r *run) startLinear() *linearSearch {
	l := &linearSearch{done: make(chan struct{})}
	if !r.linear {
		close(l.done)
		return l
	}
	var lopts linear.Options
	if r.opts.Progress != nil {
		lopts.Progress = func(family string, candidates int, elapsed time.Duration) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.opts.Progress(family, candidates, elapsed)
		}
	}
	l.cands = linear.Grid()
	go func() {
		defer close(l.done)
		l.cv, l.err = linear.CrossValidateDesign(r.in.design(), r.in.Y, l.cands, FoldBounds(len(r.in.Y), r.k), lopts)
	}()
	return l
}

// wait waits for the linear search and returns its candidates' results in
// the order of its grid (none when the grid has no linear family).
func (l *linearSearch) wait() ([]Result, error) {
	<-l.done
	if l.err != nil || l.cv == nil {
		return nil, l.err
	}
	rs := make([]Result, len(l.cv.Scores))
	for i, sc := range l.cv.Scores {
		rs[i] = Result{Spec: Spec(l.cands[i]), FoldR2: sc.FoldR2, FitSeconds: sc.FitSeconds, Skipped: sc.Skipped}
		if sc.Skipped == "" {
			rs[i].CVMean, rs[i].CVStd = stat.PopMeanStdDev(sc.FoldR2, nil)
			notFinite(&rs[i])
		}
	}
	return rs, nil
}

// runJobs runs the jobs in a pool of workers, in the order schedule listed
// them. A job that fails skips its configurations on its fold, with the
// error as the reason; it stops no other job.
func (r *run) runJobs() {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.workers, len(r.jobs)) {
		wg.Go(func() {
			for ji := range next {
				if r.cancelled() != nil {
					continue // handed over before the cancel was seen
				}
				j := r.jobs[ji]
				if err := r.runJob(j); err != nil {
					for _, c := range j.cfgs {
						if r.skip[c][j.fold] == "" {
							r.skip[c][j.fold] = fmt.Sprintf("fold %d: %v", j.fold+1, err)
						}
					}
				}
			}
		})
	}
	for ji := range r.jobs {
		if r.cancelled() != nil {
			break
		}
		next <- ji
	}
	close(next)
	wg.Wait()
}

// cancelled is the error of the search's context once it is done, else nil.
func (r *run) cancelled() error {
	if r.opts.Context == nil {
		return nil
	}
	return r.opts.Context.Err()
}

// runJob fits one job, its scores going to their slots, and records its
// time.
func (r *run) runJob(j job) error {
	t0 := time.Now()
	var err error
	if r.cfgs[j.cfgs[0]].family == KNN {
		err = r.scoreKNN(j)
	} else {
		err = r.scoreTrees(j)
	}
	r.finish(j, time.Since(t0).Seconds()/float64(len(j.cfgs)))
	return err
}

// finish records a finished job's time per configuration (a kNN job's time
// is shared by its configurations), notes when its family's last job
// finished, and reports it to OnFit.
func (r *run) finish(j job, seconds float64) {
	fam := r.cfgs[j.cfgs[0]].family
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range j.cfgs {
		r.secs[c][j.fold] = seconds
	}
	if r.left[fam]--; r.left[fam] == 0 {
		r.done[fam] = time.Since(r.start)
	}
	r.finished++
	if r.opts.OnFit != nil {
		r.opts.OnFit(fam, r.finished, len(r.jobs))
	}
}

// source is where a collected candidate comes from, to refit it: spec s
// of configuration cfg, or, when cfg is -1, candidate s of package
// linear's grid.
type source struct{ cfg, spec int }

// collect lists every candidate, the linear family's first and then each
// configuration's in grid order (the tie-breaking order of Pick), with its
// mean and spread over the folds and its fit time, and where each came
// from.
func (r *run) collect(lin []Result) ([]Result, []source) {
	results := lin
	from := make([]source, len(lin))
	for i := range lin {
		from[i] = source{cfg: -1, spec: i}
	}
	for c, rs := range r.scores {
		var secs float64
		for _, v := range r.secs[c] {
			secs += v
		}
		skipped := ""
		for _, why := range r.skip[c] {
			if why != "" {
				skipped = why
				break
			}
		}
		for s, res := range rs {
			if skipped != "" {
				res.FoldR2, res.Skipped = nil, skipped
			} else {
				res.CVMean, res.CVStd = stat.PopMeanStdDev(res.FoldR2, nil)
				notFinite(&res)
			}
			res.FitSeconds = secs // one fit per fold serves every count
			results = append(results, res)
			from = append(from, source{cfg: c, spec: s})
		}
	}
	return results, from
}

// reportFamilies calls Progress once for each family of jobs, in family
// order, with its candidates and when its last job finished.
func (r *run) reportFamilies(results []Result) {
	if r.opts.Progress == nil {
		return
	}
	count := map[string]int{}
	for _, res := range results {
		count[res.Family]++
	}
	for _, fam := range Families {
		if t, ok := r.done[fam]; ok {
			r.opts.Progress(fam, count[fam], t)
		}
	}
}

// refit fits the winner, out.Best from src, on every row into
// out.Estimator.
func (r *run) refit(out *Outcome, src source, lin *linearSearch) error {
	best := out.Results[out.Best]
	out.Estimator = model.Estimator{Name: best.Name, Family: best.Family, Params: best.Params}
	if src.cfg < 0 {
		m, err := lin.cv.Refit(src.spec)
		if err != nil {
			return err
		}
		out.Estimator.Linear = m
		return nil
	}
	c := &r.cfgs[src.cfg]
	seed, rowSeed := seedFor(r.opts.Seed, src.cfg, r.k), seedForRows(r.opts.Seed, c.maxRows(), r.k)
	if err := c.refit(r.in, src.spec, seed, rowSeed, &out.Estimator); err != nil {
		return fmt.Errorf("refit %s: %w", best.Name, err)
	}
	return nil
}

// notFinite skips a result whose fold scores are not all finite numbers
// (predictions that overflowed), which JSON could not record either.
func notFinite(res *Result) {
	if math.IsNaN(res.CVMean) || math.IsInf(res.CVMean, 0) || math.IsNaN(res.CVStd) || math.IsInf(res.CVStd, 0) {
		res.FoldR2, res.CVMean, res.CVStd = nil, 0, 0
		res.Skipped = "cross-validation R² is not a finite number"
	}
}
