//go:build !unix

package batch

import "os"

// lockFile does nothing where flock is missing; tryLock then never
// reports a file stale, so nothing is swept.
func lockFile(f *os.File) error { return nil }

func tryLock(f *os.File) bool { return false }
