package search

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
)

// stratifiedStream sets the folds' random streams apart from the search's
// other draws from the same seed.
const stratifiedStream = 0x5374726174 // "Strat"

// ClassTooSmallError is a class with fewer rows than cross-validation
// folds: stratified folds cannot give each fold one of its rows. It wraps
// ErrTooFewRows, so the data is at fault; the caller may name the class by
// its label (Class is its index).
type ClassTooSmallError struct {
	Class int // the class's index
	Rows  int // its rows
	Folds int
}

func (e *ClassTooSmallError) Error() string {
	return fmt.Sprintf("%v: class %d has %d rows; %d-fold cross-validation needs at least %d rows of each class",
		ErrTooFewRows, e.Class, e.Rows, e.Folds, e.Folds)
}

// Unwrap gives ErrTooFewRows.
func (e *ClassTooSmallError) Unwrap() error { return ErrTooFewRows }

// StratifiedFolds assigns each row, of class y[i] (0 or more), to one of k
// folds (0..k−1) so that every class's rows spread evenly: each fold holds
// ⌊n_c/k⌋ or ⌈n_c/k⌉ of class c's n_c rows, and the folds' sizes differ by
// at most one. Each class's rows are shuffled by a random stream of seed
// and the class, then dealt to the folds in turn, each class starting
// where the previous one stopped (the spirit of scikit-learn's
// StratifiedKFold(shuffle=True), not its exact folds). The same y, k and
// seed give the same folds.
//
// A class with fewer rows than k is refused with a *ClassTooSmallError
// (the lowest such class), which wraps ErrTooFewRows.
func StratifiedFolds(y []int, k int, seed uint64) ([]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("stratified folds: %d folds; want at least 2", k)
	}
	if len(y) == 0 {
		return nil, errors.New("stratified folds: no rows")
	}
	byClass := map[int][]int{}
	for i, c := range y {
		if c < 0 {
			return nil, fmt.Errorf("stratified folds: class %d of row %d is negative", c, i)
		}
		byClass[c] = append(byClass[c], i)
	}
	classes := slices.Sorted(maps.Keys(byClass))
	for _, c := range classes {
		if n := len(byClass[c]); n < k {
			return nil, &ClassTooSmallError{Class: c, Rows: n, Folds: k}
		}
	}
	folds := make([]int, len(y))
	next := 0
	for _, c := range classes {
		rows := byClass[c]
		rng := rand.New(rand.NewPCG(seed, stratifiedStream^uint64(c)))
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		for _, r := range rows {
			folds[r] = next
			next = (next + 1) % k
		}
	}
	return folds, nil
}
