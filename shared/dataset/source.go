package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Opener opens the data behind a URI of one scheme, such as "s3://B/K".
type Opener func(ctx context.Context, uri string) (io.ReadCloser, error)

// SourceOptions configures Open and Load.
type SourceOptions struct {
	// Seed seeds the generator behind "synthetic:N" URIs.
	Seed uint64
	// Openers open URIs of other schemes, keyed by lower-case scheme
	// without "://", e.g. "s3".
	Openers map[string]Opener
}

// syntheticPrefix starts a URI of generated data.
const syntheticPrefix = "synthetic:"

// Open opens the CSV bytes behind uri, which is one of
//
//	sample          the embedded sample data (see Sample)
//	synthetic:N     N rows from Generate seeded with opts.Seed, generated
//	                while they are read; Close stops the generator
//	file://PATH     the file at PATH
//	PATH            the file at PATH
//	SCHEME://...    whatever opts.Openers[SCHEME] opens
//
// The caller must close the returned reader.
func Open(ctx context.Context, uri string, opts SourceOptions) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case uri == "":
		return nil, fmt.Errorf("%w: empty data URI", ErrBadURI)
	case uri == "sample":
		return io.NopCloser(bytes.NewReader(sampleCSV)), nil
	case strings.HasPrefix(uri, syntheticPrefix):
		arg := strings.TrimPrefix(uri, syntheticPrefix)
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: data URI %q: row count %q is not a positive integer (e.g. synthetic:10000)", ErrBadURI, uri, arg)
		}
		return openSynthetic(ctx, n, opts.Seed), nil
	}
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		return openFile(uri)
	}
	scheme = strings.ToLower(scheme)
	if scheme == "file" {
		return openFile(uri[len("file://"):])
	}
	if open, ok := opts.Openers[scheme]; ok && open != nil {
		return open(ctx, uri)
	}
	supported := []string{"file://PATH", "PATH", "sample", "synthetic:N"}
	for _, s := range slices.Sorted(maps.Keys(opts.Openers)) {
		supported = append(supported, s+"://")
	}
	return nil, fmt.Errorf("%w: unsupported data URI scheme %q (supported: %s)", ErrBadURI, scheme, strings.Join(supported, ", "))
}

// openFile opens a local file; its errors name the path.
func openFile(path string) (io.ReadCloser, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: data URI has an empty path", ErrBadURI)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err // an *fs.PathError, naming the path
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%w: open %s: is a directory, not a CSV file", ErrBadURI, path)
	}
	return f, nil
}

// syntheticReader reads generated CSV from a pipe fed by a goroutine.
type syntheticReader struct {
	*io.PipeReader
	done      chan struct{} // closed when the generator goroutine has returned
	stopAfter func() bool   // unregisters the context callback
	closeOnce sync.Once
}

// Close stops the generator and waits for its goroutine to return.
func (s *syntheticReader) Close() error {
	s.closeOnce.Do(func() {
		s.PipeReader.Close()
		<-s.done
		s.stopAfter()
	})
	return nil
}

// openSynthetic streams Generate(n, seed) through a pipe, so that even a
// large n is never held in memory as CSV. Cancelling ctx ends the stream
// with ctx's error.
func openSynthetic(ctx context.Context, n int, seed uint64) io.ReadCloser {
	pr, pw := io.Pipe()
	s := &syntheticReader{PipeReader: pr, done: make(chan struct{})}
	// A cancelled context fails the generator's next Write, even one already
	// blocked in the pipe, and the reader's next Read with ctx's error.
	s.stopAfter = context.AfterFunc(ctx, func() { pw.CloseWithError(context.Cause(ctx)) })
	go func() {
		defer close(s.done)
		pw.CloseWithError(Generate(pw, n, seed)) // nil error: the reader sees io.EOF
	}()
	return s
}

// Info describes the data a table was loaded from.
type Info struct {
	URI    string // as given to Load
	Rows   int    // data rows read
	SHA256 string // hex SHA-256 of the exact bytes read
}

// Load opens uri (see Open), reads it with schema s (see Read) and returns
// the table with the URI, row count and SHA-256 of the bytes. Its errors
// name the URI; data problems wrap ErrInvalid.
func Load(ctx context.Context, uri string, s Schema, opts SourceOptions) (*Table, Info, error) {
	rc, err := Open(ctx, uri, opts)
	if err != nil {
		return nil, Info{}, fmt.Errorf("load %s: %w", uri, err)
	}
	defer rc.Close()
	h := sha256.New()
	t, err := Read(io.TeeReader(rc, h), s)
	if err != nil {
		return nil, Info{}, fmt.Errorf("load %s: %w", uri, err)
	}
	// Read succeeds only after reading to io.EOF, so h has seen every byte.
	return t, Info{URI: uri, Rows: t.Len(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// SchemaChoice says how LoadInferred settles a table's schema.
type SchemaChoice struct {
	// Schema, when set (from a schema file), is used as it is.
	Schema *Schema
	// Infer steers inference. With no Target, no Task and nothing to
	// ignore or mark categorical, the student data keeps the Students
	// schema, and so does Target "math_score" on it.
	Infer InferOptions
}

// studentDefault reports whether a table with header h is read with the
// Students schema under choice c: the student data asked nothing else of,
// or, with no target named, any table with the student target (whose
// missing columns Read then names).
func (c SchemaChoice) studentDefault(h []string) bool {
	o := c.Infer
	if (o.Target != "" && o.Target != Students.Target) || len(o.Ignore) > 0 || len(o.Categorical) > 0 || (o.Task != "" && o.Task != "auto" && o.Task != Regression) {
		return false
	}
	if o.Target == "" && slices.Contains(h, Students.Target) {
		return true
	}
	for _, n := range append(Students.Inputs(), Students.Target) {
		if !slices.Contains(h, n) {
			return false
		}
	}
	return true
}

// LoadInferred opens uri (see Open), reads it whole, settles its schema
// (choice.Schema; else the Students schema for the student data; else
// Infer's) and reads the table in it. It returns the table, the schema and
// the URI, row count and SHA-256 of the bytes. Its errors name the URI;
// data problems wrap ErrInvalid, a task this version cannot train ErrTask.
func LoadInferred(ctx context.Context, uri string, choice SchemaChoice, opts SourceOptions) (*Table, Schema, Info, error) {
	rc, err := Open(ctx, uri, opts)
	if err != nil {
		return nil, Schema{}, Info{}, fmt.Errorf("load %s: %w", uri, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, Schema{}, Info{}, fmt.Errorf("load %s: read: %w", uri, err)
	}
	s, err := choice.settle(data)
	if err != nil {
		return nil, Schema{}, Info{}, fmt.Errorf("load %s: %w", uri, err)
	}
	t, err := Read(bytes.NewReader(data), s)
	if err != nil {
		return nil, Schema{}, Info{}, fmt.Errorf("load %s: %w", uri, err)
	}
	sum := sha256.Sum256(data)
	return t, s, Info{URI: uri, Rows: t.Len(), SHA256: hex.EncodeToString(sum[:])}, nil
}

// settle returns the schema data is read with.
func (c SchemaChoice) settle(data []byte) (Schema, error) {
	if c.Schema != nil {
		return *c.Schema, nil
	}
	h, err := Header(data)
	if err != nil {
		return Schema{}, err
	}
	if c.studentDefault(h) {
		return Students, nil
	}
	if c.Infer.Target == "" {
		return Schema{}, fmt.Errorf("%w: this is not the student data (its columns are %s): name the column to predict with -target", ErrInvalid, strings.Join(h, ", "))
	}
	return Infer(bytes.NewReader(data), c.Infer)
}
