package ensemble

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/studentperf/studentperf/shared/tree"
)

// How an ensemble combines its trees.
const (
	Sum    = "sum"    // Base + Σ trees (gradient boosting; learning rate folded into the leaves)
	Mean   = "mean"   // the trees' mean (random forest)
	Median = "median" // the weighted median of the trees (AdaBoost.R2)
)

// Ensemble is a fitted tree ensemble.
type Ensemble struct {
	Combine string      `json:"combine"`
	Base    float64     `json:"base,omitempty"`
	Weights []float64   `json:"weights,omitempty"` // Median only: one per tree
	Trees   []tree.Tree `json:"trees"`

	// arena holds the fitted trees' nodes, for Free.
	arena *tree.Arena

	// fast is the trees compiled for prediction, built by Prepare or the
	// first prediction and swapped atomically, so that concurrent
	// predictions are safe.
	fast atomic.Pointer[compiled]
}

// compiled is Trees as tree.Compile laid them out, with the slice it was
// compiled from: an ensemble truncated, or given new trees, compiles
// again. (An Ensemble holds its compiled trees in an atomic.Pointer, so
// vet's copylocks check refuses a copy of the struct: a second ensemble
// over the same trees is a new Ensemble with the exported fields.)
type compiled struct {
	c     *tree.Compiled // nil: the trees do not compile; walk them
	first *tree.Tree
	n     int
}

// Free hands the memory of a fitted ensemble's trees back for later fits
// to reuse and empties the ensemble: for a caller that scored a fit and
// keeps nothing of it. Nothing may use the trees afterwards.
func (e *Ensemble) Free() {
	if e.arena != nil {
		e.arena.Free()
		e.arena = nil
	}
	e.Trees = nil
	e.Weights = nil
	e.fast.Store(nil)
}

// Prepare compiles the trees for prediction now rather than at the first
// prediction (which it would otherwise slow down). It must not run while
// the trees change; predictions may run at the same time.
func (e *Ensemble) Prepare() { e.compiled() }

// compiled returns the compiled trees, compiling them on first use; nil
// when they cannot be compiled.
func (e *Ensemble) compiled() *tree.Compiled {
	if len(e.Trees) == 0 {
		return nil
	}
	if p := e.fast.Load(); p != nil && p.first == &e.Trees[0] && p.n == len(e.Trees) {
		return p.c
	}
	c, err := tree.Compile(e.Trees)
	if err != nil {
		c = nil
	}
	e.fast.Store(&compiled{c: c, first: &e.Trees[0], n: len(e.Trees)})
	return c
}

// stackCodes is how many codes a compiled row may have for Predict to code
// it on the stack (tree.Compile makes at most 64); more walk the trees.
const stackCodes = 64

// stackTrees is how many trees a median prediction sorts on the stack;
// larger ensembles allocate.
const stackTrees = 512

// Predict returns the prediction for one row (numeric values and level
// indices, as in tree.Data). It allocates nothing for a sum or mean, nor
// for a median of up to 512 trees.
func (e *Ensemble) Predict(x []float64) float64 {
	if c := e.compiled(); c != nil && c.Codes() <= stackCodes && len(e.Trees) <= stackTrees && len(x) >= c.Width() {
		var buf [stackCodes]uint16
		codes := buf[:c.Codes()]
		c.Encode(x, codes)
		return e.predictCoded(c, x, codes)
	}
	return e.walk(x)
}

// predictCoded is Predict of row x, which c has coded as codes.
func (e *Ensemble) predictCoded(c *tree.Compiled, x []float64, codes []uint16) float64 {
	switch e.Combine {
	case Mean:
		return c.Sum(x, codes, 0) / float64(len(e.Trees))
	case Median:
		return e.medianCoded(c, x, codes)
	default:
		return c.Sum(x, codes, e.Base)
	}
}

// medianCoded is the weighted median of the trees' predictions for a row
// c has coded (at most stackTrees trees).
func (e *Ensemble) medianCoded(c *tree.Compiled, x []float64, codes []uint16) float64 {
	var preds [stackTrees]float64
	c.Each(x, codes, preds[:])
	var buf [stackTrees]pair
	ps := buf[:len(e.Trees)]
	for i := range ps {
		ps[i] = pair{preds[i], e.Weights[i]}
	}
	return weightedMedian(ps)
}

// walk is Predict walking each tree's nodes: the reference the compiled
// trees match, and the way for trees that do not compile.
func (e *Ensemble) walk(x []float64) float64 {
	switch e.Combine {
	case Mean:
		var s float64
		for i := range e.Trees {
			s += e.Trees[i].Predict(x)
		}
		return s / float64(len(e.Trees))
	case Median:
		var buf [stackTrees]pair
		ps := buf[:0]
		if len(e.Trees) > stackTrees {
			ps = make([]pair, 0, len(e.Trees))
		}
		for i := range e.Trees {
			ps = append(ps, pair{e.Trees[i].Predict(x), e.Weights[i]})
		}
		return weightedMedian(ps)
	default:
		s := e.Base
		for i := range e.Trees {
			s += e.Trees[i].Predict(x)
		}
		return s
	}
}

// PredictBatch writes the prediction of each of the len(out) rows of x
// (p values each, row after row) into out, walking the trees one at a time
// over a chunk of rows, which keeps both in cache; a large batch is split
// between goroutines (GOMAXPROCS at most), each with its own rows. It gives
// exactly what Predict gives row by row.
func (e *Ensemble) PredictBatch(x []float64, p int, out []float64) {
	c := e.compiled()
	if c == nil || p < c.Width() {
		e.walkBatch(x, p, out)
		return
	}
	if e.Combine == Median {
		if c.Codes() > stackCodes || len(e.Trees) > stackTrees {
			e.walkBatch(x, p, out)
			return
		}
		var buf [stackCodes]uint16
		codes := buf[:c.Codes()]
		for r := range out {
			row := x[r*p : (r+1)*p]
			c.Encode(row, codes)
			out[r] = e.predictCoded(c, row, codes)
		}
		return
	}
	base := e.Base
	if e.Combine == Mean {
		base = 0
	}
	for r := range out {
		out[r] = base
	}
	n := len(out)
	workers := min(runtime.GOMAXPROCS(0), n/minRowsPerWorker)
	if workers <= 1 {
		c.AddBatch(x[:n*p], p, out)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			wg.Go(func() { c.AddBatch(x[lo*p:hi*p], p, out[lo:hi]) })
		}
		wg.Wait()
	}
	if e.Combine == Mean {
		for r := range out {
			out[r] /= float64(len(e.Trees))
		}
	}
}

// minRowsPerWorker is the fewest rows worth a goroutine of their own.
const minRowsPerWorker = 1024

// walkBatch is PredictBatch walking each tree's nodes.
func (e *Ensemble) walkBatch(x []float64, p int, out []float64) {
	if e.Combine == Median {
		for r := range out {
			out[r] = e.walk(x[r*p : (r+1)*p])
		}
		return
	}
	base := e.Base
	if e.Combine == Mean {
		base = 0
	}
	for r := range out {
		out[r] = base
	}
	for i := range e.Trees {
		e.Trees[i].PredictAdd(x, p, out)
	}
	if e.Combine == Mean {
		for r := range out {
			out[r] /= float64(len(e.Trees))
		}
	}
}

type pair struct{ pred, weight float64 }

// weightedMedian sorts ps by prediction and returns the first prediction
// at which the cumulative weight reaches half the total, as scikit-learn's
// AdaBoostRegressor does.
func weightedMedian(ps []pair) float64 {
	slices.SortFunc(ps, func(a, b pair) int {
		switch {
		case a.pred < b.pred:
			return -1
		case a.pred > b.pred:
			return 1
		}
		return 0
	})
	var total float64
	for _, p := range ps {
		total += p.weight
	}
	var c float64
	for _, p := range ps {
		c += p.weight
		if c >= total/2 {
			return p.pred
		}
	}
	return ps[len(ps)-1].pred
}

// Staged writes into dst[i] the prediction of the first counts[i] trees
// (all of them when counts[i] is larger: a boosting that stopped early).
// counts must be increasing; scratch may be nil.
func (e *Ensemble) Staged(x []float64, counts []int, dst []float64, scratch []float64) []float64 {
	m := len(e.Trees)
	preds := slices.Grow(scratch[:0], m)[:m]
	for i := range e.Trees {
		preds[i] = e.Trees[i].Predict(x)
	}
	switch e.Combine {
	case Median:
		// Sort every tree once; each stage walks the sorted trees and
		// keeps those among its first c.
		type ranked struct {
			pair
			tree int
		}
		rs := make([]ranked, m)
		for t := range m {
			rs[t] = ranked{pair{preds[t], e.Weights[t]}, t}
		}
		slices.SortStableFunc(rs, func(a, b ranked) int {
			switch {
			case a.pred < b.pred:
				return -1
			case a.pred > b.pred:
				return 1
			}
			return 0
		})
		for i, c := range counts {
			c = min(c, m)
			var total float64
			for t := range c {
				total += e.Weights[t]
			}
			var cum float64
			last := 0.0
			for _, r := range rs {
				if r.tree >= c {
					continue
				}
				cum += r.weight
				last = r.pred
				if cum >= total/2 {
					break
				}
			}
			dst[i] = last
		}
	default:
		s := 0.0 // summed in Predict's order, so a stage is bit-identical
		if e.Combine == Sum {
			s = e.Base
		}
		t := 0
		for i, c := range counts {
			for ; t < min(c, m); t++ {
				s += preds[t]
			}
			if e.Combine == Mean {
				dst[i] = s / float64(t)
			} else {
				dst[i] = s
			}
		}
	}
	return preds
}

// Truncate keeps the first n trees (fewer when the ensemble has fewer).
func (e *Ensemble) Truncate(n int) {
	if n < len(e.Trees) {
		e.Trees = e.Trees[:n]
		if e.Weights != nil {
			e.Weights = e.Weights[:n]
		}
	}
}

// Check reports an ensemble that cannot predict rows with the given
// features (levels as in tree.Data).
func (e *Ensemble) Check(levels []int) error {
	switch e.Combine {
	case Sum, Mean, Median:
	default:
		return fmt.Errorf("ensemble: unknown combination %q", e.Combine)
	}
	if len(e.Trees) == 0 {
		return errors.New("ensemble has no trees")
	}
	if math.IsNaN(e.Base) || math.IsInf(e.Base, 0) {
		return errors.New("ensemble: base is not finite")
	}
	if e.Combine == Median {
		if len(e.Weights) != len(e.Trees) {
			return fmt.Errorf("ensemble: %d weights for %d trees", len(e.Weights), len(e.Trees))
		}
		for i, w := range e.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("ensemble: weight %d is %v; want a finite number ≥ 0", i, w)
			}
		}
	} else if e.Weights != nil {
		return fmt.Errorf("ensemble: weights apply to %q only", Median)
	}
	for i := range e.Trees {
		if err := e.Trees[i].Check(levels); err != nil {
			return fmt.Errorf("ensemble: tree %d: %w", i, err)
		}
	}
	return nil
}
