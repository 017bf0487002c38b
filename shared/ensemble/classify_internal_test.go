package ensemble

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLogLossGradients checks the baseline, gradients and hessians
// against values worked out by hand.
func TestLogLossGradients(t *testing.T) {
	// Binary: one row of class 1 in four; margins 0 and ln 3 give
	// p = 1/2 and 3/4.
	bin := &logLoss{classes: 2, margins: 1, y: []float64{0, 1, 0, 0}}
	assert.InDelta(t, -math.Log(3), bin.baseline()[0], 1e-15)
	raw := [][]float64{{0, 0, math.Log(3), math.Log(3)}}
	grad, hess := [][]float64{make([]float64, 4)}, [][]float64{make([]float64, 4)}
	bin.gradients(raw, grad, hess, 0, 4)
	assert.InDeltaSlice(t, []float64{0.5, -0.5, 0.75, 0.75}, grad[0], 1e-15)
	assert.InDeltaSlice(t, []float64{0.25, 0.25, 0.1875, 0.1875}, hess[0], 1e-15)

	// Three classes: margins (0, ln 2, ln 5) give p = (1/8, 2/8, 5/8).
	multi := &logLoss{classes: 3, margins: 3, y: []float64{2, 0, 2, 2}}
	base := multi.baseline()
	assert.InDeltaSlice(t, []float64{math.Log(0.25), math.Log(priorEps), math.Log(0.75)}, base, 1e-15)
	raw = [][]float64{{0, 0}, {math.Log(2), math.Log(2)}, {math.Log(5), math.Log(5)}}
	grad = [][]float64{make([]float64, 2), make([]float64, 2), make([]float64, 2)}
	hess = [][]float64{make([]float64, 2), make([]float64, 2), make([]float64, 2)}
	multi.y = multi.y[:2]
	multi.gradients(raw, grad, hess, 0, 2)
	for k, want := range [][2]float64{{0.125, 0.125 - 1}, {0.25, 0.25}, {0.625 - 1, 0.625}} {
		assert.InDeltaSlice(t, want[:], grad[k], 1e-15, "class %d", k)
	}
	for k, p := range []float64{0.125, 0.25, 0.625} {
		assert.InDeltaSlice(t, []float64{p * (1 - p), p * (1 - p)}, hess[k], 1e-15, "class %d", k)
	}
}

// TestLinksAreStable: the sigmoid and softmax stay finite and exact at
// margins whose exponentials overflow.
func TestLinksAreStable(t *testing.T) {
	assert.Equal(t, 1.0, sigmoid(800))
	assert.Equal(t, 0.0, sigmoid(-800))
	assert.InDelta(t, math.Exp(-40), sigmoid(-40), 1e-30, "a small probability keeps its digits")
	m := []float64{1000, 0, -1000}
	softmax(m)
	assert.Equal(t, []float64{1, math.Exp(-1000), 0}, m)
	m = []float64{-1000, -1000 + math.Log(3)}
	softmax(m)
	assert.InDeltaSlice(t, []float64{0.25, 0.75}, m, 1e-13) // −1000 + ln 3 is rounded
}
