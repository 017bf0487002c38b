//go:build !linux

package batch

import (
	"errors"
	"os"
)

var errNoUnnamed = errors.New("unnamed files (O_TMPFILE) are Linux only")

// openUnnamed fails off Linux: outputs go to locked temporary files.
func openUnnamed(dir string) (*os.File, error) { return nil, errNoUnnamed }

func linkUnnamed(f *os.File, path string) error { return errNoUnnamed }

// startWriteback does nothing off Linux: Commit's fsync flushes it all.
func startWriteback(f *os.File, off, n int64) {}
