package ensemble

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/studentperf/studentperf/shared/tree"
)

// Forest configures a random forest.
type Forest struct {
	Trees     int         // number of trees
	Bootstrap bool        // draw each tree's rows with replacement; else every row
	Tree      tree.Params // MaxFeatures subsamples features at each split
}

// Boost configures gradient boosting of the squared error.
type Boost struct {
	Trees        int
	LearningRate float64 // in (0, 1]
	Subsample    float64 // fraction of rows drawn without replacement per tree, in (0, 1]
	Tree         tree.Params
}

// AdaBoost configures AdaBoost.R2 with the linear loss.
type AdaBoost struct {
	Trees        int
	LearningRate float64 // in (0, 1]
	Tree         tree.Params
}

func checkCount(n int) error {
	if n <= 0 {
		return fmt.Errorf("number of trees %d must be positive", n)
	}
	return nil
}

func checkRate(name string, r float64) error {
	if !(r > 0 && r <= 1) {
		return fmt.Errorf("%s %v must be in (0, 1]", name, r)
	}
	return nil
}

func checkTargets(bd *tree.Binned, y []float64) error {
	if bd == nil || bd.Rows == 0 {
		return errors.New("no rows")
	}
	if len(y) != bd.Rows {
		return fmt.Errorf("%d targets for %d rows", len(y), bd.Rows)
	}
	return nil
}

// FitForest fits a random forest. Tree i draws from its own stream of
// seed, so a forest's first n trees do not depend on how many follow.
func FitForest(bd *tree.Binned, y []float64, p Forest, seed uint64) (*Ensemble, error) {
	if err := checkCount(p.Trees); err != nil {
		return nil, fmt.Errorf("forest: %w", err)
	}
	if err := checkTargets(bd, y); err != nil {
		return nil, fmt.Errorf("forest: %w", err)
	}
	g, err := tree.NewGrower(bd, p.Tree)
	if err != nil {
		return nil, fmt.Errorf("forest: %w", err)
	}
	e := &Ensemble{Combine: Mean, Trees: make([]tree.Tree, 0, p.Trees)}
	rows := make([]int32, bd.Rows)
	for i := range p.Trees {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		for r := range rows {
			if p.Bootstrap {
				rows[r] = int32(rng.IntN(bd.Rows))
			} else {
				rows[r] = int32(r)
			}
		}
		t, _, err := g.Grow(y, rows, rng)
		if err != nil {
			return nil, fmt.Errorf("forest: tree %d: %w", i+1, err)
		}
		e.Trees = append(e.Trees, *t)
	}
	e.arena = g.Arena()
	return e, nil
}

// FitBoost fits gradient boosting of the squared error: it starts from the
// mean and fits each tree to the residuals of the rows drawn for it.
func FitBoost(bd *tree.Binned, y []float64, p Boost, seed uint64) (*Ensemble, error) {
	if err := p.check(bd, y); err != nil {
		return nil, fmt.Errorf("boost: %w", err)
	}
	g, err := tree.NewGrower(bd, p.Tree)
	if err != nil {
		return nil, fmt.Errorf("boost: %w", err)
	}
	n := bd.Rows
	var base float64
	for _, v := range y {
		base += v
	}
	base /= float64(n)
	if math.IsNaN(base) || math.IsInf(base, 0) {
		return nil, errors.New("boost: targets are not finite")
	}
	resid := make([]float64, n)
	for i, v := range y {
		resid[i] = v - base
	}
	e := &Ensemble{Combine: Sum, Base: base, Trees: make([]tree.Tree, 0, p.Trees)}
	rng := rand.New(rand.NewPCG(seed, 0))
	sub := newSubsample(n, p.Subsample)
	var outPred []float64 // the tree's predictions for the rows left out
	if sub.all() {
		g.Carry()
	} else {
		outPred = make([]float64, n-sub.inBag)
	}
	var shift []float64 // each leaf's value, when every tree has every row
	for it := range p.Trees {
		rows, out := sub.draw(rng)
		t, leaves, err := g.Grow(resid, rows, rng)
		if err != nil {
			return nil, fmt.Errorf("boost: tree %d: %w", it+1, err)
		}
		t.Scale(p.LearningRate)
		shift = shift[:0]
		for _, lf := range leaves {
			v := t.Nodes[lf.Node].Value
			for _, r := range rows[lf.Lo:lf.Hi] {
				resid[r] -= v
			}
			shift = append(shift, v)
		}
		g.Shift(shift)
		if out != nil {
			g.PredictRows(t, out, outPred)
			for i, r := range out {
				resid[r] -= outPred[i]
			}
		}
		e.Trees = append(e.Trees, *t)
	}
	e.arena = g.Arena()
	return e, nil
}

// check rejects parameters and data boosting cannot fit.
func (p Boost) check(bd *tree.Binned, y []float64) error {
	if err := checkCount(p.Trees); err != nil {
		return err
	}
	if err := checkRate("learning rate", p.LearningRate); err != nil {
		return err
	}
	if err := checkRate("subsample", p.Subsample); err != nil {
		return err
	}
	if err := checkTargets(bd, y); err != nil {
		return err
	}
	if p.Tree.Criterion == tree.AbsoluteError || p.Tree.Criterion == tree.Poisson {
		return fmt.Errorf("residuals need squared error or friedman_mse, not %s", p.Tree.Criterion)
	}
	return nil
}

// subsample draws the rows of each boosting round: inBag of the n rows
// without replacement, in increasing order (which is memory order), and
// the rows left out.
type subsample struct {
	inBag int
	perm  []int32 // the rows, their first inBag the last draw
	rows  []int32 // the rows drawn; the grower reorders them
	in    []uint8 // 1 for the rows drawn (nil: every round has every row)
	out   []int32 // the rows left out
}

// newSubsample draws fraction of n rows a round (at least one).
func newSubsample(n int, fraction float64) *subsample {
	s := &subsample{inBag: max(1, int(fraction*float64(n))), perm: make([]int32, n), rows: make([]int32, n)}
	for i := range s.perm {
		s.perm[i] = int32(i)
	}
	if s.inBag < n {
		s.in = make([]uint8, n)
		s.out = make([]int32, n)
	}
	return s
}

// all reports whether every round has every row.
func (s *subsample) all() bool { return s.in == nil }

// draw returns the next round's rows and the rows it leaves out (nil
// when it has every row), valid until the next draw.
func (s *subsample) draw(rng *rand.Rand) (rows, out []int32) {
	if s.all() {
		copy(s.rows, s.perm) // in order again: the grower reordered them
		return s.rows, nil
	}
	n := len(s.perm)
	for i := range s.inBag { // a partial Fisher–Yates shuffle
		j := i + rng.IntN(n-i)
		s.perm[i], s.perm[j] = s.perm[j], s.perm[i]
	}
	clear(s.in)
	for _, r := range s.perm[:s.inBag] {
		s.in[r] = 1
	}
	// Both lists at once, without a branch on the side.
	i, k := 0, 0
	for r, b := range s.in {
		s.rows[i] = int32(r)
		s.out[k] = int32(r)
		i += int(b)
		k += 1 - int(b)
	}
	return s.rows[:i], s.out[:k]
}

// FitAdaBoost fits AdaBoost.R2 (Drucker, 1997) as scikit-learn's
// AdaBoostRegressor does: each tree fits a weighted bootstrap of the rows,
// the linear loss reweights them, and boosting stops early on a perfect
// tree or one whose weighted error reaches one half.
func FitAdaBoost(bd *tree.Binned, y []float64, p AdaBoost, seed uint64) (*Ensemble, error) {
	if err := checkCount(p.Trees); err != nil {
		return nil, fmt.Errorf("adaboost: %w", err)
	}
	if err := checkRate("learning rate", p.LearningRate); err != nil {
		return nil, fmt.Errorf("adaboost: %w", err)
	}
	if err := checkTargets(bd, y); err != nil {
		return nil, fmt.Errorf("adaboost: %w", err)
	}
	g, err := tree.NewGrower(bd, p.Tree)
	if err != nil {
		return nil, fmt.Errorf("adaboost: %w", err)
	}
	n := bd.Rows
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	draw := newWeightedDraw(n)
	rows := make([]int32, n)
	errs := make([]float64, n)
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	e := &Ensemble{Combine: Median}
	rng := rand.New(rand.NewPCG(seed, 0))
	for it := range p.Trees {
		c := draw.reset(w)
		for i := range rows {
			rows[i] = int32(draw.index(rng.Float64() * c))
		}
		t, _, err := g.Grow(y, rows, rng)
		if err != nil {
			return nil, fmt.Errorf("adaboost: tree %d: %w", it+1, err)
		}
		g.PredictRows(t, all, errs)
		var emax float64
		for r := range n {
			errs[r] = math.Abs(errs[r] - y[r])
			emax = math.Max(emax, errs[r])
		}
		var est float64
		for r := range n {
			if emax > 0 {
				errs[r] /= emax
			}
			est += w[r] * errs[r]
		}
		if est <= 0 { // a perfect tree: it alone decides
			e.Trees = append(e.Trees, *t)
			e.Weights = append(e.Weights, 1)
			break
		}
		if est >= 0.5 {
			if len(e.Trees) == 0 {
				e.Trees = append(e.Trees, *t)
				e.Weights = append(e.Weights, 1)
			}
			break
		}
		beta := est / (1 - est)
		e.Trees = append(e.Trees, *t)
		e.Weights = append(e.Weights, p.LearningRate*math.Log(1/beta))
		if it < p.Trees-1 {
			// β^((1−e)·rate) as an exponential, which is cheaper than Pow.
			lb := math.Log(beta) * p.LearningRate
			var s float64
			for r := range n {
				w[r] *= math.Exp(lb * (1 - errs[r]))
				s += w[r]
			}
			for r := range n {
				w[r] /= s
			}
		}
	}
	e.arena = g.Arena()
	return e, nil
}
