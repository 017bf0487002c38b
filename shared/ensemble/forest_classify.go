package ensemble

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/studentperf/studentperf/shared/tree"
)

// ForestClassify configures a random forest of classification trees, as
// scikit-learn's RandomForestClassifier.
type ForestClassify struct {
	Trees     int           // number of trees
	Bootstrap bool          // each tree's rows drawn with replacement (as weights: the times drawn); else every row
	Impurity  tree.Impurity // Gini (the zero value) or Entropy
	// Tree: MaxDepth, MaxLeaves, MinSamplesLeaf, MinSamplesSplit and
	// MaxFeatures (features tried at each split; scikit-learn's "sqrt" is
	// SqrtFeatures). Criterion and L2 must be zero.
	Tree tree.Params
	// Workers is how many goroutines grow trees at once; 0 means 1. The
	// trees do not depend on it.
	Workers int
}

// SqrtFeatures is scikit-learn's max_features="sqrt" of p features:
// ⌊√p⌋, at least 1.
func SqrtFeatures(p int) int { return max(1, int(math.Sqrt(float64(p)))) }

// ForestClassifier is a fitted random forest of classification trees: a
// row's class probabilities are the mean of its leaves' in every tree.
type ForestClassifier struct {
	Classes int              `json:"classes"`
	Trees   []tree.ClassTree `json:"trees"`
}

// checkClasses rejects labels that are not class indices below classes.
func checkClasses(bd *tree.Binned, y []float64, classes int) error {
	switch {
	case classes < 2:
		return fmt.Errorf("%d classes; want at least 2", classes)
	case classes > MaxClasses:
		return fmt.Errorf("%d classes; want at most %d", classes, MaxClasses)
	}
	if err := checkTargets(bd, y); err != nil {
		return err
	}
	for i, v := range y {
		if !(v >= 0 && v < float64(classes)) || v != math.Trunc(v) {
			return fmt.Errorf("label of row %d is %v; want a class index 0 to %d", i+1, v, classes-1)
		}
	}
	return nil
}

// FitForestClassifier fits a random forest to y, the class index (0 to
// classes−1) of each binned row. Tree i draws its bootstrap and its
// features from stream i of seed, so the same data, parameters and seed
// give the same trees however many workers grow them, and a forest's
// first n trees do not depend on how many follow.
func FitForestClassifier(bd *tree.Binned, y []float64, classes int, p ForestClassify, seed uint64) (*ForestClassifier, error) {
	if err := checkCount(p.Trees); err != nil {
		return nil, fmt.Errorf("forest classifier: %w", err)
	}
	if err := checkClasses(bd, y, classes); err != nil {
		return nil, fmt.Errorf("forest classifier: %w", err)
	}
	if p.Workers < 0 {
		return nil, fmt.Errorf("forest classifier: workers %d must be positive", p.Workers)
	}
	workers := min(max(1, p.Workers), p.Trees)
	growers := make([]*tree.ClassGrower, workers)
	for i := range growers {
		g, err := tree.NewClassGrower(bd, classes, p.Impurity, p.Tree)
		if err != nil {
			return nil, fmt.Errorf("forest classifier: %w", err)
		}
		growers[i] = g
	}
	f := &ForestClassifier{Classes: classes, Trees: make([]tree.ClassTree, p.Trees)}
	errs := make([]error, p.Trees)
	next := make(chan int, p.Trees)
	for i := range p.Trees {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for _, g := range growers {
		wg.Go(func() {
			rows := make([]int32, 0, bd.Rows)
			var w []float64
			if p.Bootstrap {
				w = make([]float64, bd.Rows)
			}
			for i := range next {
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				rows = bootstrap(rows[:0], w, bd.Rows, rng)
				t, _, err := g.Grow(y, w, rows, rng)
				if err != nil {
					errs[i] = fmt.Errorf("forest classifier: tree %d: %w", i+1, err)
					continue
				}
				f.Trees[i] = *t
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// bootstrap returns the rows of a tree, appended to rows: every one of n
// when w is nil; else n draws with replacement, each row drawn once or
// more listed once (in increasing order) with the times drawn in w.
func bootstrap(rows []int32, w []float64, n int, rng *rand.Rand) []int32 {
	if w == nil {
		for r := range n {
			rows = append(rows, int32(r))
		}
		return rows
	}
	clear(w)
	for range n {
		w[rng.IntN(n)]++
	}
	for r, c := range w {
		if c > 0 {
			rows = append(rows, int32(r))
		}
	}
	return rows
}

// Check reports a forest that cannot predict rows with the given features
// (levels as in tree.Data): for untrusted JSON.
func (f *ForestClassifier) Check(levels []int) error {
	switch {
	case f.Classes < 2 || f.Classes > MaxClasses:
		return fmt.Errorf("forest classifier: %d classes; want 2 to %d", f.Classes, MaxClasses)
	case len(f.Trees) == 0:
		return fmt.Errorf("forest classifier: no trees")
	}
	for i := range f.Trees {
		t := &f.Trees[i]
		if t.Classes != f.Classes {
			return fmt.Errorf("forest classifier: tree %d has %d classes; the forest %d", i, t.Classes, f.Classes)
		}
		if err := t.Check(levels); err != nil {
			return fmt.Errorf("forest classifier: tree %d: %w", i, err)
		}
	}
	return nil
}

// Truncate keeps the first n trees (all when there are fewer): the
// forest a fit of n trees gives, since tree i does not depend on how
// many follow, so a search scores several counts from one fit.
func (f *ForestClassifier) Truncate(n int) {
	if n >= 0 && n < len(f.Trees) {
		f.Trees = f.Trees[:n]
	}
}

// Free drops the trees; nothing may use the forest afterwards.
func (f *ForestClassifier) Free() { f.Trees = nil }

// PredictProba writes the probability of each class for row x (numeric
// values and level indices, as in tree.Data) into dst (Classes values,
// summing to 1 within 1e-12): the mean over the trees of the class
// shares of the leaf x falls in.
func (f *ForestClassifier) PredictProba(x []float64, dst []float64) {
	dst = dst[:f.Classes]
	clear(dst)
	for i := range f.Trees {
		t := &f.Trees[i]
		for c, v := range t.LeafProba(t.Leaf(x)) {
			dst[c] += v
		}
	}
	n := float64(len(f.Trees))
	for c := range dst {
		dst[c] /= n
	}
}

// PredictProbaBatch writes the class probabilities of the rows of x (p
// values each, row after row) into dst, Classes values a row, row after
// row: what PredictProba gives row by row.
func (f *ForestClassifier) PredictProbaBatch(x []float64, p int, dst []float64) {
	k := f.Classes
	for r := range len(dst) / k {
		f.PredictProba(x[r*p:(r+1)*p], dst[r*k:(r+1)*k])
	}
}
