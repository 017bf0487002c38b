package modelstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/modelstore/storetest"
)

func TestDirConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) modelstore.Store { return modelstore.NewDir(t.TempDir()) })
}

func TestDirLeavesNoTemporaryFiles(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	ctx := context.Background()
	require.NoError(t, d.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}))
	sha := strings.Repeat("a", 64)
	require.NoError(t, d.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: sha, Model: "m"}, ""))
	var got []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		got = append(got, rel)
		return err
	})
	assert.Equal(t, ".|m|m/current.json|m/versions|m/versions/v1|m/versions/v1/model.json", strings.Join(got, "|"))
}

func TestDirCancelledWriteLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, d.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}), "WriteVersion with a cancelled context")
	entries, _ := os.ReadDir(filepath.Join(root, "m", "versions"))
	assert.Empty(t, entries, "versions after a cancelled write")
}

func TestPointerRejectsBadJSON(t *testing.T) {
	for _, in := range []string{``, `{}`, `[]`, `{"version":"v1","sha256":"xyz"}`, `{"version":"../x","sha256":"` + strings.Repeat("a", 64) + `"}`} {
		_, err := modelstore.DecodePointer([]byte(in))
		assert.Error(t, err, "DecodePointer(%q)", in)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, uri := range []string{dir, "file://" + dir} {
		s, err := modelstore.Open(ctx, uri, modelstore.Options{})
		require.NoError(t, err, uri)
		assert.IsType(t, &modelstore.Dir{}, s, uri)
		assert.Equal(t, dir, s.String())
	}
	s, err := modelstore.Open(ctx, "s3://models-bucket/team/prod", modelstore.Options{S3Endpoint: "http://127.0.0.1:1"})
	require.NoError(t, err)
	assert.IsType(t, &modelstore.S3{}, s)
	assert.Equal(t, "s3://models-bucket/team/prod/", s.String())

	for uri, want := range map[string]string{
		"":                "empty path",
		"gs://bucket/p":   "unsupported",
		"s3://":           "bucket name",
		"s3://Upper/p":    "lower-case",
		"s3://ab/p":       "3 to 63",
		"s3://bucket_x/p": "lower-case",
	} {
		_, err := modelstore.Open(ctx, uri, modelstore.Options{})
		require.Error(t, err, uri)
		assert.Contains(t, err.Error(), want, uri)
	}
}

func TestDirWritesARunBesideTheVersions(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	require.NoError(t, d.WriteRun(context.Background(), "m", "r1", map[string][]byte{"report.html": []byte("<p>why</p>")}))
	b, err := os.ReadFile(filepath.Join(root, "m", "runs", "r1", "report.html"))
	require.NoError(t, err)
	assert.Equal(t, "<p>why</p>", string(b))
	entries, err := os.ReadDir(filepath.Join(root, "m", "runs"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary folder is left")
	_, err = os.Stat(filepath.Join(root, "m", "versions"))
	assert.ErrorIs(t, err, os.ErrNotExist, "a run creates no versions folder")
}
