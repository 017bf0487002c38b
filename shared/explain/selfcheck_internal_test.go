package explain

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// TestSelfCheckCatchesAnExplainerThatDoesNotAddUp breaks a built
// explainer's baseline, as a wrong table would, and expects the check New
// runs at load to refuse it.
func TestSelfCheckCatchesAnExplainerThatDoesNotAddUp(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "synthetic:200", 3)
	ex, err := New(m)
	require.NoError(t, err, "New on a sound model")
	require.NoError(t, ex.selfCheck(), "self-check of a sound explainer")
	ex.baseline += 0.5 // as a table off by a constant would leave it
	require.ErrorContains(t, ex.selfCheck(), "self-check", "an explainer whose contributions do not add up")
}
