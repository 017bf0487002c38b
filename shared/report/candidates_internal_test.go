package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/model"
)

// A candidate metrics.json lists as skipped (search.Result.Skipped) is
// shown as a skipped grid point of its family, never as a scored one.
func TestFamiliesRouteSkippedCandidates(t *testing.T) {
	cs := []model.Candidate{
		{Name: "knn(k=5,weights=uniform)", Family: "knn", Params: map[string]float64{"k": 5}, CVR2Mean: 0.8},
		{Name: "knn(k=50,weights=uniform)", Family: "knn", Params: map[string]float64{"k": 50}, Skipped: "k 50 is more than the 48 training rows"},
		{Name: "lasso(alpha=0.001)", Family: "lasso", Skipped: "no convergence"},
	}
	fs := families(cs, nil, "knn(k=5,weights=uniform)")
	require.Len(t, fs, 2)
	knn, lasso := fs[0], fs[1]
	require.NotNil(t, knn.Top)
	assert.Equal(t, "knn(k=5,weights=uniform)", knn.Top.Name)
	assert.Empty(t, knn.Rest)
	require.Len(t, knn.Skipped, 1)
	assert.Equal(t, "k 50 is more than the 48 training rows", knn.Skipped[0].Reason)
	assert.Nil(t, lasso.Top, "a family with only skipped candidates has no best")
	require.Len(t, lasso.Skipped, 1)
}
