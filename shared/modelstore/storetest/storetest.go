// Package storetest is the conformance suite every model store
// implementation passes: the directory store and the S3 store run the
// same subtests, so what one store promises the other keeps.
package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
)

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func ptr(v string) modelstore.Pointer { return modelstore.Pointer{Version: v, SHA256: sha, Model: "m"} }

// NewStore returns an empty store for one test; it may register cleanups
// on t.
type NewStore func(t *testing.T) modelstore.Store

// Run runs every behaviour of the suite as a subtest, each on an empty
// store from newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("EmptyStore", func(t *testing.T) { testEmptyStore(t, newStore(t)) })
	t.Run("WriteReadAndPoint", func(t *testing.T) { testWriteReadAndPoint(t, newStore(t)) })
	t.Run("CurrentIfChanged", func(t *testing.T) { testCurrentIfChanged(t, newStore(t)) })
	t.Run("VersionsAreImmutable", func(t *testing.T) { testVersionsAreImmutable(t, newStore(t)) })
	t.Run("VersionsSortByName", func(t *testing.T) { testVersionsSortByName(t, newStore(t)) })
	t.Run("SetCurrentIsConditional", func(t *testing.T) { testSetCurrentIsConditional(t, newStore(t)) })
	t.Run("SetCurrentNeedsTheVersion", func(t *testing.T) { testSetCurrentNeedsTheVersion(t, newStore(t)) })
	t.Run("ConcurrentSetCurrentOneWins", func(t *testing.T) { testConcurrentSetCurrentOneWins(t, newStore(t)) })
	t.Run("DeleteVersion", func(t *testing.T) { testDeleteVersion(t, newStore(t)) })
	t.Run("WriteRunLeavesVersionsAlone", func(t *testing.T) { testWriteRunLeavesVersionsAlone(t, newStore(t)) })
	t.Run("RejectsUnsafeNames", func(t *testing.T) { testRejectsUnsafeNames(t, newStore(t)) })
}

// testEmptyStore: an empty store has no pointer, no versions and no files.
func testEmptyStore(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	_, err := s.Current(ctx, "m")
	require.ErrorIs(t, err, modelstore.ErrNotFound, "Current on an empty store")
	_, _, err = s.CurrentIfChanged(ctx, "m", "")
	require.ErrorIs(t, err, modelstore.ErrNotFound, "CurrentIfChanged on an empty store")
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Empty(t, vs, "Versions on an empty store")
	_, err = s.ReadFile(ctx, "m", "v1", "model.json")
	require.ErrorIs(t, err, modelstore.ErrNotFound, "ReadFile on an empty store")
}

// testWriteReadAndPoint: a version's files read back as written, and the
// pointer set to it reads back with its revision.
func testWriteReadAndPoint(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	files := map[string][]byte{"model.json": []byte(`{"a":1}`), "metrics.json": []byte(`{}`), "report.html": []byte("<html>")}
	require.NoError(t, s.WriteVersion(ctx, "m", "v1", files))
	for name, want := range files {
		got, err := s.ReadFile(ctx, "m", "v1", name)
		require.NoError(t, err, name)
		assert.Equal(t, string(want), string(got), name)
	}
	p := ptr("v1")
	p.Created = time.Unix(1, 0).UTC()
	require.NoError(t, s.SetCurrent(ctx, "m", p, ""))
	got, err := s.Current(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, "v1", got.Version)
	assert.Equal(t, sha, got.SHA256)
	assert.True(t, got.Created.Equal(p.Created), "Created: got %v; want %v", got.Created, p.Created)
	assert.NotEmpty(t, got.Rev, "Current must report the pointer's revision")
}

// testCurrentIfChanged: CurrentIfChanged reports a pointer only when its
// revision differs from the one given.
func testCurrentIfChanged(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	mustWrite(t, s, "m", "v1", "1")
	mustWrite(t, s, "m", "v2", "2")
	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v1"), ""))
	cur, err := s.Current(ctx, "m")
	require.NoError(t, err)

	_, changed, err := s.CurrentIfChanged(ctx, "m", cur.Rev)
	require.NoError(t, err)
	assert.False(t, changed, "the pointer has not changed since it was read")

	p, changed, err := s.CurrentIfChanged(ctx, "m", "")
	require.NoError(t, err)
	assert.True(t, changed, "no revision given: always changed")
	assert.Equal(t, "v1", p.Version)

	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v2"), cur.Rev))
	p, changed, err = s.CurrentIfChanged(ctx, "m", cur.Rev)
	require.NoError(t, err)
	assert.True(t, changed, "repointed since it was read")
	assert.Equal(t, "v2", p.Version)
	assert.NotEqual(t, cur.Rev, p.Rev, "a new pointer has a new revision")
}

// testVersionsAreImmutable: a version, once written, cannot be written again.
func testVersionsAreImmutable(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	mustWrite(t, s, "m", "v1", "first")
	err := s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("second")})
	require.ErrorIs(t, err, modelstore.ErrExists, "rewrite of v1")
	got, err := s.ReadFile(ctx, "m", "v1", "model.json")
	require.NoError(t, err)
	assert.Equal(t, "first", string(got), "v1 after a refused rewrite")
}

// testVersionsSortByName: Versions lists the versions by name, which
// NewVersion makes the order of their time.
func testVersionsSortByName(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	names := []string{modelstore.NewVersion(now.Add(time.Second), sha), modelstore.NewVersion(now, sha), modelstore.NewVersion(now.Add(time.Hour), sha)}
	for _, v := range names {
		mustWrite(t, s, "m", v, v)
	}
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, []string{names[1], names[0], names[2]}, vs)
}

// testSetCurrentIsConditional: SetCurrent succeeds only from the revision it
// expects (none: no pointer yet).
func testSetCurrentIsConditional(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	mustWrite(t, s, "m", "v1", "1")
	mustWrite(t, s, "m", "v2", "2")
	mustWrite(t, s, "m", "v3", "3")
	require.ErrorIs(t, s.SetCurrent(ctx, "m", ptr("v1"), `"no-such-revision"`), modelstore.ErrConflict,
		"expecting a revision while there is no pointer")
	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v1"), ""))
	first, err := s.Current(ctx, "m")
	require.NoError(t, err)
	require.ErrorIs(t, s.SetCurrent(ctx, "m", ptr("v2"), ""), modelstore.ErrConflict,
		"expecting no pointer while v1 is current")
	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v2"), first.Rev))
	require.ErrorIs(t, s.SetCurrent(ctx, "m", ptr("v3"), first.Rev), modelstore.ErrConflict,
		"a stale revision must lose")
	cur, err := s.Current(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, "v2", cur.Version)
}

// testSetCurrentNeedsTheVersion: SetCurrent refuses a pointer to a version
// that is not there, and writes nothing.
func testSetCurrentNeedsTheVersion(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	require.ErrorIs(t, s.SetCurrent(ctx, "m", ptr("nope"), ""), modelstore.ErrNotFound)
	_, err := s.Current(ctx, "m")
	require.ErrorIs(t, err, modelstore.ErrNotFound, "a refused SetCurrent writes no pointer")
}

// testConcurrentSetCurrentOneWins: of concurrent SetCurrent calls from the
// same revision, exactly one wins.
func testConcurrentSetCurrentOneWins(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	const n = 8
	for i := range 2 * n {
		mustWrite(t, s, "m", fmt.Sprintf("v%d", i), "x")
	}
	// Twice: from no pointer (If-None-Match) and from a revision
	// (If-Match). Each round points at versions of its own: a pointer
	// with the very bytes of the current one has its revision too, so
	// it would rightly pass the condition.
	prev := ""
	for round := range 2 {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = s.SetCurrent(ctx, "m", ptr(fmt.Sprintf("v%d", round*n+i)), prev) })
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else {
				require.ErrorIs(t, err, modelstore.ErrConflict, "round %d", round)
			}
		}
		require.Equal(t, 1, wins, "round %d: concurrent SetCurrent from the same revision", round)
		cur, err := s.Current(ctx, "m")
		require.NoError(t, err)
		prev = cur.Rev
	}
}

// testDeleteVersion: DeleteVersion removes a version other than the current
// one, freeing its name.
func testDeleteVersion(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	mustWrite(t, s, "m", "v1", "1")
	mustWrite(t, s, "m", "v2", "2")
	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v1"), ""))
	require.Error(t, s.DeleteVersion(ctx, "m", "v1"), "DeleteVersion of the current version")
	require.NoError(t, s.DeleteVersion(ctx, "m", "v2"))
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, []string{"v1"}, vs)
	_, err = s.ReadFile(ctx, "m", "v2", "model.json")
	require.ErrorIs(t, err, modelstore.ErrNotFound)
	// The name is free again.
	mustWrite(t, s, "m", "v2", "again")
}

// testWriteRunLeavesVersionsAlone: a run's files live apart from the
// versions and the pointer, and a run cannot be written twice.
func testWriteRunLeavesVersionsAlone(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	mustWrite(t, s, "m", "v1", "1")
	require.NoError(t, s.SetCurrent(ctx, "m", ptr("v1"), ""))
	before, err := s.Current(ctx, "m")
	require.NoError(t, err)
	run := map[string][]byte{"metrics.json": []byte(`{"pushed":false}`), "report.html": []byte("<html>")}
	require.NoError(t, s.WriteRun(ctx, "m", "r1", run))
	require.ErrorIs(t, s.WriteRun(ctx, "m", "r1", run), modelstore.ErrExists, "rewrite of run r1")
	// A run may share a version's name: they live apart.
	require.NoError(t, s.WriteRun(ctx, "m", "v1", run))
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, []string{"v1"}, vs, "a run is not a version")
	after, err := s.Current(ctx, "m")
	require.NoError(t, err)
	assert.Equal(t, before.Rev, after.Rev, "a run leaves current.json as it was")
	got, err := s.ReadFile(ctx, "m", "v1", "model.json")
	require.NoError(t, err)
	assert.Equal(t, "1", string(got), "the version of the same name is untouched")
	_, err = s.ReadFile(ctx, "m", "v1", "report.html")
	require.ErrorIs(t, err, modelstore.ErrNotFound, "a run's files are not a version's")
	for _, bad := range []string{"", "..", "a/b", ".hidden"} {
		assert.Error(t, s.WriteRun(ctx, "m", bad, run), "run %q", bad)
	}
	assert.Error(t, s.WriteRun(ctx, "m", "r2", nil), "a run without files")
}

// testRejectsUnsafeNames: names that could leave their directory or key
// prefix are refused, and nothing is written.
func testRejectsUnsafeNames(t *testing.T, s modelstore.Store) {
	ctx := t.Context()
	for _, bad := range []string{"", "..", "a/b", "../x", ".hidden", "a\x00b"} {
		assert.Error(t, s.WriteVersion(ctx, bad, "v1", map[string][]byte{"f": nil}), "model %q", bad)
		assert.Error(t, s.WriteVersion(ctx, "m", bad, map[string][]byte{"f": nil}), "version %q", bad)
		assert.Error(t, s.WriteVersion(ctx, "m", "v9", map[string][]byte{bad: nil}), "file %q", bad)
		_, err := s.ReadFile(ctx, "m", "v1", bad)
		assert.Error(t, err, "ReadFile of file %q", bad)
		_, err = s.Current(ctx, bad)
		assert.Error(t, err, "Current of model %q", bad)
	}
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Empty(t, vs, "nothing was written")
}

// mustWrite writes a version of model.json and metrics.json, failing t if it cannot.
func mustWrite(t *testing.T, s modelstore.Store, name, version, body string) {
	t.Helper()
	require.NoError(t, s.WriteVersion(t.Context(), name, version, map[string][]byte{"model.json": []byte(body), "metrics.json": []byte("{}")}),
		"WriteVersion %s", version)
}
