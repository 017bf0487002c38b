package linear

import (
	"errors"
	"fmt"
	"math"
)

// Logistic is a fitted logistic regression classifier over Classes
// classes, numbered 0..Classes-1 in the caller's order.
//
// Two classes are one logit, as scikit-learn stores them: Coef and
// Intercept have one row, whose margin z is the log-odds of class 1, and
// P(class 1) = 1/(1+e^−z). More classes are a multinomial (softmax) model
// with one row per class: P(class r) = e^{z_r} / Σ_s e^{z_s}. Each margin is
// linear, z_r = Intercept[r] + Σ_j Coef[r][j]·x[j], so the contributions
// Coef[r][j]·x[j] of the features add up to it with the intercept as the
// baseline.
type Logistic struct {
	Classes   int         `json:"classes"`
	Intercept []float64   `json:"intercept"`
	Coef      [][]float64 `json:"coef"`
}

// margins is the number of margin rows of a k-class model: 1 for two
// classes, k for more.
func margins(k int) int {
	if k == 2 {
		return 1
	}
	return k
}

// Validate reports a model that cannot classify width-wide rows: a class
// count below 2, rows of the wrong number or length, a value that is not
// finite. It is meant for models read from untrusted JSON.
func (m *Logistic) Validate(width int) error {
	if m.Classes < 2 {
		return fmt.Errorf("logistic model has %d classes; it needs at least 2", m.Classes)
	}
	r := margins(m.Classes)
	if len(m.Coef) != r || len(m.Intercept) != r {
		return fmt.Errorf("logistic model of %d classes has %d coefficient rows and %d intercepts; want %d of each",
			m.Classes, len(m.Coef), len(m.Intercept), r)
	}
	for c, row := range m.Coef {
		if len(row) != width {
			return fmt.Errorf("logistic model row %d has %d coefficients for %d features", c, len(row), width)
		}
		if !finite(m.Intercept[c]) {
			return fmt.Errorf("logistic model intercept %d is not finite", c)
		}
		for j, w := range row {
			if !finite(w) {
				return fmt.Errorf("logistic model coefficient %d of row %d is not finite", j, c)
			}
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// errWidth is returned when a row does not have the model's width.
var errWidth = errors.New("logistic: row width does not match the model")

// Margins writes the raw margins of row x into dst (reallocated when too
// short) and returns it: one log-odds for two classes, one score per class
// for more. They are what explanations split into per-feature
// contributions.
func (m *Logistic) Margins(x, dst []float64) ([]float64, error) {
	r := len(m.Coef)
	if r == 0 || len(x) != len(m.Coef[0]) {
		return nil, fmt.Errorf("%w: %d values for %d features", errWidth, len(x), m.width())
	}
	if cap(dst) < r {
		dst = make([]float64, r)
	}
	dst = dst[:r]
	for c, row := range m.Coef {
		z := m.Intercept[c]
		for j, w := range row {
			z += w * x[j]
		}
		dst[c] = z
	}
	return dst, nil
}

func (m *Logistic) width() int {
	if len(m.Coef) == 0 {
		return 0
	}
	return len(m.Coef[0])
}

// PredictProba writes the probability of each class for row x into dst
// (reallocated when too short) and returns it. The probabilities are
// computed stably (no overflow for any finite margin) and sum to 1 within
// a few units in the last place.
func (m *Logistic) PredictProba(x, dst []float64) ([]float64, error) {
	z, err := m.Margins(x, nil)
	if err != nil {
		return nil, err
	}
	if cap(dst) < m.Classes {
		dst = make([]float64, m.Classes)
	}
	dst = dst[:m.Classes]
	probabilities(z, dst)
	return dst, nil
}

// probabilities turns margins into class probabilities: the sigmoid of one
// margin for two classes, the softmax of k margins for more.
func probabilities(z, dst []float64) {
	if len(z) == 1 {
		dst[0], dst[1] = sigmoid(-z[0]), sigmoid(z[0])
		return
	}
	hi := math.Inf(-1)
	for _, v := range z {
		hi = math.Max(hi, v)
	}
	var sum float64
	for c, v := range z {
		dst[c] = math.Exp(v - hi)
		sum += dst[c]
	}
	for c := range dst {
		dst[c] /= sum
	}
}

// sigmoid is 1/(1+e^−z) without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
