package explain

import (
	"context"
	"fmt"
	"slices"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/model"
)

// knnLayout is the reference in the kNN layout, each column's feature
// (in the tree layout's order: numeric inputs, then categories) and each
// feature's columns.
type knnLayout struct {
	ref  []float64
	own  []int
	cols [][]int
}

// knnStackWidth is the widest kNN input row an explanation builds on the
// stack; a wider one is allocated.
const knnStackWidth = 256

// newKNNLayout lays the reference out as kNN inputs, as model.KNNRow
// writes a record, with each column's feature.
func newKNNLayout(tr *features.Transform, p int) *knnLayout {
	wid := tr.Width()
	kl := &knnLayout{ref: make([]float64, wid), own: make([]int, wid), cols: make([][]int, p)}
	for j, n := range tr.Numeric {
		kl.ref[j] = (n.Median - n.Mean) / n.Scale
		kl.own[j] = j
	}
	k := len(tr.Numeric)
	for i := range tr.Categorical {
		c := &tr.Categorical[i]
		for l := range c.Levels {
			kl.ref[k+l] = indicator(l == c.MostFrequent)
			kl.own[k+l] = len(tr.Numeric) + i
		}
		k += len(c.Levels)
	}
	for c, o := range kl.own {
		kl.cols[o] = append(kl.cols[o], c)
	}
	return kl
}

// explainKNN explains k nearest neighbours through its predictions on
// mixed records in the kNN layout, each column taken from the record or
// the reference by its feature: all 2^p of them, or sampled orders when
// wide.
func (ex *Explainer) explainKNN(ctx context.Context, r features.Row, phi []float64) (pred, baseline float64, err error) {
	tr, kl := ex.m.Transform, ex.knn
	var bx, bmix [knnStackWidth]float64
	x, mix := bx[:0], bmix[:0]
	if w := len(kl.ref); w > knnStackWidth {
		x, mix = make([]float64, w), make([]float64, w)
	}
	x, mix = x[:len(kl.ref)], mix[:len(kl.ref)]
	if len(r.Cat) != len(tr.Categorical) || len(r.Num) != len(tr.Numeric) || !model.KNNRow(tr, r, x) {
		return 0, 0, ex.refused(r)
	}
	est := ex.m.Estimator.KNN
	pred = est.Predict(x)
	if ex.sample != nil {
		// The game has its own rows, so that x and mix stay on the stack
		// in the enumerated case.
		g := &knnGame{est: est, kl: kl, x: slices.Clone(x), mix: make([]float64, len(mix))}
		if err := ex.sample.Shapley(ctx, g, pred, ex.baseline, phi); err != nil {
			return 0, 0, fmt.Errorf("explain: %w", err)
		}
		return pred, ex.baseline, nil
	}
	_, baseline, err = ExactContext(ctx, len(phi), func(s uint64) float64 {
		for c, o := range kl.own {
			if s>>uint(o)&1 == 1 {
				mix[c] = x[c]
			} else {
				mix[c] = kl.ref[c]
			}
		}
		return est.Predict(mix)
	}, phi)
	if err != nil {
		return 0, 0, fmt.Errorf("explain: %w", err)
	}
	return pred, baseline, nil
}

// knnGame is the Coalition of k nearest neighbours over the kNN layout: a
// feature joins with all its columns.
type knnGame struct {
	est    *knn.Model
	kl     *knnLayout
	x, mix []float64
}

func (g *knnGame) Reset() { copy(g.mix, g.kl.ref) }

func (g *knnGame) Join(j int) float64 {
	for _, c := range g.kl.cols[j] {
		g.mix[c] = g.x[c]
	}
	return g.est.Predict(g.mix)
}
