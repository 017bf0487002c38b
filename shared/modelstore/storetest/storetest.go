// Package storetest is the conformance suite every model store
// implementation must pass: the directory store now, the S3 store next.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/modelstore"
)

// Store is the behaviour under test.
type Store interface {
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
	Versions(ctx context.Context, name string) ([]string, error)
	WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error
	SetCurrent(ctx context.Context, name string, p modelstore.Pointer, prev string) error
	DeleteVersion(ctx context.Context, name, version string) error
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// Run runs the suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	t.Run("EmptyStore", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Current(ctx, "m"); !errors.Is(err, modelstore.ErrNotFound) {
			t.Fatalf("Current on empty store: got %v; want ErrNotFound", err)
		}
		vs, err := s.Versions(ctx, "m")
		if err != nil || len(vs) != 0 {
			t.Fatalf("Versions on empty store: got %v, %v; want none", vs, err)
		}
		if _, err := s.ReadFile(ctx, "m", "v1", "model.json"); !errors.Is(err, modelstore.ErrNotFound) {
			t.Fatalf("ReadFile on empty store: got %v; want ErrNotFound", err)
		}
	})
	t.Run("WriteReadAndPoint", func(t *testing.T) {
		s := newStore(t)
		files := map[string][]byte{"model.json": []byte(`{"a":1}`), "metrics.json": []byte(`{}`)}
		if err := s.WriteVersion(ctx, "m", "v1", files); err != nil {
			t.Fatalf("WriteVersion: %v", err)
		}
		for name, want := range files {
			got, err := s.ReadFile(ctx, "m", "v1", name)
			if err != nil || string(got) != string(want) {
				t.Fatalf("ReadFile %s: got %q, %v; want %q", name, got, err, want)
			}
		}
		p := modelstore.Pointer{Version: "v1", SHA256: sha, Model: "m", Created: time.Unix(1, 0).UTC()}
		if err := s.SetCurrent(ctx, "m", p, ""); err != nil {
			t.Fatalf("SetCurrent: %v", err)
		}
		got, err := s.Current(ctx, "m")
		if err != nil || got.Version != "v1" || got.SHA256 != sha || !got.Created.Equal(p.Created) {
			t.Fatalf("Current: got %+v, %v; want %+v", got, err, p)
		}
	})
	t.Run("VersionsAreImmutable", func(t *testing.T) {
		s := newStore(t)
		mustWrite(t, s, "m", "v1", "first")
		err := s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("second")})
		if !errors.Is(err, modelstore.ErrExists) {
			t.Fatalf("rewrite of v1: got %v; want ErrExists", err)
		}
		got, _ := s.ReadFile(ctx, "m", "v1", "model.json")
		if string(got) != "first" {
			t.Fatalf("v1 after rejected rewrite: got %q; want %q", got, "first")
		}
	})
	t.Run("VersionsSortByName", func(t *testing.T) {
		s := newStore(t)
		now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
		names := []string{modelstore.NewVersion(now.Add(time.Second), sha), modelstore.NewVersion(now, sha), modelstore.NewVersion(now.Add(time.Hour), sha)}
		for _, v := range names {
			mustWrite(t, s, "m", v, v)
		}
		vs, err := s.Versions(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{names[1], names[0], names[2]}
		if fmt.Sprint(vs) != fmt.Sprint(want) {
			t.Fatalf("Versions: got %v; want %v", vs, want)
		}
	})
	t.Run("SetCurrentIsConditional", func(t *testing.T) {
		s := newStore(t)
		mustWrite(t, s, "m", "v1", "1")
		mustWrite(t, s, "m", "v2", "2")
		p1 := modelstore.Pointer{Version: "v1", SHA256: sha, Model: "m"}
		p2 := modelstore.Pointer{Version: "v2", SHA256: sha, Model: "m"}
		if err := s.SetCurrent(ctx, "m", p1, "v0"); !errors.Is(err, modelstore.ErrConflict) {
			t.Fatalf("SetCurrent expecting v0 on empty pointer: got %v; want ErrConflict", err)
		}
		if err := s.SetCurrent(ctx, "m", p1, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCurrent(ctx, "m", p2, ""); !errors.Is(err, modelstore.ErrConflict) {
			t.Fatalf("SetCurrent expecting none while v1 is current: got %v; want ErrConflict", err)
		}
		if err := s.SetCurrent(ctx, "m", p2, "v1"); err != nil {
			t.Fatal(err)
		}
		if cur, _ := s.Current(ctx, "m"); cur.Version != "v2" {
			t.Fatalf("current: got %q; want v2", cur.Version)
		}
	})
	t.Run("SetCurrentNeedsTheVersion", func(t *testing.T) {
		s := newStore(t)
		err := s.SetCurrent(ctx, "m", modelstore.Pointer{Version: "nope", SHA256: sha, Model: "m"}, "")
		if !errors.Is(err, modelstore.ErrNotFound) {
			t.Fatalf("SetCurrent to a missing version: got %v; want ErrNotFound", err)
		}
	})
	t.Run("ConcurrentSetCurrentOneWins", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		for i := range n {
			mustWrite(t, s, "m", fmt.Sprintf("v%d", i), "x")
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.SetCurrent(ctx, "m", modelstore.Pointer{Version: fmt.Sprintf("v%d", i), SHA256: sha, Model: "m"}, "")
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, modelstore.ErrConflict):
				t.Fatalf("concurrent SetCurrent: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("concurrent SetCurrent from the same base: %d succeeded; want exactly 1", wins)
		}
	})
	t.Run("DeleteVersion", func(t *testing.T) {
		s := newStore(t)
		mustWrite(t, s, "m", "v1", "1")
		mustWrite(t, s, "m", "v2", "2")
		if err := s.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: sha, Model: "m"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteVersion(ctx, "m", "v1"); err == nil {
			t.Fatal("DeleteVersion of the current version: got nil; want an error")
		}
		if err := s.DeleteVersion(ctx, "m", "v2"); err != nil {
			t.Fatal(err)
		}
		if vs, _ := s.Versions(ctx, "m"); fmt.Sprint(vs) != "[v1]" {
			t.Fatalf("Versions after delete: got %v; want [v1]", vs)
		}
	})
	t.Run("RejectsUnsafeNames", func(t *testing.T) {
		s := newStore(t)
		for _, bad := range []string{"", "..", "a/b", "../x", ".hidden", "a\x00b"} {
			if err := s.WriteVersion(ctx, bad, "v1", map[string][]byte{"f": nil}); err == nil {
				t.Errorf("WriteVersion with model %q: got nil; want an error", bad)
			}
			if err := s.WriteVersion(ctx, "m", bad, map[string][]byte{"f": nil}); err == nil {
				t.Errorf("WriteVersion with version %q: got nil; want an error", bad)
			}
			if err := s.WriteVersion(ctx, "m", "v9", map[string][]byte{bad: nil}); err == nil {
				t.Errorf("WriteVersion with file %q: got nil; want an error", bad)
			}
		}
	})
}

func mustWrite(t *testing.T, s Store, name, version, body string) {
	t.Helper()
	if err := s.WriteVersion(context.Background(), name, version, map[string][]byte{"model.json": []byte(body)}); err != nil {
		t.Fatalf("WriteVersion %s: %v", version, err)
	}
}
