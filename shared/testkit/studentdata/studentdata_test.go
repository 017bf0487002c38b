package studentdata_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
)

// layout builds a checkout (a go.mod and a nested package directory) with
// shared/data/students beside it holding the given files, and returns the
// checkout's package directory and the data directory.
func layout(tb testing.TB, files ...string) (pkgDir, dataDir string) {
	tb.Helper()
	root := tb.TempDir()
	checkout := filepath.Join(root, "main")
	pkgDir = filepath.Join(checkout, "shared", "somepkg")
	dataDir = filepath.Join(root, "shared", "data", "students")
	require.NoError(tb, os.MkdirAll(pkgDir, 0o755))
	require.NoError(tb, os.MkdirAll(dataDir, 0o755))
	require.NoError(tb, os.WriteFile(filepath.Join(checkout, "go.mod"), []byte("module example.com/m\n"), 0o644))
	for _, f := range files {
		require.NoError(tb, os.WriteFile(filepath.Join(dataDir, f), []byte("data of "+f), 0o644))
	}
	return pkgDir, dataDir
}

func TestPathFindsTheDataBesideTheCheckout(t *testing.T) {
	pkgDir, dataDir := layout(t, "stud.csv")
	t.Chdir(pkgDir)

	p := studentdata.Path(t, "stud.csv")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "data of stud.csv", string(b), "Path returned %s", p)
	assert.Equal(t, "students", filepath.Base(filepath.Dir(p)))

	gotDir, err := filepath.EvalSymlinks(studentdata.Dir(t))
	require.NoError(t, err)
	wantDir, err := filepath.EvalSymlinks(dataDir)
	require.NoError(t, err)
	assert.Equal(t, wantDir, gotDir)
}

// recorder is a testing.TB whose Skipf and Fatalf record the message and
// then stop the calling goroutine as the real ones do, so that realdata's
// decision can be seen without skipping or failing this test.
type recorder struct {
	testing.TB
	skipped, failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = append(r.skipped, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// decide calls studentdata.Path(r, name) in its own goroutine, as the testing
// package runs a test, and waits for it to return or stop.
func decide(r *recorder, name string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		studentdata.Path(r, name)
	}()
	<-done
}

func TestMissingDataSkipsLocallyAndFailsUnderCI(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string // present in shared/data/students
		file  string   // asked for
	}{
		{"missing file", []string{"train.csv"}, "stud.csv"},
		{"missing directory", nil, "stud.csv"},
		{"no module root", nil, ""},
	} {
		for _, ci := range []string{"", "true"} {
			t.Run(fmt.Sprintf("%s CI=%q", tt.name, ci), func(t *testing.T) {
				pkgDir, dataDir := layout(t, tt.files...)
				file := tt.file
				switch {
				case tt.name == "missing directory":
					require.NoError(t, os.RemoveAll(dataDir))
				case file == "":
					// A directory with no go.mod above it.
					pkgDir, file = t.TempDir(), "stud.csv"
				}
				t.Chdir(pkgDir)
				t.Setenv("CI", ci)

				r := &recorder{TB: t}
				decide(r, file)
				if ci == "true" {
					assert.Len(t, r.failed, 1, "under CI a missing data set must fail the test")
					assert.Empty(t, r.skipped, "under CI a missing data set must not skip")
					for _, msg := range r.failed {
						assert.Contains(t, msg, "real data missing under CI")
					}
				} else {
					assert.Len(t, r.skipped, 1, "locally a missing data set must skip the test")
					assert.Empty(t, r.failed, "locally a missing data set must not fail")
					for _, msg := range r.skipped {
						assert.Contains(t, msg, "shared/data/students beside the checkout")
					}
				}
			})
		}
	}
}
