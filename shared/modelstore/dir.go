package modelstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Dir is a model store in a local directory.
type Dir struct {
	root string
}

// NewDir returns a store rooted at root; the directory is created on the
// first write.
func NewDir(root string) *Dir { return &Dir{root: filepath.Clean(root)} }

// Root is the store's directory.
func (d *Dir) Root() string { return d.root }

// String is the store's directory.
func (d *Dir) String() string { return d.root }

func (d *Dir) modelDir(name string) (string, error) {
	if err := CheckName("model", name); err != nil {
		return "", err
	}
	return filepath.Join(d.root, name), nil
}

// Current reads current.json of model name; ErrNotFound when there is none.
func (d *Dir) Current(ctx context.Context, name string) (Pointer, error) {
	b, err := d.readCurrent(name)
	if err != nil {
		return Pointer{}, err
	}
	p, err := DecodePointer(b)
	p.Rev = fileRev(b)
	return p, err
}

// CurrentIfChanged is Current unless current.json still has revision rev.
// A directory has no conditional read: the file is small, so it is read
// and hashed.
func (d *Dir) CurrentIfChanged(ctx context.Context, name, rev string) (Pointer, bool, error) {
	b, err := d.readCurrent(name)
	if err != nil {
		return Pointer{}, false, err
	}
	if rev != "" && fileRev(b) == rev {
		return Pointer{}, false, nil
	}
	p, err := DecodePointer(b)
	p.Rev = fileRev(b)
	return p, true, err
}

func (d *Dir) readCurrent(name string) ([]byte, error) {
	dir, err := d.modelDir(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, CurrentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read current model: %w", err)
	}
	return b, nil
}

// fileRev is a directory's revision of current.json: a hash of its bytes,
// as an ETag is on S3.
func fileRev(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// ReadFile reads one file of a version.
func (d *Dir) ReadFile(ctx context.Context, name, version, file string) ([]byte, error) {
	dir, err := d.modelDir(name)
	if err != nil {
		return nil, err
	}
	if err := CheckName("version", version); err != nil {
		return nil, err
	}
	if err := CheckName("file", file); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "versions", version, file))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model %q version %q file %q: %w", name, version, file, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read model file: %w", err)
	}
	return b, nil
}

// Versions lists the complete versions of model name, oldest first.
func (d *Dir) Versions(ctx context.Context, name string) ([]string, error) {
	dir, err := d.modelDir(name)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, "versions"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	var vs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			vs = append(vs, e.Name())
		}
	}
	slices.Sort(vs)
	return vs, nil
}

// WriteVersion writes the files of a new version. They are written into a
// hidden temporary folder, synced, and the folder renamed into place, so a
// version is either complete or absent. An existing version is never
// touched: ErrExists.
func (d *Dir) WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error {
	return d.writeFolder(ctx, name, "versions", "version", version, files)
}

// WriteRun writes the summary files of a training run that pushed no
// version into runs/{run}, the same way as WriteVersion; versions/ and
// current.json are not touched.
func (d *Dir) WriteRun(ctx context.Context, name, run string, files map[string][]byte) error {
	return d.writeFolder(ctx, name, "runs", "run", run, files)
}

// writeFolder writes files into {model}/{parent}/{id} atomically: a
// hidden temporary folder renamed into place. kind names an id in
// messages.
func (d *Dir) writeFolder(ctx context.Context, name, parent, kind, id string, files map[string][]byte) (err error) {
	dir, err := d.modelDir(name)
	if err != nil {
		return err
	}
	if err := CheckName(kind, id); err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("write %s: no files", kind)
	}
	for f := range files {
		if err := CheckName("file", f); err != nil {
			return err
		}
	}
	parentDir := filepath.Join(dir, parent)
	final := filepath.Join(parentDir, id)
	if _, err := os.Stat(final); err == nil {
		return fmt.Errorf("model %q %s %q: %w", name, kind, id, ErrExists)
	}
	if err := os.MkdirAll(parentDir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", kind, err)
	}
	tmp, err := os.MkdirTemp(parentDir, ".tmp-"+id+"-")
	if err != nil {
		return fmt.Errorf("write %s: %w", kind, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("write %s: %w", kind, err)
		}
		if err := writeSynced(filepath.Join(tmp, f), files[f]); err != nil {
			return fmt.Errorf("write %s: %w", kind, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", kind, err)
	}
	if err := syncDir(tmp); err != nil {
		return fmt.Errorf("write %s: %w", kind, err)
	}
	// rename(2) onto an existing empty directory succeeds, so the check
	// above is repeated under the rename's own rules: a non-empty target
	// fails with ENOTEMPTY/EEXIST.
	if err := os.Rename(tmp, final); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("model %q %s %q: %w", name, kind, id, ErrExists)
		}
		return fmt.Errorf("write %s: %w", kind, err)
	}
	return syncDir(parentDir)
}

// DeleteVersion removes a version that never became current (the pusher's
// clean-up after a failed pointer update).
func (d *Dir) DeleteVersion(ctx context.Context, name, version string) error {
	dir, err := d.modelDir(name)
	if err != nil {
		return err
	}
	if err := CheckName("version", version); err != nil {
		return err
	}
	if cur, err := d.Current(ctx, name); err == nil && cur.Version == version {
		return fmt.Errorf("delete version %q: it is the current version", version)
	}
	if err := os.RemoveAll(filepath.Join(dir, "versions", version)); err != nil {
		return fmt.Errorf("delete version: %w", err)
	}
	return nil
}

// SetCurrent points model name at p.Version, provided current.json is
// still at revision prev (a Pointer's Rev; "" meaning no current.json
// yet); otherwise ErrConflict. The version must exist. current.json is
// written to a temporary file, synced and renamed over the old one, under
// an exclusive lock on the model's versions folder so two trainers cannot
// interleave.
func (d *Dir) SetCurrent(ctx context.Context, name string, p Pointer, prev string) error {
	dir, err := d.modelDir(name)
	if err != nil {
		return err
	}
	data, err := EncodePointer(p)
	if err != nil {
		return err
	}
	versions := filepath.Join(dir, "versions")
	if _, err := os.Stat(filepath.Join(versions, p.Version)); err != nil {
		return fmt.Errorf("set current: version %q: %w", p.Version, ErrNotFound)
	}
	lock, err := os.Open(versions)
	if err != nil {
		return fmt.Errorf("set current: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("set current: lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	b, err := d.readCurrent(name)
	switch {
	case errors.Is(err, ErrNotFound):
		if prev != "" {
			return fmt.Errorf("set current: expected revision %s, found no %s: %w", prev, CurrentFile, ErrConflict)
		}
	case err != nil:
		return fmt.Errorf("set current: %w", err)
	case prev == "":
		return fmt.Errorf("set current: expected no %s, found one (%s): %w", CurrentFile, describeCurrent(b), ErrConflict)
	case fileRev(b) != prev:
		return fmt.Errorf("set current: expected revision %s, found %s (%s): %w", prev, fileRev(b), describeCurrent(b), ErrConflict)
	}
	tmp, err := os.CreateTemp(dir, ".current-*.json")
	if err != nil {
		return fmt.Errorf("set current: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("set current: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("set current: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("set current: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("set current: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, CurrentFile)); err != nil {
		return fmt.Errorf("set current: %w", err)
	}
	return syncDir(dir)
}

// describeCurrent names the version a current.json points at, for
// conflict messages.
func describeCurrent(b []byte) string {
	if p, err := DecodePointer(b); err == nil {
		return "version " + p.Version
	}
	return "unreadable"
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
