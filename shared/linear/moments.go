package linear

import (
	"errors"
	"fmt"
	"math"

	"github.com/studentperf/studentperf/shared/metrics"
	"gonum.org/v1/gonum/mat"
)

// moments are the sufficient statistics of a set of rows for every linear
// model: with x̃ = x − shiftX and ỹ = y − shiftY, the count, Σx̃, Σỹ, Σx̃x̃ᵀ,
// Σx̃ỹ and Σỹ². Shifting by the overall means keeps the sums small, so the
// centring below loses little to cancellation.
type moments struct {
	n   float64
	sx  []float64
	sy  float64
	sxx []float64 // p×p, row-major, symmetric
	sxy []float64
	syy float64
}

func newMoments(p int) *moments {
	return &moments{sx: make([]float64, p), sxx: make([]float64, p*p), sxy: make([]float64, p)}
}

// accumulate adds rows [lo, hi) of the design (row(i) is row i, every
// column) and y, shifted.
func (m *moments) accumulate(row func(i int) []float64, y []float64, lo, hi int, shiftX []float64, shiftY float64) {
	p := len(m.sx)
	xt := make([]float64, p)
	for i := lo; i < hi; i++ {
		row := row(i)
		for j := range p {
			xt[j] = row[j] - shiftX[j]
		}
		yt := y[i] - shiftY
		m.n++
		m.sy += yt
		m.syy += yt * yt
		for j, a := range xt {
			if a == 0 {
				continue // one-hot columns are mostly zero
			}
			m.sx[j] += a
			m.sxy[j] += a * yt
			r := m.sxx[j*p : (j+1)*p]
			for k := j; k < p; k++ {
				r[k] += a * xt[k]
			}
		}
	}
}

// mirror copies the accumulated upper triangle into the lower one.
func (m *moments) mirror() {
	p := len(m.sx)
	for j := range p {
		for k := j + 1; k < p; k++ {
			m.sxx[k*p+j] = m.sxx[j*p+k]
		}
	}
}

// plus returns m + o.
func (m *moments) plus(o *moments) *moments {
	r := newMoments(len(m.sx))
	r.n, r.sy, r.syy = m.n+o.n, m.sy+o.sy, m.syy+o.syy
	for j := range m.sx {
		r.sx[j] = m.sx[j] + o.sx[j]
		r.sxy[j] = m.sxy[j] + o.sxy[j]
	}
	for j := range m.sxx {
		r.sxx[j] = m.sxx[j] + o.sxx[j]
	}
	return r
}

// system is a centred least-squares problem: G = X꜀ᵀX꜀, c = X꜀ᵀy꜀ with
// the columns and target centred on their own means mx, my (in shifted
// coordinates).
type system struct {
	n      float64
	g      *mat.SymDense
	c      []float64
	mx     []float64
	my     float64
	shiftX []float64
	shiftY float64
}

func (m *moments) system(shiftX []float64, shiftY float64) (*system, error) {
	if m.n < 2 {
		return nil, errors.New("need at least 2 rows to fit")
	}
	p := len(m.sx)
	s := &system{n: m.n, g: mat.NewSymDense(p, nil), c: make([]float64, p), mx: make([]float64, p), my: m.sy / m.n, shiftX: shiftX, shiftY: shiftY}
	for j := range p {
		s.mx[j] = m.sx[j] / m.n
		s.c[j] = m.sxy[j] - m.sx[j]*s.my
	}
	for j := range p {
		for k := j; k < p; k++ {
			s.g.SetSym(j, k, m.sxx[j*p+k]-m.sx[j]*s.mx[k])
		}
	}
	return s, nil
}

// linear turns centred coefficients into a model in original coordinates.
func (s *system) linear(w []float64) *Linear {
	b := s.shiftY + s.my
	for j, wj := range w {
		b -= (s.shiftX[j] + s.mx[j]) * wj
	}
	return &Linear{Intercept: b, Coef: w}
}

// r2 scores model on the rows behind m (shifted by shiftX, shiftY) without
// visiting them: SSE and SST follow from the moments.
func (m *moments) r2(model *Linear, shiftX []float64, shiftY float64) (float64, error) {
	if m.n == 0 {
		return 0, errors.New("empty validation fold")
	}
	p := len(m.sx)
	w := model.Coef
	// Residual r = ỹ − x̃·w − d with d = b − shiftY + shiftX·w.
	d := model.Intercept - shiftY
	var wsxy, wsx, wgw float64
	for j := range p {
		d += shiftX[j] * w[j]
		wsxy += w[j] * m.sxy[j]
		wsx += w[j] * m.sx[j]
		var gw float64
		for k := range p {
			gw += m.sxx[j*p+k] * w[k]
		}
		wgw += w[j] * gw
	}
	sse := m.syy - 2*wsxy + wgw - 2*d*(m.sy-wsx) + m.n*d*d
	sst := m.syy - m.sy*m.sy/m.n
	// Both come from differences of sums, so each carries rounding of the
	// order of eps·Σỹ². Below that they are 0: a constant validation fold
	// (SST exactly 0 on the rows) must score 0, not ±1e16, and a perfect
	// fit 1.
	noise := 1e-10 * math.Max(m.syy, math.SmallestNonzeroFloat64)
	if sst <= noise {
		sst = 0
	}
	if sse <= noise {
		sse = 0
	}
	v := metrics.R2(sse, sst)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("validation R² is not finite (SSE %g, SST %g)", sse, sst)
	}
	return v, nil
}
