package explain

import (
	"math"

	"github.com/studentperf/studentperf/shared/tree"
)

// Cost estimates the work of one explanation, in steps of about a
// nanosecond each on the machines measured here (BenchmarkExplainCost
// calibrates the weights below). It is a fixed part per explanation (the
// record's layout, the result) plus the model's cost per evaluation times
// the evaluations its method makes, so that a server can bound the
// records one request may explain by the family's cost:
//
//   - linear: 8 steps a column;
//   - tree_path: 4 steps a node of every tree (an upper bound on the walk)
//     and a table read per tree and feature;
//   - exact_enumeration: 2^p evaluations of the model;
//   - sampled_permutations: Permutations·(p−1) evaluations.
//
// A kNN evaluation costs a step per training row and input column; one of
// a weighted median of trees, 6 steps a level of every tree and its sort.
func (ex *Explainer) Cost() float64 { return ex.cost }

// Weights of the cost model, in steps (BenchmarkExplainCost).
const (
	costFixed      = 1000 // every explanation: the record's layout and the result
	costLinearCol  = 8    // a linear column
	costTreeNode   = 4    // a node a walk visits, or a table read
	costMedianStep = 6    // a level of a tree in a median's evaluation
)

// estimateCost is Cost, computed once by New.
func (ex *Explainer) estimateCost() float64 {
	p := float64(len(ex.slot))
	if ex.lin != nil {
		return costFixed + costLinearCol*float64(len(ex.lin.w))
	}
	var eval float64 // one evaluation of the model on a mixed record
	switch {
	case ex.knn != nil:
		est := ex.m.Estimator.KNN
		eval = float64(len(est.Y))*float64(est.Dim) + float64(len(ex.knn.ref))
	case ex.method == MethodTreePath:
		trees := ex.m.Estimator.Trees.Trees
		var nodes float64
		for i := range trees {
			nodes += float64(len(trees[i].Nodes))
		}
		return costFixed + costTreeNode*(nodes+float64(len(trees))*p)
	default: // a weighted median of trees
		trees := ex.m.Estimator.Trees.Trees
		for i := range trees {
			eval += float64(depth(&trees[i]))
		}
		eval += float64(len(trees)) * math.Log2(float64(len(trees))+1) // the median's sort
		eval *= costMedianStep
	}
	evals := math.Exp2(p)
	if ex.sample != nil {
		evals = float64(ex.sample.Evaluations())
	}
	return costFixed + evals*(eval+p)
}

// depth is the number of nodes on the longest path of t from its root.
func depth(t *tree.Tree) int {
	d := make([]int32, len(t.Nodes)) // children come after their parent
	deepest := int32(0)
	for i, n := range t.Nodes {
		if i == 0 {
			d[0] = 1
		}
		if n.Feature >= 0 {
			d[n.Left], d[n.Right] = d[i]+1, d[i]+1
		}
		deepest = max(deepest, d[i])
	}
	return int(deepest)
}
