package knn

import (
	"fmt"
	"math"
)

// Classifier is a fitted k-nearest-neighbours classifier: training rows
// and their classes (indices 0..Classes−1, held as numbers so that it finds
// neighbours as the regressor does, ties in distance to the earlier row).
type Classifier struct {
	K        int       `json:"k"`
	Distance bool      `json:"distance"` // weights 1/distance; else uniform
	Dim      int       `json:"dim"`
	Classes  int       `json:"classes"`
	X        []float64 `json:"x"` // row-major training rows
	Y        []float64 `json:"y"` // their class indices
}

// FitClassifier checks and keeps the training rows (row-major, dim
// columns) and their classes y among classes classes.
func FitClassifier(X []float64, dim int, y []int, classes, k int, distance bool) (*Classifier, error) {
	yf := make([]float64, len(y))
	for i, c := range y {
		yf[i] = float64(c)
	}
	c := &Classifier{K: k, Distance: distance, Dim: dim, Classes: classes, X: X, Y: yf}
	if err := c.Check(dim); err != nil {
		return nil, fmt.Errorf("knn: %w", err)
	}
	return c, nil
}

// model is the classifier's rows as a Model, which finds the neighbours.
func (c *Classifier) model() Model {
	return Model{K: c.K, Distance: c.Distance, Dim: c.Dim, X: c.X, Y: c.Y}
}

// Check reports a classifier that cannot predict dim-wide rows: what
// Model.Check reports, fewer than two classes, or a training class that is
// not one of them.
func (c *Classifier) Check(dim int) error {
	m := c.model()
	if err := m.Check(dim); err != nil {
		return err
	}
	if c.Classes < 2 {
		return fmt.Errorf("%d classes; want at least 2", c.Classes)
	}
	for i, v := range c.Y {
		if v != math.Trunc(v) || v < 0 || v >= float64(c.Classes) {
			return fmt.Errorf("training class %v of row %d is not in 0..%d", v, i, c.Classes-1)
		}
	}
	return nil
}

// Proba writes into dst, one element a class, the class probabilities the
// neighbours ns (not empty; their targets Y are class indices below
// len(dst)) vote for, as scikit-learn's KNeighborsClassifier.predict_proba:
// each neighbour's weight is 1, or 1/distance with distance weights, and a
// class's probability is its share of the weight. With distance weights a
// neighbour at distance 0 takes all the weight, shared with any others at
// 0 (scikit-learn's exact-match rule).
func (m *Model) Proba(ns []Neighbor, distance bool, dst []float64) {
	clear(dst)
	exact := distance && ns[0].Dist == 0
	for _, nb := range ns {
		w := 1.0
		switch {
		case exact && nb.Dist != 0:
			continue
		case distance && !exact:
			w = 1 / math.Sqrt(nb.Dist)
		}
		dst[int(m.Y[nb.Row])] += w
	}
	var s float64
	for _, v := range dst {
		s += v
	}
	for i := range dst {
		dst[i] /= s
	}
}

// PredictProba writes the class probabilities of one dim-wide row into
// dst, which holds Classes elements. It allocates nothing.
func (c *Classifier) PredictProba(x, dst []float64) {
	var buf [MaxK]Neighbor
	m := c.model()
	n := m.Nearest(x, buf[:c.K])
	m.Proba(buf[:n], c.Distance, dst[:c.Classes])
}
