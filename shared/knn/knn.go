// Package knn is k-nearest-neighbours regression by brute force in
// Euclidean distance: the prediction is the mean of the k nearest training
// targets, or their mean weighted by inverse distance. Ties in distance go
// to the earlier training row, so predictions are deterministic. The
// Classifier gives class probabilities from the same neighbours' votes.
package knn

import (
	"errors"
	"fmt"
	"math"
)

// MaxK is the largest k: neighbours are kept in a fixed array so that a
// prediction allocates nothing.
const MaxK = 256

// Model is a fitted k-nearest-neighbours regressor: its training rows.
type Model struct {
	K        int       `json:"k"`
	Distance bool      `json:"distance"` // weights 1/distance; else uniform
	Dim      int       `json:"dim"`
	X        []float64 `json:"x"` // row-major training rows
	Y        []float64 `json:"y"`
}

// Fit checks and keeps the training rows (row-major, dim columns).
func Fit(X []float64, dim int, y []float64, k int, distance bool) (*Model, error) {
	m := &Model{K: k, Distance: distance, Dim: dim, X: X, Y: y}
	if err := m.Check(dim); err != nil {
		return nil, fmt.Errorf("knn: %w", err)
	}
	return m, nil
}

// Check reports a model that cannot predict dim-wide rows.
func (m *Model) Check(dim int) error {
	switch {
	case m.Dim != dim || dim <= 0:
		return fmt.Errorf("model has %d columns; want %d", m.Dim, dim)
	case m.K <= 0 || m.K > MaxK:
		return fmt.Errorf("k %d must be in [1, %d]", m.K, MaxK)
	case len(m.Y) == 0:
		return errors.New("model has no training rows")
	case len(m.X) != len(m.Y)*dim:
		return fmt.Errorf("%d values for %d rows of %d columns", len(m.X), len(m.Y), dim)
	case m.K > len(m.Y):
		return fmt.Errorf("k %d is more than the %d training rows", m.K, len(m.Y))
	}
	for i, v := range m.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("training value %d is not finite", i)
		}
	}
	for i, v := range m.Y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("training target %d is not finite", i)
		}
	}
	return nil
}

// Neighbor is one training row and its squared distance.
type Neighbor struct {
	Row  int
	Dist float64 // squared Euclidean distance
}

// Nearest writes the len(dst) nearest training rows to x into dst, nearest
// first, ties to the earlier row, and returns how many it wrote.
func (m *Model) Nearest(x []float64, dst []Neighbor) int {
	k := min(len(dst), len(m.Y))
	n := 0
	for r := range m.Y {
		row := m.X[r*m.Dim : (r+1)*m.Dim]
		var d float64
		for j, v := range row {
			e := v - x[j]
			d += e * e
		}
		if n == k && d >= dst[n-1].Dist {
			continue
		}
		i := n
		if n < k {
			n++
		} else {
			i = k - 1
		}
		for i > 0 && dst[i-1].Dist > d {
			dst[i] = dst[i-1]
			i--
		}
		dst[i] = Neighbor{Row: r, Dist: d}
	}
	return n
}

// Combine predicts from the nearest neighbours ns. With distance weights a
// neighbour at distance 0 takes all the weight (shared with any others at
// 0), as scikit-learn does.
func (m *Model) Combine(ns []Neighbor, distance bool) float64 {
	if !distance {
		var s float64
		for _, nb := range ns {
			s += m.Y[nb.Row]
		}
		return s / float64(len(ns))
	}
	if ns[0].Dist == 0 {
		var s float64
		var c int
		for _, nb := range ns {
			if nb.Dist == 0 {
				s += m.Y[nb.Row]
				c++
			}
		}
		return s / float64(c)
	}
	var s, ws float64
	for _, nb := range ns {
		w := 1 / math.Sqrt(nb.Dist)
		s += w * m.Y[nb.Row]
		ws += w
	}
	return s / ws
}

// Predict returns the prediction for one dim-wide row. It allocates
// nothing.
func (m *Model) Predict(x []float64) float64 {
	var buf [MaxK]Neighbor
	n := m.Nearest(x, buf[:m.K])
	return m.Combine(buf[:n], m.Distance)
}
