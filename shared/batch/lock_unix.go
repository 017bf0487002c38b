//go:build unix

package batch

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, held until f is closed or its
// process ends, however it ends.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// tryLock reports whether f's lock was free (and is now f's).
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
