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
package search
