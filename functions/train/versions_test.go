package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/model"
)

// priceCSV writes a generated table that is not the student data, with
// the target price: a category, two numbers and an id inference ignores.
func priceCSV(t testing.TB, rows int) string {
	t.Helper()
	var b bytes.Buffer
	cuts := []string{"Fair", "Good", "Very Good", "Premium", "Ideal"}
	b.WriteString("id,cut,carat,depth,price\n")
	for i := range rows {
		carat := 0.2 + float64((i*37)%480)/100
		depth := 55 + float64((i*13)%150)/10
		noise := float64((i*7919)%101) - 50
		price := 300 + 4000*carat + 150*float64(i%len(cuts)) - 20*(depth-60) + noise
		fmt.Fprintf(&b, "r%04d,%s,%.2f,%.1f,%.2f\n", i, cuts[i%len(cuts)], carat, depth, price)
	}
	path := filepath.Join(t.TempDir(), "price.csv")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// TestVersionsOfTwoModelsInOneStore: one store holds the student model
// and a model of another table side by side, each under its own name;
// train versions lists each one's versions with its schema (the target
// and the number of features; with -json its task and schema sha256).
func TestVersionsOfTwoModelsInOneStore(t *testing.T) {
	store := t.TempDir()
	getenv := env("MODEL_STORE", store, "MIN_R2", "0")
	out, err := runTrain(t, getenv, "-data", generated(t, 300, 1))
	require.NoError(t, err, out)
	out, err = runTrain(t, getenv, "-data", priceCSV(t, 300), "-target", "price")
	require.NoError(t, err, out)
	require.DirExists(t, filepath.Join(store, "student-math-score"))
	require.DirExists(t, filepath.Join(store, "price"), "the model is named after its target")

	for _, tc := range []struct {
		name, target string
		features     int
		args         []string
	}{
		{"student-math-score", "math_score", 7, nil},
		{"price", "price", 3, []string{"-model", "price"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runTrain(t, getenv, append([]string{"versions"}, tc.args...)...)
			require.NoError(t, err, out)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 2, "one version of %s:\n%s", tc.name, out)
			assert.Regexp(t, `^\s*VERSION\s+CREATED\s+SCHEMA\s+SELECTED\s+TEST R²$`, lines[0])
			assert.Contains(t, lines[1], fmt.Sprintf("%s (%d features)", tc.target, tc.features), out)
			assert.True(t, strings.HasPrefix(lines[1], "* "), "the current one:\n%s", out)

			var js bytes.Buffer
			require.NoError(t, run(t.Context(), append([]string{"versions", "-json"}, tc.args...), getenv, nil, &js, &js))
			var vs []versionInfo
			require.NoError(t, json.Unmarshal(js.Bytes(), &vs), js.String())
			require.Len(t, vs, 1)
			v := vs[0]
			assert.Equal(t, tc.target, v.Target)
			assert.Equal(t, "regression", v.Task)
			assert.Equal(t, tc.features, v.Features)
			b, err := os.ReadFile(filepath.Join(store, tc.name, "versions", v.Version, "model.json"))
			require.NoError(t, err)
			m, err := model.Decode(b)
			require.NoError(t, err)
			assert.Equal(t, m.SchemaSHA256, v.SchemaSHA256, "schema_sha256: model.json's")
			assert.Len(t, m.Schema().Features, tc.features)
		})
	}
}
