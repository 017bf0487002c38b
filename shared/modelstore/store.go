package modelstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/studentperf/studentperf/shared/s3io"
)

// Errors every store implementation returns, wrapped with context.
var (
	ErrNotFound = errors.New("modelstore: not found")
	ErrExists   = errors.New("modelstore: already exists")
	ErrConflict = errors.New("modelstore: current model changed concurrently")
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

	// Rev identifies the bytes of current.json this pointer was read from:
	// the object's ETag on S3, a hash of the file in a directory. It is
	// not stored; SetCurrent takes it as the revision it expects to
	// replace, and CurrentIfChanged as the one the caller already has.
	Rev string `json:"-"`
}

// Store is a versioned model store: what Open returns. Its consumers
// (the pusher, the predictor, train's versions and rollback commands)
// each declare the few methods they use.
type Store interface {
	// Current reads current.json of model name; ErrNotFound when there
	// is none.
	Current(ctx context.Context, name string) (Pointer, error)
	// CurrentIfChanged is Current unless current.json is still at
	// revision rev, in which case it reports changed == false without
	// reading the pointer's content.
	CurrentIfChanged(ctx context.Context, name, rev string) (p Pointer, changed bool, err error)
	// ReadFile reads one file of a version; ErrNotFound when absent.
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
	// Versions lists the complete versions of name, oldest first.
	Versions(ctx context.Context, name string) ([]string, error)
	// WriteVersion writes the files of a new version; ErrExists when the
	// version exists. A version is listed only once all its files are
	// written.
	WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error
	// SetCurrent points name at p.Version provided current.json is still
	// at revision prev ("" meaning there is no current.json yet);
	// otherwise ErrConflict. The version must exist (ErrNotFound).
	SetCurrent(ctx context.Context, name string, p Pointer, prev string) error
	// WriteRun writes the summary files (metrics.json, report.html) of a
	// training run that pushed no version into {name}/runs/{run}/;
	// ErrExists when the run exists. versions/ and current.json are not
	// touched.
	WriteRun(ctx context.Context, name, run string, files map[string][]byte) error
	// DeleteVersion removes a version that is not current.
	DeleteVersion(ctx context.Context, name, version string) error
	// String names the store for messages, as a URI.
	String() string
}

var (
	_ Store = (*Dir)(nil)
	_ Store = (*S3)(nil)
)

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
var ErrUnsupported = errors.New("modelstore: unsupported store")

// Options configures Open.
type Options struct {
	// S3Endpoint is an S3-compatible endpoint (AWS_ENDPOINT_URL_S3) for
	// s3:// stores; empty means AWS itself.
	S3Endpoint string
}

// Open opens the store a URI names: a directory path, file://DIR, or
// s3://BUCKET/PREFIX (credentials and region from the AWS SDK's default
// chain; nothing is sent until the first call).
func Open(ctx context.Context, uri string, o Options) (Store, error) {
	switch {
	case strings.HasPrefix(uri, "s3://"):
		u, err := s3io.ParseURI(uri)
		if err != nil {
			return nil, fmt.Errorf("model store: %w", err)
		}
		client, err := s3io.NewClient(ctx, s3io.Options{Endpoint: o.S3Endpoint})
		if err != nil {
			return nil, fmt.Errorf("model store %s: %w", uri, err)
		}
		return NewS3(client, u.Bucket, u.Key), nil
	case strings.HasPrefix(uri, "file://"):
		uri = strings.TrimPrefix(uri, "file://")
	case strings.Contains(uri, "://"):
		return nil, fmt.Errorf("%w %q (want a directory, file://DIR or s3://BUCKET/PREFIX)", ErrUnsupported, uri)
	}
	if uri == "" {
		return nil, fmt.Errorf("%w: empty path (want a directory, file://DIR or s3://BUCKET/PREFIX)", ErrUnsupported)
	}
	return NewDir(uri), nil
}
