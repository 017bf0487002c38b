package explain_test

import (
	"fmt"

	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/tree"
)

// A tree that pays 10 when both of two scores are above 50: a record with
// both above, against a reference with both below, owes the 10 to the two
// equally, and nothing to the third feature, which no split reads.
func ExampleTree() {
	t := tree.Tree{Nodes: []tree.Node{
		{Feature: 0, Left: 1, Right: 2, Threshold: 50},
		{Feature: -1},
		{Feature: 1, Left: 3, Right: 4, Threshold: 50},
		{Feature: -1},
		{Feature: -1, Value: 10},
	}}
	x, ref := []float64{80, 70, 3}, []float64{40, 45, 1}
	phi := make([]float64, 3)
	fx, fr := explain.Tree(&t, x, ref, phi)
	fmt.Println(fx, fr, phi)
	// Output: 10 0 [5 5 0]
}

// Exact enumerates any game of up to MaxExact players: here the value of a
// coalition is the square of its size, so each of three players gets 9/3.
func ExampleExact() {
	phi := make([]float64, 3)
	full, empty, err := explain.Exact(3, func(s uint64) float64 {
		n := float64(s&1 + s>>1&1 + s>>2&1)
		return n * n
	}, phi)
	fmt.Println(full, empty, phi, err)
	// Output: 9 0 [3 3 3] <nil>
}
