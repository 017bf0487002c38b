package metrics_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/metrics"
)

// goldenTol is how close the Go figures must be to scikit-learn's.
const goldenTol = 1e-12

// goldenCase is one case of testdata/classification.json, written by
// `/usr/bin/python3 infra/bench/reference.py classification .` from
// scikit-learn.
type goldenCase struct {
	Name     string      `json:"name"`
	Classes  int         `json:"classes"`
	Pos      int         `json:"pos"`
	Y        []int       `json:"y"`
	P        [][]float64 `json:"p"`
	TrainY   []int       `json:"train_y"`
	Expected struct {
		Scores      map[string]float64 `json:"-"`
		Precision   []float64          `json:"precision"`
		Recall      []float64          `json:"recall"`
		F1PerClass  []float64          `json:"f1_per_class"`
		Support     []int              `json:"support"`
		Confusion   [][]int            `json:"confusion"`
		ROC         metrics.ROC        `json:"roc"`
		PR          metrics.PR         `json:"pr"`
		Reliability struct {
			Bins          int       `json:"bins"`
			Class         int       `json:"class"`
			Observed      []float64 `json:"observed"`
			MeanPredicted []float64 `json:"mean_predicted"`
			Counts        []int     `json:"counts"`
		} `json:"reliability"`
		Thresholds map[string]metrics.Threshold `json:"thresholds"`
		Baseline   map[string]float64           `json:"baseline"`
	} `json:"expected"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	b, err := os.ReadFile("testdata/classification.json")
	require.NoError(t, err, "regenerate with: /usr/bin/python3 infra/bench/reference.py classification .")
	var cases []goldenCase
	require.NoError(t, json.Unmarshal(b, &cases))
	// The scalar scores sit beside the structured members of "expected".
	var raw []struct {
		Expected map[string]json.RawMessage `json:"expected"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	for i := range cases {
		cases[i].Expected.Scores = map[string]float64{}
		for k, v := range raw[i].Expected {
			var f float64
			if json.Unmarshal(v, &f) == nil {
				cases[i].Expected.Scores[k] = f
			}
		}
	}
	require.NotEmpty(t, cases)
	return cases
}

func inDeltaSlice(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		assert.InDelta(t, want[i], got[i], goldenTol, "%s[%d]", what, i)
	}
}

func TestClassificationGolden(t *testing.T) {
	for _, tc := range loadGolden(t) {
		t.Run(tc.Name, func(t *testing.T) {
			want := tc.Expected
			pos := tc.Pos
			c, err := metrics.EvaluateClassification(tc.Y, tc.P, pos)
			require.NoError(t, err)
			got := c.Named()
			require.Len(t, got, len(want.Scores), "metric names: got %v; want %v", got, want.Scores)
			for name, w := range want.Scores {
				assert.InDelta(t, w, got[name], goldenTol, name)
			}
			require.Len(t, c.PerClass, tc.Classes)
			for k, s := range c.PerClass {
				assert.InDelta(t, want.Precision[k], s.Precision, goldenTol, "precision of %d", k)
				assert.InDelta(t, want.Recall[k], s.Recall, goldenTol, "recall of %d", k)
				assert.InDelta(t, want.F1PerClass[k], s.F1, goldenTol, "F1 of %d", k)
				assert.Equal(t, want.Support[k], s.Support, "support of %d", k)
			}
			assert.Equal(t, want.Confusion, c.Confusion)

			curveClass := want.Reliability.Class
			roc, err := metrics.ROCCurve(tc.Y, tc.P, curveClass)
			require.NoError(t, err)
			inDeltaSlice(t, want.ROC.FPR, roc.FPR, "fpr")
			inDeltaSlice(t, want.ROC.TPR, roc.TPR, "tpr")
			assert.True(t, math.IsInf(roc.Thresholds[0], 1), "first ROC threshold %v", roc.Thresholds[0])
			inDeltaSlice(t, want.ROC.Thresholds, roc.Thresholds[1:], "ROC thresholds")
			pr, err := metrics.PRCurve(tc.Y, tc.P, curveClass)
			require.NoError(t, err)
			inDeltaSlice(t, want.PR.Precision, pr.Precision, "precision curve")
			inDeltaSlice(t, want.PR.Recall, pr.Recall, "recall curve")
			inDeltaSlice(t, want.PR.Thresholds, pr.Thresholds, "PR thresholds")

			bins, err := metrics.Reliability(tc.Y, tc.P, curveClass, want.Reliability.Bins)
			require.NoError(t, err)
			require.Len(t, bins, len(want.Reliability.Counts))
			for i, b := range bins {
				assert.InDelta(t, want.Reliability.Observed[i], b.Observed, goldenTol, "observed of bin %d", i)
				assert.InDelta(t, want.Reliability.MeanPredicted[i], b.MeanPredicted, goldenTol, "mean of bin %d", i)
				assert.Equal(t, want.Reliability.Counts[i], b.Count, "count of bin %d", i)
				assert.True(t, b.Lo < b.Hi && b.Lo >= 0 && b.Hi <= 1, "bin %d edges %v, %v", i, b.Lo, b.Hi)
			}

			for name, w := range want.Thresholds {
				m, err := metrics.ParseMetric(name)
				require.NoError(t, err)
				th, err := metrics.ChooseThreshold(tc.Y, tc.P, pos, m)
				require.NoError(t, err)
				assert.Equal(t, w.Threshold, th.Threshold, "threshold for %s", name)
				assert.InDelta(t, w.Value, th.Value, goldenTol, "%s at the threshold", name)
				// The value is what evaluating the threshold's decisions gives.
				at, err := metrics.EvaluateLabels(tc.Y, metrics.ThresholdLabels(tc.P, pos, th.Threshold), tc.P, pos)
				require.NoError(t, err)
				v, err := at.Value(m)
				require.NoError(t, err)
				assert.InDelta(t, v, th.Value, goldenTol, "%s re-evaluated", name)
			}

			prior, err := metrics.Prior(tc.TrainY, tc.Classes)
			require.NoError(t, err)
			base, err := metrics.Baseline(tc.Y, prior, pos)
			require.NoError(t, err)
			gotBase := base.Named()
			require.Len(t, gotBase, len(want.Baseline))
			for name, w := range want.Baseline {
				assert.InDelta(t, w, gotBase[name], goldenTol, "baseline %s", name)
			}
		})
	}
}
