package ensemble

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/studentperf/studentperf/shared/tree"
)

// MaxClasses is the most classes a classifier may have: each is a margin
// of its own, with a tree per round.
const MaxClasses = 1024

// Classify configures gradient boosting of the log loss, as scikit-learn's
// HistGradientBoostingClassifier: a tree per round on the log-odds of a
// binary target, or one per class per round on the softmax's margins.
type Classify struct {
	Rounds       int     // boosting rounds
	LearningRate float64 // in (0, 1]
	// Subsample is the fraction of rows drawn without replacement for
	// each round (every class's tree of a round has the same rows), in
	// (0, 1]; 0 means every row.
	Subsample float64
	// Tree: MaxLeaves, MinSamplesLeaf, L2, MinHessianLeaf, MaxDepth,
	// MaxFeatures and Workers (which also share out the gradients). The
	// criterion must be squared error, the zero value: the trees grow on
	// the loss's own gain (tree.Grower.GrowNewton).
	Tree tree.Params
}

// Classifier is a fitted boosted classifier. Margins are sums of trees:
// for two classes one, the log-odds of class 1 (its probability is
// sigmoid(margin)); for more one per class, their probabilities the
// softmax of the margins. Each is an Ensemble of Combine Sum, whose Base
// is the class prior's log-odds (or log) and whose trees hold the
// learning rate, so explanations of a margin are those of a boosted
// regressor.
type Classifier struct {
	Classes int         `json:"classes"`
	Margins []*Ensemble `json:"margins"`

	arena *tree.Arena // the fitted trees' nodes, for Free
}

// check rejects parameters and labels boosting cannot fit.
func (p Classify) check(bd *tree.Binned, y []float64, classes int) error {
	switch {
	case classes < 2:
		return fmt.Errorf("%d classes; want at least 2", classes)
	case classes > MaxClasses:
		return fmt.Errorf("%d classes; want at most %d", classes, MaxClasses)
	case p.Rounds <= 0:
		return fmt.Errorf("rounds %d must be positive", p.Rounds)
	case p.Tree.Criterion != tree.SquaredError:
		return fmt.Errorf("the trees grow on the log loss's gain, not %s", p.Tree.Criterion)
	}
	if err := checkRate("learning rate", p.LearningRate); err != nil {
		return err
	}
	if p.Subsample != 0 {
		if err := checkRate("subsample", p.Subsample); err != nil {
			return err
		}
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

// logLoss is the loss boosting descends: its baseline, gradients and
// hessians at the margins, for K margins (1 for two classes).
type logLoss struct {
	classes, margins int
	y                []float64 // class indices
}

// priorEps keeps the prior of a class absent from the training rows off
// zero, as scikit-learn clips it.
const priorEps = 0x1p-52

// baseline is each margin's starting value: the log-odds of class 1's
// share of the rows, or each class's log share.
func (l *logLoss) baseline() []float64 {
	counts := make([]float64, l.classes)
	for _, v := range l.y {
		counts[int(v)]++
	}
	n := float64(len(l.y))
	prior := func(k int) float64 { return min(max(counts[k]/n, priorEps), 1-priorEps) }
	if l.margins == 1 {
		p := prior(1)
		return []float64{math.Log(p / (1 - p))}
	}
	base := make([]float64, l.classes)
	for k := range base {
		base[k] = math.Log(prior(k))
	}
	return base
}

// gradients writes the gradient and hessian of each margin at raw for the
// rows [lo, hi): p − y and p(1 − p), p the class's probability.
func (l *logLoss) gradients(raw, grad, hess [][]float64, lo, hi int) {
	if l.margins == 1 {
		f, g, h := raw[0], grad[0], hess[0]
		for r := lo; r < hi; r++ {
			p := sigmoid(f[r])
			g[r] = p - l.y[r]
			h[r] = p * (1 - p)
		}
		return
	}
	var buf [16]float64
	ps := buf[:0]
	if l.margins > len(buf) {
		ps = make([]float64, 0, l.margins)
	}
	ps = ps[:l.margins]
	for r := lo; r < hi; r++ {
		for k := range ps {
			ps[k] = raw[k][r]
		}
		softmax(ps)
		yk := int(l.y[r])
		for k, p := range ps {
			g := p
			if k == yk {
				g = p - 1
			}
			grad[k][r], hess[k][r] = g, p*(1-p)
		}
	}
}

// sigmoid is 1/(1 + e^−x), without overflow either way.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softmax turns margins into probabilities in place, shifted by their
// largest so that no exponential overflows.
func softmax(m []float64) {
	top := math.Inf(-1)
	for _, v := range m {
		top = max(top, v)
	}
	var s float64
	for k, v := range m {
		m[k] = math.Exp(v - top)
		s += m[k]
	}
	for k := range m {
		m[k] /= s
	}
}

// gradChunk is the rows a goroutine computes gradients for at a time.
const gradChunk = 1 << 14

// eachChunk runs fn over [0, n) in chunks on up to workers goroutines.
// Each row's result is its own, so the outcome does not depend on them.
func eachChunk(n, workers int, fn func(lo, hi int)) {
	if workers <= 1 || n < 2*gradChunk {
		fn(0, n)
		return
	}
	chunks := (n + gradChunk - 1) / gradChunk
	next := make(chan int, chunks)
	for c := range chunks {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range min(workers, chunks) {
		wg.Go(func() {
			for c := range next {
				fn(c*gradChunk, min(n, (c+1)*gradChunk))
			}
		})
	}
	wg.Wait()
}

// FitBoostClassifier fits gradient boosting of the log loss to y, the
// class index (0 to classes−1) of each binned row: from the class prior,
// each round draws its rows, computes every margin's gradients and
// hessians at the current margins, and grows one tree per margin on them
// (tree.Grower.GrowNewton), its leaves scaled by the learning rate. The
// same data, parameters and seed give the same trees.
func FitBoostClassifier(bd *tree.Binned, y []float64, classes int, p Classify, seed uint64) (*Classifier, error) {
	if err := p.check(bd, y, classes); err != nil {
		return nil, fmt.Errorf("boost classifier: %w", err)
	}
	g, err := tree.NewGrower(bd, p.Tree)
	if err != nil {
		return nil, fmt.Errorf("boost classifier: %w", err)
	}
	n := bd.Rows
	loss := &logLoss{classes: classes, margins: 1, y: y}
	if classes > 2 {
		loss.margins = classes
	}
	c := &Classifier{Classes: classes, Margins: make([]*Ensemble, loss.margins)}
	raw, grad, hess := make([][]float64, loss.margins), make([][]float64, loss.margins), make([][]float64, loss.margins)
	for k, b := range loss.baseline() {
		c.Margins[k] = &Ensemble{Combine: Sum, Base: b, Trees: make([]tree.Tree, 0, p.Rounds)}
		raw[k], grad[k], hess[k] = make([]float64, n), make([]float64, n), make([]float64, n)
		for r := range raw[k] {
			raw[k][r] = b
		}
	}
	frac := p.Subsample
	if frac == 0 {
		frac = 1
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	sub := newSubsample(n, frac)
	var outPred []float64 // a tree's predictions for the rows left out
	if !sub.all() {
		outPred = make([]float64, n-sub.inBag)
	}
	inBag := make([]int32, 0, n)
	workers := max(1, p.Tree.Workers)
	for it := range p.Rounds {
		rows, out := sub.draw(rng)
		inBag = append(inBag[:0], rows...) // in increasing order, for each class's tree
		eachChunk(n, workers, func(lo, hi int) { loss.gradients(raw, grad, hess, lo, hi) })
		for k, e := range c.Margins {
			copy(rows, inBag)
			t, leaves, err := g.GrowNewton(grad[k], hess[k], rows, rng)
			if err != nil {
				return nil, fmt.Errorf("boost classifier: round %d, margin %d: %w", it+1, k, err)
			}
			t.Scale(p.LearningRate)
			f := raw[k]
			for _, lf := range leaves {
				v := t.Nodes[lf.Node].Value
				for _, r := range rows[lf.Lo:lf.Hi] {
					f[r] += v
				}
			}
			if out != nil {
				g.PredictRows(t, out, outPred)
				for i, r := range out {
					f[r] += outPred[i]
				}
			}
			e.Trees = append(e.Trees, *t)
		}
	}
	c.arena = g.Arena()
	return c, nil
}

// Free hands the memory of a fitted classifier's trees back for later
// fits and empties it; nothing may use its trees afterwards.
func (c *Classifier) Free() {
	if c.arena != nil {
		c.arena.Free()
		c.arena = nil
	}
	for _, e := range c.Margins {
		e.Free()
	}
	c.Margins = nil
}

// Outputs is the number of margins: 1 for two classes (the log-odds of
// class 1), else the number of classes.
func (c *Classifier) Outputs() int { return len(c.Margins) }

// Rounds is the number of boosting rounds (trees per margin).
func (c *Classifier) Rounds() int {
	if len(c.Margins) == 0 {
		return 0
	}
	return len(c.Margins[0].Trees)
}

// Truncate keeps the first n rounds (all when there are fewer).
func (c *Classifier) Truncate(n int) {
	for _, e := range c.Margins {
		e.Truncate(n)
	}
}

// Prepare compiles every margin's trees for prediction now rather than at
// the first prediction.
func (c *Classifier) Prepare() {
	for _, e := range c.Margins {
		e.Prepare()
	}
}

// Check reports a classifier that cannot predict rows with the given
// features (levels as in tree.Data): for untrusted JSON.
func (c *Classifier) Check(levels []int) error {
	switch {
	case c.Classes < 2 || c.Classes > MaxClasses:
		return fmt.Errorf("classifier: %d classes; want 2 to %d", c.Classes, MaxClasses)
	case c.Classes == 2 && len(c.Margins) != 1:
		return fmt.Errorf("classifier: %d margins for 2 classes; want 1, the log-odds", len(c.Margins))
	case c.Classes > 2 && len(c.Margins) != c.Classes:
		return fmt.Errorf("classifier: %d margins for %d classes; want one a class", len(c.Margins), c.Classes)
	}
	for k, e := range c.Margins {
		if e == nil {
			return fmt.Errorf("classifier: margin %d is missing", k)
		}
		if e.Combine != Sum {
			return fmt.Errorf("classifier: margin %d combines by %q; want %q", k, e.Combine, Sum)
		}
		if len(e.Trees) != len(c.Margins[0].Trees) {
			return fmt.Errorf("classifier: margin %d has %d trees, margin 0 %d", k, len(e.Trees), len(c.Margins[0].Trees))
		}
		if err := e.Check(levels); err != nil {
			return fmt.Errorf("classifier: margin %d: %w", k, err)
		}
	}
	return nil
}

// Margin writes the margins of row x (numeric values and level indices,
// as in tree.Data) into dst (Outputs values): the raw scores, log-odds
// for two classes, whose link gives the probabilities.
func (c *Classifier) Margin(x []float64, dst []float64) {
	for k, e := range c.Margins {
		dst[k] = e.Predict(x)
	}
}

// PredictProba writes the probability of each class for row x into dst
// (Classes values, summing to 1 within rounding).
func (c *Classifier) PredictProba(x []float64, dst []float64) {
	if len(c.Margins) == 1 {
		m := c.Margins[0].Predict(x)
		dst[0], dst[1] = sigmoid(-m), sigmoid(m)
		return
	}
	dst = dst[:c.Classes]
	c.Margin(x, dst)
	softmax(dst)
}

// MarginBatch writes the margins of the rows of x (p values each, row
// after row) into dst, Outputs values a row, row after row: each margin's
// trees predict the whole batch at once (Ensemble.PredictBatch).
func (c *Classifier) MarginBatch(x []float64, p int, dst []float64) {
	m := len(c.Margins)
	if m == 1 {
		c.Margins[0].PredictBatch(x, p, dst)
		return
	}
	n := len(dst) / m
	col := make([]float64, n)
	for k, e := range c.Margins {
		e.PredictBatch(x[:n*p], p, col)
		for r, v := range col {
			dst[r*m+k] = v
		}
	}
}

// PredictProbaBatch writes the class probabilities of the rows of x (p
// values each, row after row) into dst, Classes values a row, row after
// row: what PredictProba gives row by row.
func (c *Classifier) PredictProbaBatch(x []float64, p int, dst []float64) {
	k := c.Classes
	n := len(dst) / k
	if len(c.Margins) == 1 {
		m := make([]float64, n)
		c.Margins[0].PredictBatch(x[:n*p], p, m)
		for r, v := range m {
			dst[2*r], dst[2*r+1] = sigmoid(-v), sigmoid(v)
		}
		return
	}
	c.MarginBatch(x, p, dst[:n*k])
	for r := range n {
		softmax(dst[r*k : (r+1)*k])
	}
}
