package ensemble

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/studentperf/studentperf/shared/tree"
)

// AdaBoostClassify configures AdaBoost SAMME (Zhu et al., 2009), as
// scikit-learn 1.2's AdaBoostClassifier(algorithm="SAMME").
type AdaBoostClassify struct {
	Trees        int           // most trees; boosting stops early on a perfect tree or one no better than chance
	LearningRate float64       // shrinks each tree's weight; > 0 (scikit-learn's default 1)
	Impurity     tree.Impurity // of the trees: Gini (the zero value) or Entropy
	// Tree: the weak learner's limits, scikit-learn's default a stump
	// (MaxDepth 1); the trees grow on the weighted rows, without a
	// bootstrap. Criterion and L2 must be zero.
	Tree tree.Params
}

// ErrWorseThanChance is wrapped by the error for an AdaBoost fit whose
// first tree errs on at least (k−1)/k of the weight, as scikit-learn's
// "worse than random" refusal.
var ErrWorseThanChance = errors.New("the first tree is no better than chance")

// AdaBoostClassifier is a fitted SAMME ensemble: each tree votes for the
// class of the largest share in the leaf a row falls in, with its weight.
type AdaBoostClassifier struct {
	Classes int              `json:"classes"`
	Trees   []tree.ClassTree `json:"trees"`
	Weights []float64        `json:"weights"`
}

// samme is one boosting step's outcome.
type samme struct {
	weight, err float64
	stop        bool // no more trees after this one
	drop        bool // the tree is no better than chance: left out
}

// FitAdaBoostClassifier fits AdaBoost SAMME to y, the class index (0 to
// classes−1) of each binned row, as scikit-learn 1.2 does: the rows start
// with equal weights (clipped to at least 2⁻⁵² each round); each tree
// grows on the weighted rows, its weighted error err on them gives it
// the weight rate·(log((1−err)/err) + log(k−1)), and the rows it gets
// wrong are multiplied by e to that weight, then all renormalised.
// Boosting stops at a perfect tree (which gets weight 1), and leaves out
// a tree whose error reaches (k−1)/k (a first such tree is an error
// wrapping ErrWorseThanChance). seed draws the features of each split
// when MaxFeatures is set.
func FitAdaBoostClassifier(bd *tree.Binned, y []float64, classes int, p AdaBoostClassify, seed uint64) (*AdaBoostClassifier, error) {
	if err := checkCount(p.Trees); err != nil {
		return nil, fmt.Errorf("adaboost classifier: %w", err)
	}
	if !(p.LearningRate > 0) || math.IsInf(p.LearningRate, 1) {
		return nil, fmt.Errorf("adaboost classifier: learning rate %v must be a positive number", p.LearningRate)
	}
	if err := checkClasses(bd, y, classes); err != nil {
		return nil, fmt.Errorf("adaboost classifier: %w", err)
	}
	g, err := tree.NewClassGrower(bd, classes, p.Impurity, p.Tree)
	if err != nil {
		return nil, fmt.Errorf("adaboost classifier: %w", err)
	}
	n := bd.Rows
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	rows := make([]int32, n)
	wrong := make([]bool, n)
	a := &AdaBoostClassifier{Classes: classes}
	rng := rand.New(rand.NewPCG(seed, 0))
	for it := range p.Trees {
		for i := range w {
			w[i] = max(w[i], epsilon)
			rows[i] = int32(i)
		}
		t, leaves, err := g.Grow(y, w, rows, rng)
		if err != nil {
			return nil, fmt.Errorf("adaboost classifier: tree %d: %w", it+1, err)
		}
		step := a.boost(t, leaves, rows, y, w, wrong, p.LearningRate, it == p.Trees-1)
		if step.drop {
			if len(a.Trees) == 0 {
				return nil, fmt.Errorf("adaboost classifier: weighted error %.4g of %d classes: %w", step.err, classes, ErrWorseThanChance)
			}
			break
		}
		a.Trees = append(a.Trees, *t)
		a.Weights = append(a.Weights, step.weight)
		if step.stop {
			break
		}
	}
	return a, nil
}

// epsilon is the least weight of a row, numpy's float64 eps.
const epsilon = 0x1p-52

// boost scores tree t (whose leaves hold rows) on the weighted rows,
// returns its weight and reweights w in place unless last: the SAMME
// step of scikit-learn's _boost_discrete.
func (a *AdaBoostClassifier) boost(t *tree.ClassTree, leaves []tree.Leaf, rows []int32, y, w []float64, wrong []bool, rate float64, last bool) samme {
	k := float64(a.Classes)
	for i, lf := range leaves {
		c := float64(argmaxFirst(t.LeafProba(i)))
		for _, r := range rows[lf.Lo:lf.Hi] {
			wrong[r] = y[r] != c
		}
	}
	var bad, tot float64
	for r, v := range w {
		tot += v
		if wrong[r] {
			bad += v
		}
	}
	e := bad / tot
	switch {
	case e <= 0:
		return samme{weight: 1, stop: true}
	case e >= 1-1/k:
		return samme{err: e, drop: true}
	}
	s := samme{weight: rate * (math.Log((1-e)/e) + math.Log(k-1)), err: e}
	if last {
		return s
	}
	var sum float64
	for r := range w {
		// As scikit-learn, every weight goes through its log, the
		// wrong rows' plus the tree's weight.
		lw := math.Log(w[r])
		if wrong[r] {
			lw += s.weight
		}
		w[r] = math.Exp(lw)
		sum += w[r]
	}
	if math.IsInf(sum, 0) || math.IsNaN(sum) || sum <= 0 {
		s.stop = true // weights overflowed: scikit-learn stops here too
		return s
	}
	for r := range w {
		w[r] /= sum
	}
	return s
}

// argmaxFirst is the index of the largest value, the first on a tie (as
// numpy's argmax, hence a tree's predict).
func argmaxFirst(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Check reports an ensemble that cannot predict rows with the given
// features (levels as in tree.Data): for untrusted JSON.
func (a *AdaBoostClassifier) Check(levels []int) error {
	switch {
	case a.Classes < 2 || a.Classes > MaxClasses:
		return fmt.Errorf("adaboost classifier: %d classes; want 2 to %d", a.Classes, MaxClasses)
	case len(a.Trees) == 0:
		return errors.New("adaboost classifier: no trees")
	case len(a.Weights) != len(a.Trees):
		return fmt.Errorf("adaboost classifier: %d weights for %d trees", len(a.Weights), len(a.Trees))
	}
	for i := range a.Trees {
		t := &a.Trees[i]
		if t.Classes != a.Classes {
			return fmt.Errorf("adaboost classifier: tree %d has %d classes; the ensemble %d", i, t.Classes, a.Classes)
		}
		if err := t.Check(levels); err != nil {
			return fmt.Errorf("adaboost classifier: tree %d: %w", i, err)
		}
		if w := a.Weights[i]; !(w > 0) || math.IsInf(w, 1) {
			return fmt.Errorf("adaboost classifier: tree %d has weight %v; want a positive number", i, w)
		}
	}
	return nil
}

// Truncate keeps the first n trees and their weights (all when there
// are fewer): the ensemble a fit of n trees gives, since a tree's weight
// and the rows' weights it grew on do not depend on later trees.
func (a *AdaBoostClassifier) Truncate(n int) {
	if n >= 0 && n < len(a.Trees) {
		a.Trees, a.Weights = a.Trees[:n], a.Weights[:n]
	}
}

// Free drops the trees; nothing may use the ensemble afterwards.
func (a *AdaBoostClassifier) Free() { a.Trees, a.Weights = nil, nil }

// Decision writes the SAMME decision of row x into dst (Classes values):
// each class's share of the trees' weights voting for it, as
// scikit-learn's decision_function before it folds two classes into one.
func (a *AdaBoostClassifier) Decision(x []float64, dst []float64) {
	dst = dst[:a.Classes]
	clear(dst)
	var tot float64
	for i := range a.Trees {
		t := &a.Trees[i]
		dst[argmaxFirst(t.LeafProba(t.Leaf(x)))] += a.Weights[i]
		tot += a.Weights[i]
	}
	for c := range dst {
		dst[c] /= tot
	}
}

// PredictProba writes the probability of each class for row x (numeric
// values and level indices, as in tree.Data) into dst (Classes values,
// summing to 1 within 1e-12), as scikit-learn's SAMME predict_proba: the
// softmax of the decision divided by k−1, or for two classes of ±d/2, d
// the decision of class 1 less class 0's.
func (a *AdaBoostClassifier) PredictProba(x []float64, dst []float64) {
	dst = dst[:a.Classes]
	a.Decision(x, dst)
	if a.Classes == 2 {
		d := dst[1] - dst[0]
		dst[0], dst[1] = -d/2, d/2
	} else {
		for c := range dst {
			dst[c] /= float64(a.Classes - 1)
		}
	}
	softmax(dst)
}

// PredictProbaBatch writes the class probabilities of the rows of x (p
// values each, row after row) into dst, Classes values a row, row after
// row: what PredictProba gives row by row.
func (a *AdaBoostClassifier) PredictProbaBatch(x []float64, p int, dst []float64) {
	k := a.Classes
	for r := range len(dst) / k {
		a.PredictProba(x[r*p:(r+1)*p], dst[r*k:(r+1)*k])
	}
}
