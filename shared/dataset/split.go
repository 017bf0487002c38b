package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Split shuffles the rows of t and splits them into a training and a test
// table, the test table taking ceil(testFraction·n) of the n rows. The
// shuffle is rand.New(rand.NewPCG(seed, seed)).Perm(n): its first rows go
// to test and the rest to train, each in permutation order, so the split
// depends only on n, testFraction and seed.
//
// testFraction must be in (0, 1), and both tables must get at least one row;
// too few rows is a data problem and wraps ErrInvalid.
func Split(t *Table, testFraction float64, seed uint64) (train, test *Table, err error) {
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("split: test fraction %v is not between 0 and 1", testFraction)
	}
	n := t.Len()
	nTest := int(math.Ceil(testFraction * float64(n)))
	if nTest < 1 || nTest >= n {
		return nil, nil, fmt.Errorf("split: %d rows with test fraction %v leave one side empty: %w", n, testFraction, ErrInvalid)
	}
	perm := rand.New(rand.NewPCG(seed, seed)).Perm(n)
	return t.Subset(perm[nTest:]), t.Subset(perm[:nTest]), nil
}
