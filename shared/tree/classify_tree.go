package tree

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Impurity is what a classification tree's splits decrease.
type Impurity int

// The criteria of scikit-learn's DecisionTreeClassifier.
const (
	Gini    Impurity = iota // 1 − Σ p_c²: the summed squared error of the class indicators
	Entropy                 // −Σ p_c log p_c (natural log: the same splits as log2)
)

var impurityNames = []string{"gini", "entropy"}

func (i Impurity) String() string {
	if i >= 0 && int(i) < len(impurityNames) {
		return impurityNames[i]
	}
	return fmt.Sprintf("Impurity(%d)", int(i))
}

// ParseImpurity reads an impurity by its scikit-learn name.
func ParseImpurity(s string) (Impurity, error) {
	if i := slices.Index(impurityNames, s); i >= 0 {
		return Impurity(i), nil
	}
	return 0, fmt.Errorf("unknown impurity %q (want one of %v)", s, impurityNames)
}

// MaxClasses is the most classes a classification tree may have.
const MaxClasses = 1024

// probaTol is how far from 1 a leaf's probabilities may sum in a tree
// read from JSON: a share computed as w_c/W is off by half an ulp at most,
// so k of them sum to 1 within k ulps.
const probaTol = 1e-12

// ClassTree is a finished classification tree: Nodes route a row as in
// Tree (Nodes[0] is the root), and leaf i (the i-th leaf in node order,
// whose Value is i) holds the probability of each class in
// Proba[i*Classes:(i+1)*Classes]: the weighted shares of the classes
// among the training rows that reached it.
type ClassTree struct {
	Classes int       `json:"classes"`
	Nodes   []Node    `json:"nodes"`
	Proba   []float64 `json:"proba"`
}

// Leaf returns the index of the leaf row x (numeric values and level
// indices, as in Data) falls in.
func (t *ClassTree) Leaf(x []float64) int {
	s := Tree{Nodes: t.Nodes}
	return int(s.Predict(x))
}

// LeafProba returns the class probabilities of leaf i.
func (t *ClassTree) LeafProba(i int) []float64 {
	return t.Proba[i*t.Classes : (i+1)*t.Classes : (i+1)*t.Classes]
}

// PredictProba writes the probability of each class for row x into dst
// (Classes values, summing to 1 within 1e-12).
func (t *ClassTree) PredictProba(x []float64, dst []float64) {
	copy(dst[:t.Classes], t.LeafProba(t.Leaf(x)))
}

// PredictProbaBatch writes the class probabilities of the rows of x (p
// values each, row after row) into dst, Classes values a row, row after
// row: what PredictProba gives row by row.
func (t *ClassTree) PredictProbaBatch(x []float64, p int, dst []float64) {
	k := t.Classes
	for r := range len(dst) / k {
		t.PredictProba(x[r*p:(r+1)*p], dst[r*k:(r+1)*k])
	}
}

// Leaves counts the leaves.
func (t *ClassTree) Leaves() int { return len(t.Proba) / max(1, t.Classes) }

// Check reports a tree that cannot predict rows with the given features
// (levels as in Data): for untrusted JSON. Beyond Tree's checks, the
// leaves must number themselves in node order and each hold Classes
// probabilities in [0, 1] that sum to 1 within 1e-12.
func (t *ClassTree) Check(levels []int) error {
	k := t.Classes
	if k < 2 || k > MaxClasses {
		return fmt.Errorf("classification tree: %d classes; want 2 to %d", k, MaxClasses)
	}
	s := Tree{Nodes: t.Nodes}
	if err := s.Check(levels); err != nil {
		return fmt.Errorf("classification tree: %w", err)
	}
	leaves := 0
	for i, n := range t.Nodes {
		if n.Feature >= 0 {
			continue
		}
		if n.Value != float64(leaves) {
			return fmt.Errorf("classification tree: node %d is leaf %d but says %v", i, leaves, n.Value)
		}
		leaves++
	}
	if len(t.Proba) != leaves*k {
		return fmt.Errorf("classification tree: %d probabilities for %d leaves of %d classes", len(t.Proba), leaves, k)
	}
	for l := range leaves {
		var sum float64
		for c, v := range t.LeafProba(l) {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("classification tree: leaf %d: probability of class %d is %v", l, c, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > probaTol {
			return fmt.Errorf("classification tree: leaf %d: probabilities sum to %v, not 1", l, sum)
		}
	}
	return nil
}

// ErrBadWeight is wrapped by the error for a row weight that is not a
// positive finite number.
var ErrBadWeight = errors.New("a row weight must be a positive finite number")
