package knn_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/knn"
)

// TestClassifierGolden matches scikit-learn's KNeighborsClassifier
// predict_proba within 1e-12 on generated rows (testdata/classify.json,
// written by `/usr/bin/python3 infra/bench/reference.py classification .`),
// uniform and distance weights, some queries at distance 0.
func TestClassifierGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/classify.json")
	require.NoError(t, err, "regenerate with: /usr/bin/python3 infra/bench/reference.py classification .")
	var cases []struct {
		Classes  int         `json:"classes"`
		K        int         `json:"k"`
		Distance bool        `json:"distance"`
		Dim      int         `json:"dim"`
		X        []float64   `json:"x"`
		Y        []int       `json:"y"`
		Queries  []float64   `json:"queries"`
		Proba    [][]float64 `json:"proba"`
	}
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		c, err := knn.FitClassifier(tc.X, tc.Dim, tc.Y, tc.Classes, tc.K, tc.Distance)
		require.NoError(t, err)
		got := make([]float64, tc.Classes)
		require.Len(t, tc.Proba, len(tc.Queries)/tc.Dim)
		for q, want := range tc.Proba {
			c.PredictProba(tc.Queries[q*tc.Dim:(q+1)*tc.Dim], got)
			for j := range want {
				assert.InDelta(t, want[j], got[j], 1e-12, "classes %d k %d distance %v query %d class %d", tc.Classes, tc.K, tc.Distance, q, j)
			}
		}
	}
}

// TestClassifierBruteForce sorts every training row by (distance, row) and
// counts the first k's votes, on rows with many ties in distance.
func TestClassifierBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, dim, classes = 90, 3, 4
	X := make([]float64, n*dim)
	y := make([]int, n)
	for i := range X {
		X[i] = float64(rng.IntN(4))
	}
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	for _, k := range []int{1, 4, 9, n} {
		for _, dist := range []bool{false, true} {
			c, err := knn.FitClassifier(X, dim, y, classes, k, dist)
			require.NoError(t, err)
			got := make([]float64, classes)
			for q := range 30 {
				x := []float64{float64(rng.IntN(4)), float64(rng.IntN(4)) + 0.5, float64(q % 4)}
				if q%4 == 0 {
					copy(x, X[q*dim:(q+1)*dim]) // a training row: distance 0
				}
				want := bruteProba(X, y, dim, classes, k, dist, x)
				c.PredictProba(x, got)
				var sum float64
				for j := range want {
					assert.InDelta(t, want[j], got[j], 1e-12, "k %d distance %v query %d class %d", k, dist, q, j)
					sum += got[j]
				}
				assert.InDelta(t, 1, sum, 1e-12, "probabilities sum to 1")
			}
		}
	}
}

func bruteProba(X []float64, y []int, dim, classes, k int, dist bool, x []float64) []float64 {
	n := len(y)
	idx := make([]int, n)
	d := make([]float64, n)
	for i := range n {
		idx[i] = i
		for j := range dim {
			d[i] += (X[i*dim+j] - x[j]) * (X[i*dim+j] - x[j])
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case d[a] < d[b]:
			return -1
		case d[a] > d[b]:
			return 1
		}
		return 0
	})
	w := make([]float64, classes)
	var total float64
	for _, i := range idx[:k] {
		v := 1.0
		switch {
		case dist && d[idx[0]] == 0 && d[i] != 0:
			v = 0
		case dist && d[idx[0]] != 0:
			v = 1 / math.Sqrt(d[i])
		}
		w[y[i]] += v
		total += v
	}
	for j := range w {
		w[j] /= total
	}
	return w
}

func TestClassifierJSONRoundTrip(t *testing.T) {
	c, err := knn.FitClassifier([]float64{0, 1, 2, 3, 4}, 1, []int{0, 0, 1, 2, 1}, 3, 3, true)
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back knn.Classifier
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, back.Check(1))
	want, got := make([]float64, 3), make([]float64, 3)
	for _, x := range []float64{-1, 0.4, 2.5, 9} {
		c.PredictProba([]float64{x}, want)
		back.PredictProba([]float64{x}, got)
		assert.Equal(t, want, got, "x %v", x)
	}
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() { c.PredictProba([]float64{1.5}, got) }), "allocations a prediction")
}

func TestFitClassifierRefuses(t *testing.T) {
	X := []float64{1, 2, 3}
	for _, tt := range []struct {
		name    string
		y       []int
		classes int
		k       int
		want    string
	}{
		{"one class", []int{0, 0, 0}, 1, 1, "1 classes; want at least 2"},
		{"class too big", []int{0, 2, 1}, 2, 1, "training class 2 of row 1 is not in 0..1"},
		{"negative class", []int{0, -1, 1}, 2, 1, "training class -1 of row 1"},
		{"k above rows", []int{0, 1, 1}, 2, 4, "k 4 is more than the 3 training rows"},
		{"rows and classes differ", []int{0, 1}, 2, 1, "3 values for 2 rows"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := knn.FitClassifier(X, 1, tt.y, tt.classes, tt.k, false)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	var c knn.Classifier
	require.NoError(t, json.Unmarshal([]byte(`{"k":1,"dim":1,"classes":2,"x":[1,2],"y":[0,0.5]}`), &c))
	assert.ErrorContains(t, c.Check(1), "training class 0.5 of row 1")
}
