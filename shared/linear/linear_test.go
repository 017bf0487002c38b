package linear_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/studentperf/studentperf/shared/linear"
)

func TestLinearPredict(t *testing.T) {
	m := &linear.Linear{Intercept: 1, Coef: []float64{2, -3}}
	assert.Equal(t, -6.0, m.Predict([]float64{4, 5}), "Predict")
	assert.Equal(t, 2.5, (&linear.Linear{Intercept: 2.5}).Predict(nil), "Predict without features")
}

func TestLinearValidate(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, tt := range []struct {
		name    string
		m       linear.Linear
		width   int
		wantErr bool
	}{
		{"valid", linear.Linear{Intercept: 1, Coef: []float64{2, 3}}, 2, false},
		{"no features", linear.Linear{Intercept: 1}, 0, false},
		{"too few coefficients", linear.Linear{Intercept: 1, Coef: []float64{2}}, 2, true},
		{"too many coefficients", linear.Linear{Intercept: 1, Coef: []float64{2, 3, 4}}, 2, true},
		{"NaN intercept", linear.Linear{Intercept: nan, Coef: []float64{2}}, 1, true},
		{"infinite intercept", linear.Linear{Intercept: -inf, Coef: []float64{2}}, 1, true},
		{"NaN coefficient", linear.Linear{Intercept: 1, Coef: []float64{2, nan}}, 2, true},
		{"infinite coefficient", linear.Linear{Intercept: 1, Coef: []float64{inf, 2}}, 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate(tt.width)
			if tt.wantErr {
				assert.Error(t, err, "Validate(%d)", tt.width)
			} else {
				assert.NoError(t, err, "Validate(%d)", tt.width)
			}
		})
	}
}
