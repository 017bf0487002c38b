package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// trainedStore runs the real training pipeline, the train command built
// from ../train, on the embedded sample into a new directory store, and
// returns the store's root and the metrics.json of the version it pushed.
// The store then holds what a deployment's store holds: model.json,
// metrics.json and the report.html train renders, so that the pages
// tested are the ones people see.
func trainedStore(t testing.TB) (root string, metrics map[string]any) {
	t.Helper()
	// go test puts its own go first on the PATH of the test.
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "the go command, to build ../train")
	bin := filepath.Join(t.TempDir(), "train")
	build := exec.Command(goCmd, "build", "-o", bin, "../train")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ../train:\n%s", out)

	root = t.TempDir()
	run := exec.Command(bin, "run", "-store", root, "-data", "sample", "-seed", "42")
	// Only what a process needs: no MODEL_STORE, DATA_URI or MIN_R2 of the
	// developer's shell (flags override them anyway), and no AWS settings.
	run.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + os.TempDir()}
	out, err = run.CombinedOutput()
	require.NoError(t, err, "train run -store %s:\n%s", root, out)

	store := modelstore.NewDir(root)
	cur, err := store.Current(context.Background(), modelName)
	require.NoError(t, err, "train pushed no current model:\n%s", out)
	b, err := store.ReadFile(context.Background(), modelName, cur.Version, "metrics.json")
	require.NoError(t, err, "read metrics.json of %s", cur.Version)
	require.NoError(t, json.Unmarshal(b, &metrics), "metrics.json of %s", cur.Version)
	return root, metrics
}
