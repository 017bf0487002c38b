// Package search is the whole model search of the Python original: every
// family (linear, k-nearest neighbours, regression tree, random forest,
// gradient boosting, AdaBoost) with its grid, scored by k-fold
// cross-validation in a bounded pool of workers, the best refitted on all
// rows.
//
// Each unit of work (one configuration on one fold) writes only its own
// slots and draws from a seed derived from the search's seed, the
// configuration and the fold, so the result does not depend on the number
// of workers. An ensemble is fitted once per fold at the largest tree count
// of its grid and every smaller count is scored from its staged
// predictions.
//
// # The default grid and the size of the data
//
// DefaultGridFor chooses the grid by the number of training rows. Up to
// SmallRows (2,000) it is DefaultGrid, the original's grids, unchanged,
// so the student figures and model bytes do not move. Above, every
// candidate costs at most linearly in the rows, so the search stays
// affordable and deterministic at 100,000 rows and beyond:
//
//   - the linear family on every row (one pass of sufficient statistics);
//   - kNN, the random forest and AdaBoost, whose cost grows faster than
//     the rows (kNN's prediction is O(rows) a row; deep trees and weighted
//     resampling are O(rows log rows) a tree), on a seeded subsample of
//     SubsampleRows rows of each fold (the max_rows parameter), the same
//     rows for every configuration of a fold, and the winner refitted on
//     a subsample of the same size of every row;
//   - a single tree on every row at depths 8 and 12 (one depth above
//     LargeRows);
//   - gradient boosting on every row, grown as scikit-learn's
//     HistGradientBoostingRegressor grows its trees (31 leaves best first,
//     20 rows a leaf, rate 0.1), staged: one fit per fold to 400 trees
//     scores 50, 100, 200 and 400 trees, so the tree count is chosen on
//     the folds as early stopping would, at no extra fit.
//
// The winner is the best mean CV R², ties (within the tolerance) to the
// simpler family, so boosting is picked when it is better by more than
// the tie. On diamonds (43,152 training rows) the whole default search
// picks boosting at CV R² 0.9820 and took 1.2× the wall time (1.15× the
// CPU time) of scikit-learn's HistGradientBoostingRegressor 5-fold CV
// alone, measured in one sitting (BenchmarkDiamondsDefaultSearch); on
// synthetic:1000000 the whole train run took 83 CPU-seconds and 1.2 GB.
//
// # Memory
//
// Input holds only the tree families' layout of the training rows (raw
// numbers and level indices: a few columns a row), and each fold's
// validation rows are a view of it. The one-hot layouts, a column for
// every level of every category, are never built whole: the linear
// family's design is read a row at a time into package linear's moments
// (linear.Design, summed from the compact rows above linear.DenseRows
// rows), and kNN's rows are built for the rows a kNN part keeps (its
// subsample) and one validation row at a time. On the 1M-row
// table of 30 columns (about 600 levels; 800,000 training rows) that is
// 190 MB of layout instead of two 3.9 GB one-hot copies: train run's
// peak RSS with boosting alone (2 folds) went from 9.85 GB to 1.49 GB,
// and the whole default search on 200,000 rows of it from 2.36 GB to
// 0.65 GB, with the same model bytes.
//
// # Small tables
//
// Cross-validation needs MinFoldRows (2) rows a fold; fewer is
// ErrTooFewRows. A grid point that cannot apply to the rows (a k above a
// fold's training rows) or whose fit fails on them (an elastic net that
// does not converge) is skipped, its Result naming the reason, and the
// search goes on; only a search in which every candidate was skipped fails
// (ErrNoCandidate).
package search
