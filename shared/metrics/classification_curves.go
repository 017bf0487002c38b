package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// ROC is a receiver operating characteristic curve: at each threshold t
// (decreasing), the false and true positive rates of deciding "positive"
// when the score is at least t. The first point is (0, 0) at threshold
// +Inf; points on a straight horizontal or vertical run between two others
// are dropped, as scikit-learn's roc_curve(drop_intermediate=True) does.
type ROC struct {
	FPR        []float64 `json:"fpr"`
	TPR        []float64 `json:"tpr"`
	Thresholds []float64 `json:"thresholds"`
}

// PR is a precision-recall curve in scikit-learn's (1.2) precision_recall_curve
// order: Precision[i] and Recall[i] of deciding "positive" when the score
// is at least Thresholds[i], the distinct scores increasing (so recall
// falls), then a last point (precision 1, recall 0) with no threshold.
type PR struct {
	Precision  []float64 `json:"precision"`
	Recall     []float64 `json:"recall"`
	Thresholds []float64 `json:"thresholds"`
}

// sweep is the binary counts at each distinct score, from the highest
// down: deciding "positive" at score ≥ thr[i] gives tps[i] true and fps[i]
// false positives.
type sweep struct {
	thr      []float64
	tps, fps []float64
}

// sweepOf checks the rows and sweeps the scores of class pos against the
// rest (see newSweep).
func sweepOf(name string, y []int, p [][]float64, pos int) (sweep, error) {
	if err := checkProba(y, p); err != nil {
		return sweep{}, err
	}
	if pos < 0 || pos >= len(p[0]) {
		return sweep{}, fmt.Errorf("metrics: positive class %d is not in 0..%d", pos, len(p[0])-1)
	}
	return newSweep(name, y, p, pos)
}

// scored is one row's score and whether it is of the positive class.
type scored struct {
	score float64
	pos   bool
}

// newSweep sorts checked rows by the score of class pos, highest first,
// and counts at each distinct score (the order within tied scores does not
// change the counts, so any sort is deterministic here). It needs both
// outcomes among the rows, else an error wrapping ErrUndefined that names
// the figure wanted.
func newSweep(name string, y []int, p [][]float64, pos int) (sweep, error) {
	rows := make([]scored, len(y))
	for i, row := range p {
		rows[i] = scored{row[pos], y[i] == pos}
	}
	slices.SortFunc(rows, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	s := sweep{thr: make([]float64, 0, len(rows)), tps: make([]float64, 0, len(rows)), fps: make([]float64, 0, len(rows))}
	var tp, fp float64
	for n, r := range rows {
		if r.pos {
			tp++
		} else {
			fp++
		}
		if n+1 < len(rows) && rows[n+1].score == r.score {
			continue
		}
		s.thr = append(s.thr, r.score)
		s.tps = append(s.tps, tp)
		s.fps = append(s.fps, fp)
	}
	if tp == 0 || fp == 0 {
		return sweep{}, fmt.Errorf("metrics: %s of class %d needs rows of it and of another class; there are %v and %v: %w",
			name, pos, tp, fp, ErrUndefined)
	}
	return s, nil
}

// ROCCurve is the ROC curve of class pos's probability against the other
// classes. Both must be among y, else an error wrapping ErrUndefined.
func ROCCurve(y []int, p [][]float64, pos int) (ROC, error) {
	s, err := sweepOf("the ROC curve", y, p, pos)
	if err != nil {
		return ROC{}, err
	}
	return s.roc(), nil
}

func (s sweep) roc() ROC {
	r := ROC{FPR: []float64{0}, TPR: []float64{0}, Thresholds: []float64{math.Inf(1)}}
	last := len(s.thr) - 1
	for i := range s.thr {
		if i > 0 && i < last && collinear(s.fps, i) && collinear(s.tps, i) {
			continue
		}
		r.FPR = append(r.FPR, s.fps[i]/s.fps[last])
		r.TPR = append(r.TPR, s.tps[i]/s.tps[last])
		r.Thresholds = append(r.Thresholds, s.thr[i])
	}
	return r
}

// collinear reports v[i] as the middle of three equally spaced values (the
// second difference is zero).
func collinear(v []float64, i int) bool {
	return v[i+1]-2*v[i]+v[i-1] == 0
}

// ROCAUC is the area under the ROC curve of class pos: the trapezoid over
// the distinct thresholds, so tied scores count half (scikit-learn's
// roc_auc_score). Both outcomes must be among y, else an error wrapping
// ErrUndefined.
func ROCAUC(y []int, p [][]float64, pos int) (float64, error) {
	s, err := sweepOf("ROC AUC", y, p, pos)
	if err != nil {
		return 0, err
	}
	return s.rocAUC(), nil
}

func (s sweep) rocAUC() float64 {
	r := s.roc()
	var a float64
	for i := 1; i < len(r.FPR); i++ {
		a += (r.FPR[i] - r.FPR[i-1]) * (r.TPR[i] + r.TPR[i-1]) / 2
	}
	return a
}

// PRCurve is the precision-recall curve of class pos's probability against
// the other classes. Both must be among y, else an error wrapping
// ErrUndefined.
func PRCurve(y []int, p [][]float64, pos int) (PR, error) {
	s, err := sweepOf("the precision-recall curve", y, p, pos)
	if err != nil {
		return PR{}, err
	}
	return s.pr(), nil
}

func (s sweep) pr() PR {
	last := len(s.thr) - 1
	r := PR{
		Precision:  make([]float64, 0, last+2),
		Recall:     make([]float64, 0, last+2),
		Thresholds: make([]float64, 0, last+1),
	}
	for i := last; i >= 0; i-- {
		r.Precision = append(r.Precision, s.tps[i]/(s.tps[i]+s.fps[i]))
		r.Recall = append(r.Recall, s.tps[i]/s.tps[last])
		r.Thresholds = append(r.Thresholds, s.thr[i])
	}
	r.Precision = append(r.Precision, 1)
	r.Recall = append(r.Recall, 0)
	return r
}

// AveragePrecision is the PR AUC of class pos as scikit-learn's
// average_precision_score: Σ (R_i − R_{i−1}) P_i over the thresholds from
// the highest, a step sum rather than a trapezoid. Both outcomes must be
// among y, else an error wrapping ErrUndefined.
func AveragePrecision(y []int, p [][]float64, pos int) (float64, error) {
	s, err := sweepOf("average precision", y, p, pos)
	if err != nil {
		return 0, err
	}
	return s.averagePrecision(), nil
}

func (s sweep) averagePrecision() float64 {
	r := s.pr()
	var a float64
	for i := 0; i+1 < len(r.Recall); i++ {
		a += (r.Recall[i] - r.Recall[i+1]) * r.Precision[i]
	}
	return a
}

// ReliabilityBin is one bin of a reliability diagram: the rows whose
// probability of the class falls in (Lo, Hi] (the first bin also takes
// Lo), their mean probability and the share of them truly of the class.
type ReliabilityBin struct {
	Lo            float64 `json:"lo"`
	Hi            float64 `json:"hi"`
	MeanPredicted float64 `json:"mean_predicted"`
	Observed      float64 `json:"observed"`
	Count         int     `json:"count"`
}

// Reliability sorts the probabilities of class c into bins bins of equal
// width over [0, 1] and gives the non-empty ones in order, as scikit-learn's
// calibration_curve(strategy="uniform") does (a probability on an edge
// goes to the lower bin), with each bin's count.
func Reliability(y []int, p [][]float64, c, bins int) ([]ReliabilityBin, error) {
	if err := checkProba(y, p); err != nil {
		return nil, err
	}
	if c < 0 || c >= len(p[0]) {
		return nil, fmt.Errorf("metrics: class %d is not in 0..%d", c, len(p[0])-1)
	}
	if bins < 1 {
		return nil, fmt.Errorf("metrics: %d reliability bins; want at least 1", bins)
	}
	step := 1 / float64(bins)
	edge := func(j int) float64 { return float64(j) * step } // numpy's linspace
	sumP := make([]float64, bins)
	hits := make([]int, bins)
	counts := make([]int, bins)
	for i, row := range p {
		b := 0
		for b < bins-1 && edge(b+1) < row[c] {
			b++
		}
		sumP[b] += row[c]
		counts[b]++
		if y[i] == c {
			hits[b]++
		}
	}
	var out []ReliabilityBin
	for b, n := range counts {
		if n == 0 {
			continue
		}
		hi := edge(b + 1)
		if b == bins-1 {
			hi = 1
		}
		out = append(out, ReliabilityBin{Lo: edge(b), Hi: hi, MeanPredicted: sumP[b] / float64(n),
			Observed: float64(hits[b]) / float64(n), Count: n})
	}
	return out, nil
}
