package modelstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Errors every store implementation returns, wrapped with context.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("current model changed concurrently")
)

// CurrentFile is the name of the pointer to the current version.
const CurrentFile = "current.json"

// Pointer is the content of current.json.
type Pointer struct {
	Version  string    `json:"version"`
	SHA256   string    `json:"sha256"` // hex sha256 of the version's model.json
	Model    string    `json:"model"`
	Created  time.Time `json:"created"`
	Selected string    `json:"selected,omitempty"`
	TestR2   *float64  `json:"test_r2,omitempty"`
}

var (
	safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// CheckName reports a model, version or file name that is not a single
// safe path element.
func CheckName(kind, name string) error {
	if !safeName.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("invalid %s name %q: use letters, digits, '.', '_' and '-' (at most 128, no '..')", kind, name)
	}
	return nil
}

// NewVersion names a version created at t for model bytes with the given
// sha256: UTC time to the nanosecond, then a prefix of the hash, so names
// sort by creation time and two trainers never collide.
func NewVersion(t time.Time, sha string) string {
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + sha
}

// EncodePointer returns current.json for p.
func EncodePointer(p Pointer) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", CurrentFile, err)
	}
	return append(b, '\n'), nil
}

// DecodePointer parses and checks current.json.
func DecodePointer(data []byte) (Pointer, error) {
	var p Pointer
	if err := json.Unmarshal(data, &p); err != nil {
		return Pointer{}, fmt.Errorf("decode %s: %w", CurrentFile, err)
	}
	if err := p.validate(); err != nil {
		return Pointer{}, fmt.Errorf("decode %s: %w", CurrentFile, err)
	}
	return p, nil
}

func (p Pointer) validate() error {
	if err := CheckName("version", p.Version); err != nil {
		return err
	}
	if !sha256Re.MatchString(p.SHA256) {
		return fmt.Errorf("invalid sha256 %q: want 64 lower-case hex digits", p.SHA256)
	}
	return nil
}

// ErrUnsupported reports a store URI this build cannot open.
var ErrUnsupported = errors.New("unsupported model store")

// Open opens the store a URI names: a directory path or file://DIR.
// s3://BUCKET/PREFIX is refused with ErrUnsupported until the S3 store
// lands.
func Open(uri string) (*Dir, error) {
	switch {
	case strings.HasPrefix(uri, "s3://"):
		return nil, fmt.Errorf("model store %q: %w: s3:// stores are not available in this build yet; use a directory", uri, ErrUnsupported)
	case strings.HasPrefix(uri, "file://"):
		uri = strings.TrimPrefix(uri, "file://")
	case strings.Contains(uri, "://"):
		return nil, fmt.Errorf("model store %q: %w scheme (want a directory, file://DIR or s3://BUCKET/PREFIX)", uri, ErrUnsupported)
	}
	if uri == "" {
		return nil, fmt.Errorf("model store: %w: empty path", ErrUnsupported)
	}
	return NewDir(uri), nil
}
