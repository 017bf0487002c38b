package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A local output is written so that nothing but the finished file ever
// has a name that outlives the process. On Linux the data goes to an
// unnamed file (O_TMPFILE) in the target's directory, given its name only
// at Commit (linkat through /proc/self/fd); a job killed mid-run, even by
// SIGKILL, leaves nothing behind, since the kernel frees an unnamed file
// when its last descriptor closes. Where O_TMPFILE is not available (other
// systems, some file systems), the data goes to a hidden temporary file
// beside the target (".NAME.tmp-…") held under an exclusive lock (flock)
// while it is written; the next output to the same target removes every
// such file whose lock is free, that is, whose writer is gone.

// tmpPattern is the pattern of a named temporary file of target.
func tmpPattern(target string) string {
	return "." + filepath.Base(target) + ".tmp-*"
}

// createFile prepares the local output at path.
func createFile(path string) (Output, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("output %s: is a directory", path)
	}
	sweepStale(path)
	if f, err := openUnnamed(filepath.Dir(path)); err == nil {
		return &file{f: f, path: path, unnamed: true}, nil
	}
	return createNamed(path)
}

// createNamed prepares the output at path in a locked, hidden temporary
// file beside it: where unnamed files are not to be had.
func createNamed(path string) (Output, error) {
	f, err := os.CreateTemp(filepath.Dir(path), tmpPattern(path))
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("output %s: lock %s: %w", path, f.Name(), err)
	}
	return &file{f: f, path: path}, nil
}

// sweepStale removes the temporary files of earlier outputs to path whose
// writers are gone: their lock can be taken. One held by a live writer is
// left alone. Errors are ignored: sweeping is housekeeping, and a file
// that cannot be removed now is tried again next time.
func sweepStale(path string) {
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), globEscape(tmpPattern(path))))
	for _, name := range names {
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if tryLock(f) {
			os.Remove(name)
		}
		f.Close()
	}
}

// globEscape quotes the glob metacharacters of a pattern's literal part
// (everything before its final "*").
func globEscape(pattern string) string {
	lit, star := strings.TrimSuffix(pattern, "*"), strings.HasSuffix(pattern, "*")
	var b strings.Builder
	for _, r := range lit {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	if star {
		b.WriteByte('*')
	}
	return b.String()
}

// file writes the output of one local target; see the comment above.
type file struct {
	f       *os.File
	path    string
	unnamed bool // an O_TMPFILE file: no name until Commit
	done    bool
	// written counts the bytes written; queued those whose write-back to
	// the disk has been started (see Write).
	written, queued int64
}

// writebackEvery is how many written bytes start their write-back to the
// disk while the job goes on, so that Commit's fsync finds little left to
// flush: on a 171 MB output it took 0.13 s at the end, a tenth of the
// whole job, all of it waited for.
const writebackEvery = 8 << 20

func (f *file) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	f.written += int64(n)
	if f.written-f.queued >= writebackEvery {
		startWriteback(f.f, f.queued, f.written-f.queued)
		f.queued = f.written
	}
	return n, err
}

// Commit makes the finished file appear at its path, whole: a file there
// already is replaced atomically.
func (f *file) Commit() error {
	if f.done {
		return fmt.Errorf("output %s: already closed", f.path)
	}
	f.done = true
	fail := func(err error) error {
		f.f.Close()
		if !f.unnamed {
			os.Remove(f.f.Name())
		}
		return fmt.Errorf("output %s: %w", f.path, err)
	}
	if err := f.f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if f.unnamed {
		if err := f.link(); err != nil {
			return fail(err)
		}
		return f.closeErr(f.f.Close())
	}
	if err := os.Rename(f.f.Name(), f.path); err != nil {
		return fail(err)
	}
	return f.closeErr(f.f.Close()) // closing drops the lock
}

func (f *file) closeErr(err error) error {
	if err != nil {
		return fmt.Errorf("output %s: %w", f.path, err)
	}
	return nil
}

// link names the unnamed file: straight at its path when nothing is
// there, else under a temporary name then renamed over the old file (a
// crash between the two leaves that name unlocked, for the next sweep).
func (f *file) link() error {
	err := linkUnnamed(f.f, f.path)
	if !errors.Is(err, os.ErrExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), tmpPattern(f.path))
	if err != nil {
		return err
	}
	tmp.Close()
	os.Remove(tmp.Name())
	if err := linkUnnamed(f.f, tmp.Name()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func (f *file) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.f.Close()
	if f.unnamed {
		return err // the kernel frees an unnamed file with its last descriptor
	}
	return os.Remove(f.f.Name())
}
