package explain

import (
	"math"

	"github.com/studentperf/studentperf/shared/tree"
)

// Cost estimates the work of one explanation, in elementary steps (a
// multiply-add of a distance or a linear term, a node visited, a table
// read): about a nanosecond each on the machines measured here
// (BenchmarkExplainCost). It is the model's cost per evaluation times the
// evaluations its method makes, so that a server can bound the rows one
// request may explain by the family's cost:
//
//   - linear: the model's columns;
//   - tree_path: every node of every tree (an upper bound on the walk),
//     plus a table read per tree and feature;
//   - exact_enumeration: 2^p evaluations of the model;
//   - sampled_permutations: Permutations·(p−1) evaluations.
//
// A kNN evaluation costs its training rows times its input width; one of
// a weighted median of trees, the depth of every tree.
func (ex *Explainer) Cost() float64 { return ex.cost }

// estimateCost is Cost, computed once by New.
func (ex *Explainer) estimateCost() float64 {
	p := float64(len(ex.slot))
	if ex.lin != nil {
		return 3 * float64(len(ex.lin.w))
	}
	var eval float64 // one evaluation of the model on a mixed record
	switch {
	case ex.knn != nil:
		est := ex.m.Estimator.KNN
		eval = float64(len(est.Y))*float64(est.Dim) + float64(len(ex.knn.ref))
	case ex.method == MethodTreePath:
		var nodes float64
		for i := range ex.m.Estimator.Trees.Trees {
			nodes += float64(len(ex.m.Estimator.Trees.Trees[i].Nodes))
		}
		return nodes + float64(len(ex.m.Estimator.Trees.Trees))*p
	default: // a weighted median of trees
		trees := ex.m.Estimator.Trees.Trees
		for i := range trees {
			eval += float64(depth(&trees[i]))
		}
		eval += float64(len(trees)) * math.Log2(float64(len(trees))+1) // the median's sort
	}
	if ex.sample != nil {
		return float64(ex.sample.Evaluations()) * (eval + p)
	}
	return math.Exp2(p) * (eval + p)
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
