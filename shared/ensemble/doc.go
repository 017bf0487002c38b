// Package ensemble fits ensembles of regression trees grown by package
// tree and predicts with them: random forests (bootstrap, feature
// subsampling), gradient boosting on binned features (shrinkage, row
// subsampling) and AdaBoost.R2; and classifiers boosted on the log loss
// (FitBoostClassifier: binary on the log-odds, multiclass a tree per
// class per round on the softmax), whose Classifier gives each class's
// probability and the margins behind them.
//
// Every fit draws from a seeded source, so the same data, parameters and
// seed give the same trees. A fitted Ensemble scores any prefix of its
// trees (Staged), which is how a search scores every tree count of a grid
// from one fit at the largest count.
package ensemble
