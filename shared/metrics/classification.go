package metrics

import (
	"errors"
	"fmt"
	"math"
)

// ErrUndefined reports a metric that the rows cannot define, such as ROC
// AUC when only one class is among them.
var ErrUndefined = errors.New("metric undefined on these rows")

// LogLossEpsilon is where log loss clips probabilities, to [ε, 1 − ε]
// before renormalising each row: float64's machine epsilon, 2⁻⁵² ≈
// 2.22e-16, as scikit-learn's log_loss (eps="auto") does. A certain wrong
// answer therefore costs −ln ε ≈ 36.04, not infinity.
const LogLossEpsilon = 0x1p-52

// rowSumTolerance is how far from 1 a probability row may sum.
const rowSumTolerance = 1e-6

// Classification holds the scores of class probabilities against known
// classes. Named gives them under the contract's names, the form
// metrics.json carries (the struct has no JSON tags of its own).
type Classification struct {
	Rows    int
	Classes int
	// Positive is the class the binary metrics (ROCAUC, PRAUC, F1) are of;
	// -1 with more than two classes, where those are 0 and not defined.
	Positive int

	LogLoss          float64
	Accuracy         float64
	BalancedAccuracy float64
	Brier            float64
	MacroF1          float64
	ROCAUC           float64
	PRAUC            float64
	F1               float64

	PerClass []ClassScore
	// Confusion counts rows by true class (first index) and predicted class
	// (second index).
	Confusion [][]int
}

// ClassScore is one class's precision, recall and F1 (each 0 where its
// denominator is, as scikit-learn's zero_division=0) and its support, the
// rows truly of that class.
type ClassScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// EvaluateClassification scores probability rows p (n × k, k ≥ 2, each row
// summing to 1) against the true classes y (each in 0..k−1), predicting
// each row's class as its most probable one (ties to the lower class, as
// numpy's argmax). pos is the positive class of the binary metrics when
// k = 2 and is not used with more classes. See EvaluateLabels for the
// definitions.
func EvaluateClassification(y []int, p [][]float64, pos int) (Classification, error) {
	if err := checkProba(y, p); err != nil {
		return Classification{}, err
	}
	return evaluate(y, ArgmaxLabels(p), p, pos)
}

// EvaluateLabels scores probability rows p and predicted classes pred (a
// decision threshold's, say) against the true classes y:
//   - log loss: the mean of −ln p[i][y[i]] after clipping at
//     LogLossEpsilon and renormalising (scikit-learn's log_loss);
//   - accuracy: the share of rows with pred = y;
//   - balanced accuracy: the mean recall over the classes present in y
//     (balanced_accuracy_score, which drops absent classes);
//   - Brier score: for two classes the mean of (p_pos − [y = pos])², as
//     brier_score_loss; with more, the mean over rows of Σ_c (p_c − [y =
//     c])², which for two classes would be twice the binary one;
//   - macro F1: the mean F1 over the classes present in y or pred (the
//     classes f1_score(average="macro") sees), an F1 with a zero
//     denominator counting 0;
//   - for two classes, ROC AUC and PR AUC (average precision) of p_pos, and
//     the F1 of class pos. They need both classes among y, else an error
//     wrapping ErrUndefined.
func EvaluateLabels(y, pred []int, p [][]float64, pos int) (Classification, error) {
	if err := checkProba(y, p); err != nil {
		return Classification{}, err
	}
	k := len(p[0])
	if len(pred) != len(y) {
		return Classification{}, fmt.Errorf("metrics: %d predicted classes for %d rows", len(pred), len(y))
	}
	for i, c := range pred {
		if c < 0 || c >= k {
			return Classification{}, fmt.Errorf("metrics: predicted class %d of row %d is not in 0..%d", c, i, k-1)
		}
	}
	return evaluate(y, pred, p, pos)
}

// evaluate is EvaluateLabels on checked rows and predictions.
func evaluate(y, pred []int, p [][]float64, pos int) (Classification, error) {
	k := len(p[0])
	if k == 2 && pos != 0 && pos != 1 {
		return Classification{}, fmt.Errorf("metrics: positive class %d is not 0 or 1", pos)
	}
	c := Classification{Rows: len(y), Classes: k, Positive: -1, Confusion: Confusion(y, pred, k)}
	c.LogLoss = logLoss(y, p)
	c.Brier = brier(y, p, pos)
	c.PerClass = perClass(c.Confusion)
	c.Accuracy, c.BalancedAccuracy, c.MacroF1 = summarise(c.Confusion, c.PerClass)
	if k > 2 {
		return c, nil
	}
	s, err := newSweep("ROC AUC and average precision", y, p, pos)
	if err != nil {
		return Classification{}, err
	}
	c.Positive = pos
	c.ROCAUC, c.PRAUC = s.rocAUC(), s.averagePrecision()
	c.F1 = c.PerClass[pos].F1
	return c, nil
}

// Named gives the scores under the contract's names (metrics.json's test
// and cv members): log_loss, accuracy, balanced_accuracy, brier, macro_f1,
// and for two classes roc_auc, pr_auc and f1.
func (c Classification) Named() map[string]float64 {
	m := map[string]float64{
		"log_loss":          c.LogLoss,
		"accuracy":          c.Accuracy,
		"balanced_accuracy": c.BalancedAccuracy,
		"brier":             c.Brier,
		"macro_f1":          c.MacroF1,
	}
	if c.Classes == 2 {
		m["roc_auc"], m["pr_auc"], m["f1"] = c.ROCAUC, c.PRAUC, c.F1
	}
	return m
}

// checkProba reports rows that cannot be scored: none, a length mismatch,
// fewer than two classes, ragged rows, a probability outside [0, 1] or not
// finite, a row not summing to 1 (within 1e-6), a class out of range.
func checkProba(y []int, p [][]float64) error {
	if len(y) == 0 {
		return errors.New("metrics: no rows")
	}
	if len(p) != len(y) {
		return fmt.Errorf("metrics: %d probability rows for %d rows", len(p), len(y))
	}
	k := len(p[0])
	if k < 2 {
		return fmt.Errorf("metrics: %d probability columns; want one a class, at least 2", k)
	}
	for i, row := range p {
		if len(row) != k {
			return fmt.Errorf("metrics: probability row %d has %d columns; want %d", i, len(row), k)
		}
		var s float64
		for j, v := range row {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("metrics: probability %v of class %d in row %d is not in [0, 1]", v, j, i)
			}
			s += v
		}
		if math.Abs(s-1) > rowSumTolerance {
			return fmt.Errorf("metrics: probability row %d sums to %v, not 1", i, s)
		}
		if y[i] < 0 || y[i] >= k {
			return fmt.Errorf("metrics: class %d of row %d is not in 0..%d", y[i], i, k-1)
		}
	}
	return nil
}

// ArgmaxLabels predicts each row's most probable class, ties to the lower
// class.
func ArgmaxLabels(p [][]float64) []int {
	out := make([]int, len(p))
	for i, row := range p {
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = best
	}
	return out
}

// ThresholdLabels predicts class pos for the rows whose probability of pos
// is at least t, and the other class (of two) for the rest.
func ThresholdLabels(p [][]float64, pos int, t float64) []int {
	out := make([]int, len(p))
	for i, row := range p {
		if row[pos] >= t {
			out[i] = pos
		} else {
			out[i] = 1 - pos
		}
	}
	return out
}

// Confusion counts rows by true class y (first index) and predicted class
// pred (second index), k classes. Classes are assumed in 0..k−1.
func Confusion(y, pred []int, k int) [][]int {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for i, c := range y {
		m[c][pred[i]]++
	}
	return m
}

// logLoss is scikit-learn's log_loss over checked rows: clip, renormalise,
// average −ln of the true class's probability.
func logLoss(y []int, p [][]float64) float64 {
	var s float64
	for i, row := range p {
		var sum float64
		for _, v := range row {
			sum += clip(v)
		}
		s -= math.Log(clip(row[y[i]]) / sum)
	}
	return s / float64(len(y))
}

func clip(v float64) float64 {
	return min(max(v, LogLossEpsilon), 1-LogLossEpsilon)
}

// brier is the binary Brier score of class pos for two classes, else the
// multiclass one.
func brier(y []int, p [][]float64, pos int) float64 {
	var s float64
	for i, row := range p {
		if len(row) == 2 {
			d := row[pos]
			if y[i] == pos {
				d--
			}
			s += d * d
			continue
		}
		for c, v := range row {
			if c == y[i] {
				v--
			}
			s += v * v
		}
	}
	return s / float64(len(y))
}

// perClass derives each class's precision, recall, F1 and support from the
// confusion matrix, 0 where a denominator is 0.
func perClass(conf [][]int) []ClassScore {
	out := make([]ClassScore, len(conf))
	for c := range conf {
		var actual, predicted int
		for j := range conf {
			actual += conf[c][j]
			predicted += conf[j][c]
		}
		tp := conf[c][c]
		out[c] = ClassScore{
			Precision: ratio(tp, predicted),
			Recall:    ratio(tp, actual),
			F1:        ratio(2*tp, actual+predicted),
			Support:   actual,
		}
	}
	return out
}

// summarise gives accuracy, balanced accuracy (mean recall over classes
// with support) and macro F1 (mean F1 over classes with support or
// predictions).
func summarise(conf [][]int, pc []ClassScore) (acc, balanced, macroF1 float64) {
	var correct, rows, present, seen int
	for c := range conf {
		predicted := 0
		for j := range conf {
			rows += conf[c][j]
			predicted += conf[j][c]
		}
		correct += conf[c][c]
		if pc[c].Support > 0 {
			present++
			balanced += pc[c].Recall
		}
		if pc[c].Support > 0 || predicted > 0 {
			seen++
			macroF1 += pc[c].F1
		}
	}
	return ratio(correct, rows), balanced / float64(present), macroF1 / float64(seen)
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
