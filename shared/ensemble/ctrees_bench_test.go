package ensemble_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/tree"
)

// BenchmarkCTreesFit fits each model of TestCTreesTables on every row of
// credit_data (4,454 rows, 13 features; the forest on 2 workers), beside
// reference.py ctrees' CV times (5 fits and their predictions, 2 threads).
func BenchmarkCTreesFit(b *testing.B) {
	tab := readClassTable(b, "credit_data.csv", "Status")
	bn, err := tree.FitBinner(tab.d, nil, tree.MaxBins)
	require.NoError(b, err)
	bd, err := bn.Bin(tab.d, nil)
	require.NoError(b, err)
	for _, name := range []string{"tree depth 8 leaf 5", "forest 100", "samme stumps 100", "samme depth 3 100 rate 0.5"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				cvModel(b, name, bd, tab.y, len(tab.classes))
			}
		})
	}
}
