// Package tree grows regression trees on binned features, or trees on a
// loss's gradients and hessians for boosting, and predicts with them.
//
// The pipeline of one tree, one file per idea:
//
//	bin.go     Binner: bin edges fitted once on the training rows, reused by every tree;
//	           the features with fewest bins also form one joint group (the
//	           students' five categories: 240 cells)
//	hist.go    per-bin sums and counts of a node's rows; a child's histogram is its
//	           parent's minus its sibling's (or, for few rows, minus those rows), so
//	           only the smaller child is counted; a large node is counted by joint
//	           group, an update a row for the whole group, then folded into each
//	           member's bins
//	split.go   the best split of a node from its histogram (squared error, Friedman
//	           MSE, Poisson, or the Newton gain of gradients and hessians) or from
//	           its sorted rows (absolute error); categories split natively into
//	           two sets of levels (the levels ordered by mean target, or G/H, ties
//	           to the lower level, and the best prefix taken)
//	grow.go    Grower: depth-first, or best-first under a leaf limit, from a growing
//	           node type to the finished Tree, carved from pooled slabs (Arena);
//	           Carry and Shift let boosting on every row reuse the last tree's root
//	           histogram instead of counting it again; GrowNewton grows the same
//	           way on a loss's gradients and hessians (a histogram of each, the
//	           Newton gain and leaves −G/(H+λ)), for boosting a classifier
//	predict.go Tree: a flat array of fixed-size Node records; many rows go down it
//	           together, partitioned at each split
//	compile.go Compiled: trees turned into lookup tables over coded rows (a score as
//	           the count of thresholds below it), for prediction; big trees are walked
//	flat.go    Compiled.AddBatch's kernel for models with big trees: a block of rows
//	           coded once into a byte per feature, each split a 256-byte table test,
//	           and each tree partitioning the block's row indices node by node
//
// Inputs are row-major float64 rows: a numeric feature holds its value, a
// categorical one holds its level index (0, 1, …), of any number of levels
// up to MaxLevels (a split's set of levels is a 64-bit word up to 64
// levels, a LevelSet beyond). A numeric feature may be missing (NaN): the
// binner gives its missing values a bin of their own and each split sends
// them to the side that fits them best (Node.MissingLeft); a missing level
// is the caller's to make a level of its own or impute.
package tree
