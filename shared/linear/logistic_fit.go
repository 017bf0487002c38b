package linear

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Solver limits of the logistic fits. A fit stops when the largest
// violation of the optimality conditions of the mean-scaled objective
// (the gradient, or for an L1-penalised weight its minimum-norm
// subgradient) is at most logitTolerance; it fails with ErrNotConverged
// after logitMaxNewton Newton steps. Each step's L1 subproblem is solved by
// at most logitMaxSweeps coordinate descent sweeps (an inexact step still
// descends).
const (
	logitTolerance = 1e-9
	logitMaxSweeps = 1000
	logitArmijo    = 1e-4
	logitMaxHalve  = 50
)

// logitMaxParams bounds the parameters r·(p+1) of a fit: its Hessian
// holds their square (32 MB at the bound) and each Newton step solves it in
// their cube.
const logitMaxParams = 2048

// logitMaxNewton caps the Newton steps of a fit; a variable only so that
// tests can provoke a fit that does not converge.
var logitMaxNewton = 200

// ErrNotConverged is wrapped by a logistic fit that reached its iteration
// cap or whose line search found no decrease short of the tolerance: the
// search skips such a candidate and names it.
var ErrNotConverged = errors.New("did not converge")

// logitProblem is one fit: rows, classes and the penalties of the
// objective scaled by 1/n, whose minimiser is scikit-learn's:
//
//	(1/n)·Σ_i loss_i + l1·‖W‖₁ + l2/2·‖W‖²,  l1 = ρ/(nC), l2 = (1−ρ)/(nC)
//
// The parameters θ hold, per margin row c, p weights then the intercept,
// at c·(p+1)+j. A multinomial model adds ½(Σ_c b_c)² to the smooth part:
// the softmax does not change when every intercept shifts by the same
// amount, so the term picks the minimiser whose intercepts sum to 0 (the
// one scikit-learn's solvers reach from zero) and makes the Hessian
// positive definite along that direction.
type logitProblem struct {
	xt      blas64.General // n×(p+1): the rows with a trailing 1
	y       []int
	k, r    int // classes and margin rows
	n, p, d int // rows, features and parameters r·(p+1)
	l1, l2  float64

	// scratch of smooth
	z, res blas64.General // n×r margins and ∂loss/∂z
	a      []float64      // n×r×r: ∂²loss/∂z∂z, per row
	s      blas64.General // n×(p+1): rows weighted for a Hessian block
	blk    blas64.General // (p+1)×(p+1): one Hessian block
}

func newLogitProblem(X *mat.Dense, y []int, k int, c, l1Ratio float64) *logitProblem {
	return newLogitRows(X, y, k, margins(k), c, l1Ratio)
}

// newLogitRows is newLogitProblem with r margin rows: r = k = 2 is the
// softmax form of two classes, which fits never use (tests compare it with
// the logit).
func newLogitRows(X *mat.Dense, y []int, k, r int, c, l1Ratio float64) *logitProblem {
	n, p := X.Dims()
	P := p + 1
	nc := float64(n) * c
	pr := &logitProblem{y: y, k: k, r: r, n: n, p: p, d: r * P, l1: l1Ratio / nc, l2: (1 - l1Ratio) / nc,
		xt: general(n, P), z: general(n, r), res: general(n, r), a: make([]float64, n*r*r)}
	for i := range n {
		row := pr.xt.Data[i*P : (i+1)*P]
		copy(row, X.RawRowView(i))
		row[p] = 1
	}
	return pr
}

func general(rows, cols int) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float64, rows*cols)}
}

func (pr *logitProblem) intercept(j int) bool { return j%(pr.p+1) == pr.p }

// smooth returns the smooth part of the objective at θ and, when g (length
// d) or h (d×d, row-major) is non-nil, fills in its gradient and Hessian.
// The sums over rows are matrix products (gonum's BLAS, whose blocks sum
// in a fixed order, so the bits do not depend on scheduling).
func (pr *logitProblem) smooth(theta, g, h []float64) float64 {
	P, r, rr := pr.p+1, pr.r, pr.r*pr.r
	th := blas64.General{Rows: r, Cols: P, Stride: P, Data: theta}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, pr.xt, th, 0, pr.z) // Z = X̃·Θᵀ
	var loss float64
	for i := range pr.n {
		loss += pr.rowLoss(pr.z.Data[i*r:(i+1)*r], pr.y[i], pr.res.Data[i*r:(i+1)*r], pr.a[i*rr:(i+1)*rr])
	}
	inv := 1 / float64(pr.n)
	if g != nil {
		gm := blas64.General{Rows: r, Cols: P, Stride: P, Data: g}
		blas64.Gemm(blas.Trans, blas.NoTrans, inv, pr.res, pr.xt, 0, gm) // G = Resᵀ·X̃/n
	}
	f := loss * inv
	var sumB float64
	for j, v := range theta {
		if pr.intercept(j) {
			sumB += v
			continue
		}
		f += pr.l2 / 2 * v * v
		if g != nil {
			g[j] += pr.l2 * v
		}
	}
	if r > 1 {
		f += sumB * sumB / 2
		for c := range g {
			if pr.intercept(c) {
				g[c] += sumB
			}
		}
	}
	if h != nil {
		pr.hessian(inv, h)
	}
	return f
}

// hessian fills the d×d Hessian h: per class pair c ≤ l the block
// X̃ᵀ·diag(a_cl)·X̃/n, plus the penalty's and the intercept-sum term's
// curvature.
func (pr *logitProblem) hessian(inv float64, h []float64) {
	P, r, d := pr.p+1, pr.r, pr.d
	if pr.s.Data == nil {
		pr.s, pr.blk = general(pr.n, P), general(P, P)
	}
	for c := range r {
		for l := c; l < r; l++ {
			for i := range pr.n {
				w := pr.a[i*r*r+c*r+l]
				row, out := pr.xt.Data[i*P:(i+1)*P], pr.s.Data[i*P:(i+1)*P]
				for j, v := range row {
					out[j] = w * v
				}
			}
			blas64.Gemm(blas.Trans, blas.NoTrans, inv, pr.xt, pr.s, 0, pr.blk)
			for j := range P {
				for m := range P {
					v := pr.blk.Data[j*P+m]
					h[(c*P+j)*d+l*P+m], h[(l*P+m)*d+c*P+j] = v, v
				}
			}
		}
	}
	for j := range d {
		if !pr.intercept(j) {
			h[j*d+j] += pr.l2
		} else if r > 1 {
			for m := range d {
				if pr.intercept(m) {
					h[j*d+m]++
				}
			}
		}
	}
}

// rowLoss returns one row's log loss from its margins z and true class y,
// and writes the loss's gradient (res) and Hessian (a, r×r, upper
// triangle) with respect to z.
func (pr *logitProblem) rowLoss(z []float64, y int, res, a []float64) float64 {
	if pr.r == 1 {
		s := sigmoid(z[0])
		yi := float64(y)
		res[0] = s - yi
		a[0] = s * (1 - s)
		return softplus(z[0]) - yi*z[0]
	}
	lse := logSumExp(z)
	for c, v := range z {
		res[c] = math.Exp(v - lse)
	}
	for c := range pr.r {
		for l := c; l < pr.r; l++ {
			v := -res[c] * res[l]
			if c == l {
				v += res[c]
			}
			a[c*pr.r+l] = v
		}
	}
	loss := lse - z[y]
	res[y]--
	return loss
}

// objective is the whole objective: the smooth part plus the L1 penalty.
func (pr *logitProblem) objective(theta []float64) float64 {
	return pr.smooth(theta, nil, nil) + pr.l1*pr.norm1(theta)
}

// norm1 is ‖W‖₁, the intercepts left out.
func (pr *logitProblem) norm1(theta []float64) float64 {
	var s float64
	for j, v := range theta {
		if !pr.intercept(j) {
			s += math.Abs(v)
		}
	}
	return s
}

// violation is the largest violation of the optimality conditions at θ
// given the smooth part's gradient g.
func (pr *logitProblem) violation(theta, g []float64) float64 {
	var worst float64
	for j, gj := range g {
		v := math.Abs(gj)
		if pr.l1 > 0 && !pr.intercept(j) {
			switch {
			case theta[j] > 0:
				v = math.Abs(gj + pr.l1)
			case theta[j] < 0:
				v = math.Abs(gj - pr.l1)
			default:
				v = math.Max(v-pr.l1, 0)
			}
		}
		worst = math.Max(worst, v)
	}
	return worst
}

// solve minimises the objective from θ = 0 by (proximal) Newton steps: the
// Newton step of a smooth objective (L2) solved by Cholesky, the L1
// subproblem by coordinate descent, each followed by a backtracking line
// search on the whole objective. Every operation runs in a fixed order, so
// the same problem gives the same bits.
func (pr *logitProblem) solve() ([]float64, error) {
	d := pr.d
	theta := make([]float64, d)
	g := make([]float64, d)
	h := make([]float64, d*d)
	next := make([]float64, d)
	viol := math.Inf(1)
	for range logitMaxNewton {
		f := pr.smooth(theta, g, h) + pr.l1*pr.norm1(theta)
		if viol = pr.violation(theta, g); viol <= logitTolerance {
			return theta, nil
		}
		delta := pr.direction(theta, g, h)
		// The predicted decrease of the quadratic model, L1 included.
		var pred float64
		for j := range d {
			pred += g[j] * delta[j]
			next[j] = theta[j] + delta[j]
		}
		pred += pr.l1 * (pr.norm1(next) - pr.norm1(theta))
		if pred >= 0 || -pred <= 1e-15*math.Max(1, math.Abs(f)) {
			// No decrease left at this precision: the full step is the
			// Newton step at the optimum, and the gradient decides.
			copy(theta, next)
			continue
		}
		t, ok := 1.0, false
		for range logitMaxHalve {
			for j := range d {
				next[j] = theta[j] + t*delta[j]
			}
			if pr.objective(next) <= f+logitArmijo*t*pred {
				ok = true
				break
			}
			t /= 2
		}
		if !ok {
			return nil, fmt.Errorf("%w: line search found no decrease (optimality %.3g)", ErrNotConverged, viol)
		}
		copy(theta, next)
	}
	return nil, fmt.Errorf("%w in %d Newton steps (optimality %.3g > %g)", ErrNotConverged, logitMaxNewton, viol, logitTolerance)
}

// direction returns the (proximal) Newton step at θ.
func (pr *logitProblem) direction(theta, g, h []float64) []float64 {
	d := pr.d
	if pr.l1 == 0 {
		var ch mat.Cholesky
		if ch.Factorize(mat.NewSymDense(d, append([]float64(nil), h...))) {
			neg := make([]float64, d)
			for j, v := range g {
				neg[j] = -v
			}
			var delta mat.VecDense
			if err := ch.SolveVecTo(&delta, mat.NewVecDense(d, neg)); err == nil {
				return delta.RawVector().Data
			}
		}
	}
	return pr.coordinateStep(theta, g, h)
}

// coordinateStep minimises the quadratic model gᵀδ + ½δᵀHδ plus
// l1·‖W + δ_W‖₁ over δ by cyclic coordinate descent from δ = 0.
func (pr *logitProblem) coordinateStep(theta, g, h []float64) []float64 {
	d := pr.d
	delta := make([]float64, d)
	hd := make([]float64, d) // H·δ, kept up to date
	for range logitMaxSweeps {
		var maxChange, maxAbs float64
		for j := range d {
			hj := h[j*d : (j+1)*d]
			if hj[j] <= 0 {
				continue // a column that is zero on every row
			}
			u0 := theta[j] + delta[j]
			grad := g[j] + hd[j]
			u := u0 - grad/hj[j]
			if !pr.intercept(j) {
				u = softThreshold(hj[j]*u0-grad, pr.l1) / hj[j]
			}
			if ch := u - u0; ch != 0 {
				delta[j] += ch
				axpy(ch, hj, hd)
				maxChange = math.Max(maxChange, math.Abs(ch))
			}
			maxAbs = math.Max(maxAbs, math.Abs(u))
		}
		if pr.r > 1 {
			maxChange = math.Max(maxChange, pr.shiftStep(theta, g, h, delta, hd))
		}
		if maxChange <= 1e-12*math.Max(maxAbs, 1) {
			break
		}
	}
	return delta
}

// shiftStep moves, for each feature j of a multinomial model, every
// class's weight by the same amount t, minimising the quadratic model
// plus the L1 penalty along that direction. The softmax ignores a shift
// common to every class, so along it only the penalty curves the model
// (l2 against the loss's curvature elsewhere): coordinate descent alone
// crawls along it, by a factor of about l2/curvature a sweep. It returns
// the largest shift.
func (pr *logitProblem) shiftStep(theta, g, h, delta, hd []float64) float64 {
	P, d, r := pr.p+1, pr.d, pr.r
	u := make([]float64, r)
	var largest float64
	for j := range pr.p {
		var alpha, beta float64 // the model's slope and curvature along the shift
		for c := range r {
			i := c*P + j
			alpha += g[i] + hd[i]
			u[c] = theta[i] + delta[i]
			for l := range r {
				beta += h[i*d+l*P+j]
			}
		}
		t := minShift(alpha, beta, pr.l1, u)
		if t == 0 {
			continue
		}
		for c := range r {
			i := c*P + j
			delta[i] += t
			axpy(t, h[i*d:(i+1)*d], hd)
		}
		largest = math.Max(largest, math.Abs(t))
	}
	return largest
}

// minShift returns the t minimising φ(t) = α·t + β·t²/2 + l1·Σ_c |u_c + t|
// (0 when nothing does better than staying): φ is convex and piecewise
// quadratic, so its minimum is at a kink −u_c or at the stationary point of
// one piece, whose slope counts s = Σ sign(u_c + t) in −r..r.
func minShift(alpha, beta, l1 float64, u []float64) float64 {
	phi := func(t float64) float64 {
		v := alpha*t + beta*t*t/2
		for _, uc := range u {
			v += l1 * math.Abs(uc+t)
		}
		return v
	}
	best, bestPhi := 0.0, phi(0)
	try := func(t float64) {
		if v := phi(t); v < bestPhi {
			best, bestPhi = t, v
		}
	}
	for _, uc := range u {
		try(-uc)
	}
	if beta > 0 {
		for s := -len(u); s <= len(u); s++ {
			try(-(alpha + l1*float64(s)) / beta)
		}
	}
	return best
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy adds alpha·x to y.
func axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// softplus is log(1+e^z) without overflow.
func softplus(z float64) float64 {
	return math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z)))
}

// logSumExp is log Σ e^{z_c} without overflow.
func logSumExp(z []float64) float64 {
	hi := math.Inf(-1)
	for _, v := range z {
		hi = math.Max(hi, v)
	}
	var s float64
	for _, v := range z {
		s += math.Exp(v - hi)
	}
	return hi + math.Log(s)
}
