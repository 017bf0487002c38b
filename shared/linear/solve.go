package linear

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// pinvTolerance is the relative eigenvalue below which a direction of the
// Gram matrix counts as null in the minimum-norm OLS solution.
const pinvTolerance = 1e-10

// ols returns the minimum-norm least-squares coefficients of s.
func ols(s *system) ([]float64, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s.g, true) {
		return nil, errors.New("ols: eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	p := len(s.c)
	maxVal := 0.0
	for _, v := range vals {
		maxVal = math.Max(maxVal, v)
	}
	w := make([]float64, p)
	if maxVal == 0 {
		return w, nil // no variation at all: the intercept alone
	}
	for i, v := range vals {
		if v <= pinvTolerance*maxVal {
			continue
		}
		var qc float64
		for j := range p {
			qc += vecs.At(j, i) * s.c[j]
		}
		f := qc / v
		for j := range p {
			w[j] += f * vecs.At(j, i)
		}
	}
	return w, nil
}

// ridge returns the coefficients minimising ‖y꜀ − X꜀w‖² + α‖w‖².
func ridge(s *system, alpha float64) ([]float64, error) {
	p := len(s.c)
	a := mat.NewSymDense(p, nil)
	a.CopySym(s.g)
	for j := range p {
		a.SetSym(j, j, a.At(j, j)+alpha)
	}
	var ch mat.Cholesky
	if !ch.Factorize(a) {
		return nil, fmt.Errorf("ridge: matrix not positive definite (alpha %g)", alpha)
	}
	var w mat.VecDense
	if err := ch.SolveVecTo(&w, mat.NewVecDense(p, append([]float64(nil), s.c...))); err != nil {
		return nil, fmt.Errorf("ridge: %w", err)
	}
	return w.RawVector().Data, nil
}

// Coordinate descent limits: sweeps stop once no coefficient moves by more
// than cdTolerance times the largest coefficient.
const (
	cdTolerance = 1e-8
	cdMaxSweeps = 100000
)

// elasticNet minimises ‖y꜀ − X꜀w‖²/(2n) + αρ‖w‖₁ + α(1−ρ)‖w‖²/2 by cyclic
// coordinate descent on the Gram matrix.
func elasticNet(s *system, alpha, l1Ratio float64) ([]float64, error) {
	p := len(s.c)
	n := s.n
	l1, l2 := alpha*l1Ratio, alpha*(1-l1Ratio)
	// G/n as a plain row-major slice: the inner loop is the hot path.
	g := make([]float64, p*p)
	for j := range p {
		for k := range p {
			g[j*p+k] = s.g.At(j, k) / n
		}
	}
	w := make([]float64, p)
	gw := make([]float64, p) // (G/n)·w, kept up to date
	for sweep := 0; sweep < cdMaxSweeps; sweep++ {
		var maxDelta, maxW float64
		for j := range p {
			gj := g[j*p : (j+1)*p]
			gjj := gj[j]
			if gjj == 0 {
				continue // constant column: its coefficient stays 0
			}
			rho := s.c[j]/n - (gw[j] - gjj*w[j])
			next := softThreshold(rho, l1) / (gjj + l2)
			if delta := next - w[j]; delta != 0 {
				for k, v := range gj { // G is symmetric: column j is row j
					gw[k] += delta * v
				}
				w[j] = next
				maxDelta = math.Max(maxDelta, math.Abs(delta))
			}
			maxW = math.Max(maxW, math.Abs(w[j]))
		}
		if maxDelta <= cdTolerance*math.Max(maxW, 1e-300) || maxW == 0 {
			return w, nil
		}
	}
	return nil, fmt.Errorf("elastic net: no convergence in %d sweeps (alpha %g, l1_ratio %g)", cdMaxSweeps, alpha, l1Ratio)
}

func softThreshold(x, t float64) float64 {
	switch {
	case x > t:
		return x - t
	case x < -t:
		return x + t
	}
	return 0
}
