package metrics

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Metric names a classification metric that picks and gates models, as the
// contract's METRIC (-metric) spells it.
type Metric string

// The metrics a classifier can be picked and gated by.
const (
	MetricLogLoss          Metric = "log_loss"
	MetricAccuracy         Metric = "accuracy"
	MetricBalancedAccuracy Metric = "balanced_accuracy"
	MetricROCAUC           Metric = "roc_auc" // binary only
	MetricF1               Metric = "f1"      // binary only: the positive class's F1
	MetricMacroF1          Metric = "macro_f1"
)

// Metrics lists every Metric, the default (log loss) first.
var Metrics = []Metric{MetricLogLoss, MetricAccuracy, MetricBalancedAccuracy, MetricROCAUC, MetricF1, MetricMacroF1}

// ParseMetric reads a metric's name; an unknown name is an error listing
// the known ones.
func ParseMetric(s string) (Metric, error) {
	for _, m := range Metrics {
		if string(m) == s {
			return m, nil
		}
	}
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = string(m)
	}
	return "", fmt.Errorf("metric %q is not one of %s", s, strings.Join(names, ", "))
}

// GreaterIsBetter is false for log loss, a loss, and true for the others.
func (m Metric) GreaterIsBetter() bool { return m != MetricLogLoss }

// BinaryOnly reports a metric defined for two classes only (ROC AUC, F1).
func (m Metric) BinaryOnly() bool { return m == MetricROCAUC || m == MetricF1 }

// Check reports a metric that is unknown or cannot score k classes.
func (m Metric) Check(k int) error {
	if _, err := ParseMetric(string(m)); err != nil {
		return err
	}
	if m.BinaryOnly() && k != 2 {
		return fmt.Errorf("metric %s needs two classes; the target has %d", m, k)
	}
	return nil
}

// Better reports a strictly better than b by the metric.
func (m Metric) Better(a, b float64) bool {
	if m.GreaterIsBetter() {
		return a > b
	}
	return a < b
}

// Meets reports value reaching an absolute bar (the contract's MIN_SCORE):
// at least bar, or at most bar for log loss.
func (m Metric) Meets(value, bar float64) bool {
	if m.GreaterIsBetter() {
		return value >= bar
	}
	return value <= bar
}

// Value is the metric's score in c; a binary metric of more than two
// classes is an error.
func (c Classification) Value(m Metric) (float64, error) {
	if err := m.Check(c.Classes); err != nil {
		return 0, err
	}
	switch m {
	case MetricLogLoss:
		return c.LogLoss, nil
	case MetricAccuracy:
		return c.Accuracy, nil
	case MetricBalancedAccuracy:
		return c.BalancedAccuracy, nil
	case MetricROCAUC:
		return c.ROCAUC, nil
	case MetricF1:
		return c.F1, nil
	default:
		return c.MacroF1, nil
	}
}

// Prior is the class frequencies of the rows y among k classes: the
// class-prior baseline's probabilities, to be taken from the training rows.
func Prior(y []int, k int) ([]float64, error) {
	if len(y) == 0 {
		return nil, errors.New("metrics: no rows for the class prior")
	}
	if k < 2 {
		return nil, fmt.Errorf("metrics: %d classes; want at least 2", k)
	}
	p := make([]float64, k)
	for i, c := range y {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("metrics: class %d of row %d is not in 0..%d", c, i, k-1)
		}
		p[c]++
	}
	for c := range p {
		p[c] /= float64(len(y))
	}
	return p, nil
}

// Baseline scores the class-prior baseline on rows y: every row given the
// probabilities prior (Prior of the training rows), so it predicts the most
// frequent class (the lower on ties), its ROC AUC is 0.5 and its PR AUC the
// positive rate of y. pos is as for EvaluateClassification.
func Baseline(y []int, prior []float64, pos int) (Classification, error) {
	p := make([][]float64, len(y))
	for i := range p {
		p[i] = prior
	}
	c, err := EvaluateClassification(y, p, pos)
	if err != nil {
		return Classification{}, fmt.Errorf("class-prior baseline: %w", err)
	}
	return c, nil
}

// BeatsBaseline is the default quality gate: the model's score by m on the
// held-out rows strictly better than the class-prior baseline's on the same
// rows.
func BeatsBaseline(m Metric, model, baseline Classification) (bool, error) {
	a, err := model.Value(m)
	if err != nil {
		return false, err
	}
	b, err := baseline.Value(m)
	if err != nil {
		return false, err
	}
	return m.Better(a, b), nil
}

// Threshold is a binary decision threshold: predict the positive class when
// its probability is at least Threshold. Value is the metric's score there
// on the rows it was chosen on.
type Threshold struct {
	Metric    Metric  `json:"metric"`
	Threshold float64 `json:"threshold"`
	Value     float64 `json:"value"`
}

// ChooseThreshold picks the decision threshold that maximises m (f1, the
// positive class's; balanced_accuracy; or accuracy) on binary probability
// rows p (out-of-fold, say) against their classes y, positive class pos.
// The candidates are every distinct decision the scores allow: the lowest
// score (all positive), the midpoint between each two successive distinct
// scores, and just above the highest (none positive). Ties in the metric go
// to the threshold nearest 0.5, then to the lower, so the choice is
// deterministic. Both classes must be among y, else an error wrapping
// ErrUndefined.
func ChooseThreshold(y []int, p [][]float64, pos int, m Metric) (Threshold, error) {
	if m != MetricF1 && m != MetricBalancedAccuracy && m != MetricAccuracy {
		return Threshold{}, fmt.Errorf("metrics: a threshold is chosen by f1, balanced_accuracy or accuracy, not %q", m)
	}
	if len(p) > 0 && len(p[0]) != 2 {
		return Threshold{}, fmt.Errorf("metrics: a decision threshold needs two classes, not %d", len(p[0]))
	}
	if pos != 0 && pos != 1 {
		return Threshold{}, fmt.Errorf("metrics: positive class %d is not 0 or 1", pos)
	}
	s, err := sweepOf("a decision threshold", y, p, pos)
	if err != nil {
		return Threshold{}, err
	}
	last := len(s.thr) - 1
	P, N := s.tps[last], s.fps[last]
	best := Threshold{Metric: m, Threshold: math.Nextafter(s.thr[0], math.Inf(1)), Value: decisionScore(m, 0, 0, P, N)}
	for i, hi := range s.thr {
		t := hi
		if i < last {
			if mid := (hi + s.thr[i+1]) / 2; mid > s.thr[i+1] {
				t = mid
			}
		}
		v := decisionScore(m, s.tps[i], s.fps[i], P, N)
		if v > best.Value || v == best.Value && closer(t, best.Threshold) {
			best.Threshold, best.Value = t, v
		}
	}
	return best, nil
}

// closer reports t nearer 0.5 than u, or as near and lower.
func closer(t, u float64) bool {
	dt, du := math.Abs(t-0.5), math.Abs(u-0.5)
	return dt < du || dt == du && t < u
}

// decisionScore is metric m of tp true and fp false positives among P
// positive and N negative rows, each a single division of whole numbers so
// that equal ratios give equal values and ties are exact.
func decisionScore(m Metric, tp, fp, P, N float64) float64 {
	fn, tn := P-tp, N-fp
	switch m {
	case MetricF1:
		if tp == 0 {
			return 0
		}
		return 2 * tp / (2*tp + fp + fn)
	case MetricBalancedAccuracy:
		return (tp*N + tn*P) / (2 * P * N)
	default:
		return (tp + tn) / (P + N)
	}
}
