// Package studentdata finds the real student data set for tests. It lives
// outside the repository, in shared/data/students beside the checkout, and
// is never copied into it: locally a missing file skips the test with a
// message; under CI=true it fails, so a broken checkout cannot pass
// silently.
package studentdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the directory of the real data set.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := find()
	if err != nil {
		missing(tb, err)
	}
	return dir
}

// Path returns the path of one file of the real data set (stud.csv,
// train.csv or test.csv).
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), name)
	if _, err := os.Stat(p); err != nil {
		missing(tb, err)
	}
	return p
}

func missing(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("real data missing under CI: %v", err)
	}
	tb.Skipf("real data not available (%v); it is expected in shared/data/students beside the checkout", err)
}

// find walks up from the working directory to the module root (go.mod)
// and looks beside it.
func find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			students := filepath.Join(dir, "..", "shared", "data", "students")
			if _, err := os.Stat(students); err != nil {
				return "", err
			}
			return students, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
