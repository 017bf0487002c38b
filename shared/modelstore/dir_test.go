package modelstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/modelstore/storetest"
)

func TestDirConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return modelstore.NewDir(t.TempDir()) })
}

func TestDirLeavesNoTemporaryFiles(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	ctx := context.Background()
	if err := d.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	sha := strings.Repeat("a", 64)
	if err := d.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: sha, Model: "m"}, ""); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		got = append(got, rel)
		return err
	})
	want := ".|m|m/current.json|m/versions|m/versions/v1|m/versions/v1/model.json"
	if strings.Join(got, "|") != want {
		t.Fatalf("store tree: got %s; want %s", strings.Join(got, "|"), want)
	}
}

func TestDirCancelledWriteLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d := modelstore.NewDir(root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}); err == nil {
		t.Fatal("WriteVersion with a cancelled context: got nil; want an error")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "m", "versions"))
	if len(entries) != 0 {
		t.Fatalf("versions after a cancelled write: got %d entries; want 0", len(entries))
	}
}

func TestPointerRejectsBadJSON(t *testing.T) {
	for _, in := range []string{``, `{}`, `[]`, `{"version":"v1","sha256":"xyz"}`, `{"version":"../x","sha256":"` + strings.Repeat("a", 64) + `"}`} {
		if _, err := modelstore.DecodePointer([]byte(in)); err == nil {
			t.Errorf("DecodePointer(%q): got nil; want an error", in)
		}
	}
}
