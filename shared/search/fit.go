package search

import (
	"fmt"
	"math"

	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/tree"
)

// treeParams reads the tree parameters of a configuration.
func (c *config) treeParams() (tree.Params, error) {
	p := c.params
	crit := tree.SquaredError
	if v, ok := p["criterion"]; ok {
		if v != float64(int(v)) || v < 0 || int(v) >= len(valueNames["criterion"]) {
			return tree.Params{}, fmt.Errorf("criterion %v is not one of %v", v, valueNames["criterion"])
		}
		crit = tree.Criterion(int(v))
	}
	tp := tree.Params{Criterion: crit}
	for name, dst := range map[string]*int{"max_depth": &tp.MaxDepth, "max_leaves": &tp.MaxLeaves,
		"min_samples_leaf": &tp.MinSamplesLeaf, "min_samples_split": &tp.MinSamplesSplit, "max_features": &tp.MaxFeatures} {
		v, ok := p[name]
		if !ok {
			continue
		}
		if v != float64(int(v)) {
			return tree.Params{}, fmt.Errorf("%s %v must be a whole number", name, v)
		}
		*dst = int(v)
	}
	if c.family == Forest || c.family == Tree {
		// scikit-learn has no max_leaves here and takes None for
		// unlimited; 0 is ours for None.
		if tp.MinSamplesLeaf < 1 {
			return tree.Params{}, fmt.Errorf("min_samples_leaf %d must be at least 1", tp.MinSamplesLeaf)
		}
	}
	tp.L2 = p["l2"]
	if err := tp.Check(max(tp.MaxFeatures, 1)); err != nil {
		return tree.Params{}, err
	}
	return tp, nil
}

// maxBins reads max_bins.
func (c *config) maxBins() (int, error) {
	v := c.params["max_bins"]
	if v != float64(int(v)) || v < 2 || v > tree.MaxBins {
		return 0, fmt.Errorf("max_bins %v must be a whole number in [2, %d]", v, tree.MaxBins)
	}
	return int(v), nil
}

// maxRows reads max_rows: the most training rows a fit uses, 0 for all.
func (c *config) maxRows() int { return int(c.params[rowCap]) }

// check validates a configuration without data: every count, depth and
// rate no fit would accept is an error here, before the search starts.
func (c *config) check() error {
	if v := c.params[rowCap]; v != math.Trunc(v) || v < 0 || v == 1 || v > math.MaxInt32 {
		return fmt.Errorf("%s %v must be a whole number of at least 2 (or 0 for every row)", rowCap, v)
	}
	switch c.family {
	case KNN:
		k := c.params["k"]
		if k != float64(int(k)) || k < 1 || k > knn.MaxK {
			return fmt.Errorf("k %v must be a whole number in [1, %d]", k, knn.MaxK)
		}
		if w := c.params["weights"]; w != 0 && w != 1 {
			return fmt.Errorf("weights %v must be uniform (0) or distance (1)", w)
		}
		return nil
	}
	if _, err := c.maxBins(); err != nil {
		return err
	}
	tp, err := c.treeParams()
	if err != nil {
		return err
	}
	rate := func(name string) error {
		if v := c.params[name]; !(v > 0 && v <= 1) {
			return fmt.Errorf("%s %v must be in (0, 1]", name, v)
		}
		return nil
	}
	switch c.family {
	case Forest:
		if b := c.params["bootstrap"]; b != 0 && b != 1 {
			return fmt.Errorf("bootstrap %v must be 0 or 1", b)
		}
	case AdaBoost:
		return rate("learning_rate")
	case Boost:
		if tp.Criterion != tree.SquaredError && tp.Criterion != tree.FriedmanMSE {
			return fmt.Errorf("boosting needs squared_error or friedman_mse, not %s", tp.Criterion)
		}
		if err := rate("learning_rate"); err != nil {
			return err
		}
		return rate("subsample")
	}
	return nil
}

// fitTrees fits a tree family at n trees (1 for a single tree).
func (c *config) fitTrees(bd *tree.Binned, y []float64, n int, seed uint64) (*ensemble.Ensemble, error) {
	tp, err := c.treeParams()
	if err != nil {
		return nil, err
	}
	p := c.params
	switch c.family {
	case Tree:
		return ensemble.FitForest(bd, y, ensemble.Forest{Trees: 1, Tree: tp}, seed)
	case Forest:
		return ensemble.FitForest(bd, y, ensemble.Forest{Trees: n, Bootstrap: p["bootstrap"] == 1, Tree: tp}, seed)
	case AdaBoost:
		return ensemble.FitAdaBoost(bd, y, ensemble.AdaBoost{Trees: n, LearningRate: p["learning_rate"], Tree: tp}, seed)
	case Boost:
		return ensemble.FitBoost(bd, y, ensemble.Boost{Trees: n, LearningRate: p["learning_rate"], Subsample: p["subsample"], Tree: tp}, seed)
	}
	return nil, fmt.Errorf("family %q has no trees", c.family)
}
