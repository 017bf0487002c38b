package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/search"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
)

// This file holds the search's check of the original's figures (it lives
// with train's, so that a clone without the real data skips one test here,
// not one in each package).

// sklearnCV is the 5-fold CV R² of each family's best
// configuration on stud.csv with scikit-learn 1.2.1 / XGBoost 1.7.4:
// shuffled (KFold(5, shuffle=True, random_state=0)), contiguous. Gradient
// boosting stands for scikit-learn's GradientBoosting, XGBoost and
// HistGradientBoosting; its figure is the best of them.
var sklearnCV = map[string][2]float64{
	search.Linear:   {0.870, 0.872},
	search.KNN:      {0.633, 0.630},
	search.Tree:     {0.691, 0.693},
	search.Forest:   {0.838, 0.836},
	search.AdaBoost: {0.837, 0.830},
	search.Boost:    {0.861, 0.860},
}

func searchFamily(f string) string {
	switch f {
	case linear.OLS, linear.Ridge, linear.Lasso, linear.ElasticNet:
		return search.Linear
	}
	return f
}

// bestByFamily returns each family's best candidate.
func bestByFamily(rs []search.Result) map[string]search.Result {
	out := map[string]search.Result{}
	for _, r := range rs {
		f := searchFamily(r.Family)
		if b, ok := out[f]; !ok || r.CVMean > b.CVMean {
			out[f] = r
		}
	}
	return out
}

func studInput(t *testing.T, shuffle bool) *search.Input {
	t.Helper()
	tab, _, err := dataset.Load(context.Background(), studentdata.Path(t, "stud.csv"), dataset.Students, dataset.SourceOptions{})
	require.NoError(t, err)
	if shuffle {
		perm := rand.New(rand.NewPCG(0, 0)).Perm(tab.Len())
		tab = tab.Subset(perm)
	}
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	in, err := search.Inputs(tr, tab)
	require.NoError(t, err)
	return in
}

// checkStudCV runs the default search with 5 folds on the
// real data, contiguous and shuffled, and holds each family's best to
// within 0.01 of scikit-learn's (or better); gradient boosting must reach
// scikit-learn's GradientBoosting.
func checkStudCV(t *testing.T) {
	for ci, shuffle := range []bool{true, false} {
		in := studInput(t, shuffle)
		res, err := search.Run(in, search.DefaultGrid(), search.Options{Folds: 5, Seed: 42})
		require.NoError(t, err)
		best := bestByFamily(res.Results)
		var b strings.Builder
		fmt.Fprintf(&b, "shuffled=%v\n%-9s %-8s %-8s %s\n", shuffle, "family", "ours", "sklearn", "best configuration")
		for _, f := range search.Families {
			r := best[f]
			want := sklearnCV[f][ci]
			fmt.Fprintf(&b, "%-9s %.4f   %.3f    %s\n", f, r.CVMean, want, r.Name)
			assert.GreaterOrEqual(t, r.CVMean, want-0.01, "%s (shuffled=%v): %s", f, shuffle, r.Name)
		}
		assert.GreaterOrEqual(t, best[search.Boost].CVMean, sklearnCV[search.Boost][ci], "gradient boosting (shuffled=%v)", shuffle)
		t.Log("\n" + b.String())
	}
}
