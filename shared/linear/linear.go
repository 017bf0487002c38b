package linear

import (
	"errors"
	"fmt"
	"math"
)

// Linear is a fitted linear model: y = Intercept + Σ Coef[j]·x[j].
type Linear struct {
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
}

// Predict returns the prediction for one transformed row. x must have
// len(Coef) elements.
func (m *Linear) Predict(x []float64) float64 {
	y := m.Intercept
	for j, w := range m.Coef {
		y += w * x[j]
	}
	return y
}

// Validate reports a model that cannot predict width-wide rows.
func (m *Linear) Validate(width int) error {
	if len(m.Coef) != width {
		return fmt.Errorf("linear model has %d coefficients for %d features", len(m.Coef), width)
	}
	if math.IsNaN(m.Intercept) || math.IsInf(m.Intercept, 0) {
		return errors.New("linear model intercept is not finite")
	}
	for j, w := range m.Coef {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("linear model coefficient %d is not finite", j)
		}
	}
	return nil
}
