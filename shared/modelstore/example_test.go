package modelstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/studentperf/studentperf/shared/modelstore"
)

// ExampleDir pushes a version into a directory store the way train's
// pusher does (write the version's files, then point current.json at it,
// expecting no pointer yet) and reads it back the way predict does (the
// pointer, then the version's model.json, checked against its sha256).
func ExampleDir() {
	root, err := os.MkdirTemp("", "modelstore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	ctx := context.Background()
	store := modelstore.NewDir(root)

	// Push.
	modelJSON := []byte(`{"format":1}`)
	sum := sha256.Sum256(modelJSON)
	sha := hex.EncodeToString(sum[:])
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	version := modelstore.NewVersion(created, sha)
	files := map[string][]byte{"model.json": modelJSON, "metrics.json": []byte(`{}`)}
	if err := store.WriteVersion(ctx, "students", version, files); err != nil {
		fmt.Println(err)
		return
	}
	p := modelstore.Pointer{Version: version, SHA256: sha, Model: "students", Created: created}
	if err := store.SetCurrent(ctx, "students", p, ""); err != nil { // "": no current.json yet
		fmt.Println(err)
		return
	}

	// Read.
	cur, err := store.Current(ctx, "students")
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := store.ReadFile(ctx, "students", cur.Version, "model.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	got := sha256.Sum256(data)
	fmt.Println("current:", cur.Version)
	fmt.Printf("model.json: %s, sha256 matches: %v\n", data, hex.EncodeToString(got[:]) == cur.SHA256)

	// A version is immutable, and a second "first" pointer loses.
	err = store.WriteVersion(ctx, "students", version, files)
	fmt.Println("rewrite:", errors.Is(err, modelstore.ErrExists))
	err = store.SetCurrent(ctx, "students", p, "")
	fmt.Println("stale pointer:", errors.Is(err, modelstore.ErrConflict))
	// Output:
	// current: 20260102T030405.000000000Z-3f0a99256bee
	// model.json: {"format":1}, sha256 matches: true
	// rewrite: true
	// stale pointer: true
}
