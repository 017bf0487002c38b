package model

import "github.com/studentperf/studentperf/shared/features"

// TreeRow writes r (in the transform's order, as for Predict) in the
// tree layout of TreeLevels into x, which must be as long: imputed raw
// scores, then level indices. It reports whether r is valid; Predict names
// what is wrong with a row it refuses.
func TreeRow(tr *features.Transform, r features.Row, x []float64) bool {
	return len(r.Cat) == len(tr.Categorical) && len(r.Num) == len(tr.Numeric) && treeRow(tr, r, x)
}
