package modelstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/studentperf/studentperf/shared/s3io"
)

// S3API is what the S3 store needs of an S3 client (*s3.Client).
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ S3API = (*s3.Client)(nil)

// S3 is a model store under a prefix of an S3 bucket, with the same layout
// as Dir. S3 has no rename, so a version's files are written one by one
// with model.json last, and a version counts as complete (Versions) once
// its model.json exists. current.json is replaced by a conditional PUT:
// If-None-Match: * for the first version, If-Match with the ETag read
// before for later ones, so of two trainers racing from the same pointer
// exactly one wins.
type S3 struct {
	client S3API
	bucket string
	prefix string // "" or ending in "/"
}

// NewS3 returns a store under s3://bucket/prefix.
func NewS3(client S3API, bucket, prefix string) *S3 {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: bucket, prefix: prefix}
}

// String is the store's URI.
func (s *S3) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// modelJSON is the file whose presence makes a version complete.
const modelJSON = "model.json"

func (s *S3) key(name string, elems ...string) string {
	return s.prefix + path.Join(append([]string{name}, elems...)...)
}

func (s *S3) uri(key string) string { return "s3://" + s.bucket + "/" + key }

// Current reads current.json of model name; ErrNotFound when there is none.
func (s *S3) Current(ctx context.Context, name string) (Pointer, error) {
	p, _, err := s.CurrentIfChanged(ctx, name, "")
	return p, err
}

// CurrentIfChanged reads current.json with If-None-Match: rev, so an
// unchanged pointer costs one 304 and no body.
func (s *S3) CurrentIfChanged(ctx context.Context, name, rev string) (Pointer, bool, error) {
	if err := CheckName("model", name); err != nil {
		return Pointer{}, false, err
	}
	key := s.key(name, CurrentFile)
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	if rev != "" {
		in.IfNoneMatch = aws.String(rev)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if rev != "" && httpStatus(err) == http.StatusNotModified {
			return Pointer{}, false, nil
		}
		if errors.Is(s3io.Explain(err, s.uri(key)), s3io.ErrNotFound) && !isNoSuchBucket(err) {
			return Pointer{}, false, fmt.Errorf("model %q: %w", name, ErrNotFound)
		}
		return Pointer{}, false, fmt.Errorf("read current model: %w", s3io.Explain(err, s.uri(key)))
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxPointer+1))
	if err != nil {
		return Pointer{}, false, fmt.Errorf("read current model: %w", s3io.Explain(err, s.uri(key)))
	}
	if len(b) > maxPointer {
		return Pointer{}, false, fmt.Errorf("read current model: %s is over %d bytes", s.uri(key), maxPointer)
	}
	p, err := DecodePointer(b)
	p.Rev = aws.ToString(out.ETag)
	return p, true, err
}

// maxPointer bounds current.json: a pointer is a few hundred bytes.
const maxPointer = 64 << 10

// ReadFile reads one file of a version.
func (s *S3) ReadFile(ctx context.Context, name, version, file string) ([]byte, error) {
	if err := checkNames(name, version, file); err != nil {
		return nil, err
	}
	key := s.key(name, "versions", version, file)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		e := s3io.Explain(err, s.uri(key))
		if errors.Is(e, s3io.ErrNotFound) && !isNoSuchBucket(err) {
			return nil, fmt.Errorf("model %q version %q file %q: %w", name, version, file, ErrNotFound)
		}
		return nil, fmt.Errorf("read model file: %w", e)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read model file: %w", s3io.Explain(err, s.uri(key)))
	}
	return b, nil
}

// Versions lists the complete versions (those whose model.json exists),
// oldest first.
func (s *S3) Versions(ctx context.Context, name string) ([]string, error) {
	if err := CheckName("model", name); err != nil {
		return nil, err
	}
	prefix := s.key(name, "versions") + "/"
	var vs []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list versions: %w", s3io.Explain(err, s.uri(prefix)))
		}
		for _, o := range page.Contents {
			rest := strings.TrimPrefix(aws.ToString(o.Key), prefix)
			if v, file, ok := strings.Cut(rest, "/"); ok && file == modelJSON && CheckName("version", v) == nil {
				vs = append(vs, v)
			}
		}
	}
	slices.Sort(vs)
	return vs, nil
}

// WriteVersion writes the files of a new version, model.json last, each
// with If-None-Match: * so that an existing version is never overwritten
// (ErrExists). When a write fails, the files already written are deleted.
func (s *S3) WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error {
	return s.writeFolder(ctx, name, "versions", "version", version, files)
}

// WriteRun writes the summary files of a training run that pushed no
// version under runs/{run}/, the same way as WriteVersion; versions/ and
// current.json are not touched.
func (s *S3) WriteRun(ctx context.Context, name, run string, files map[string][]byte) error {
	return s.writeFolder(ctx, name, "runs", "run", run, files)
}

// writeFolder writes files under {model}/{parent}/{id}/, model.json last;
// kind names an id in messages.
func (s *S3) writeFolder(ctx context.Context, name, parent, kind, id string, files map[string][]byte) (err error) {
	if err := CheckName("model", name); err != nil {
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
	if any, err := s.anyUnder(ctx, s.key(name, parent, id)+"/"); err != nil {
		return fmt.Errorf("write %s: %w", kind, err)
	} else if any {
		return fmt.Errorf("model %q %s %q: %w", name, kind, id, ErrExists)
	}
	names := make([]string, 0, len(files))
	for f := range files {
		if f != modelJSON {
			names = append(names, f)
		}
	}
	slices.Sort(names)
	if _, ok := files[modelJSON]; ok {
		names = append(names, modelJSON)
	}
	var written []string
	defer func() {
		if err != nil {
			for _, key := range written {
				s.client.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(key)})
			}
		}
	}()
	for _, f := range names {
		key := s.key(name, parent, id, f)
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(files[f]),
			ContentLength: aws.Int64(int64(len(files[f]))), ContentType: aws.String(contentType(f)),
			IfNoneMatch: aws.String("*"),
		})
		if err != nil {
			e := s3io.Explain(err, s.uri(key))
			if errors.Is(e, s3io.ErrPrecondition) {
				return fmt.Errorf("model %q %s %q: %w", name, kind, id, ErrExists)
			}
			return fmt.Errorf("write %s: %w", kind, e)
		}
		written = append(written, key)
	}
	return nil
}

// SetCurrent writes current.json with If-Match: prev, or If-None-Match: *
// when prev is "", after checking that the version is complete.
func (s *S3) SetCurrent(ctx context.Context, name string, p Pointer, prev string) error {
	if err := CheckName("model", name); err != nil {
		return err
	}
	data, err := EncodePointer(p)
	if err != nil {
		return err
	}
	mkey := s.key(name, "versions", p.Version, modelJSON)
	if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &mkey}); err != nil {
		e := s3io.Explain(err, s.uri(mkey))
		if errors.Is(e, s3io.ErrNotFound) {
			return fmt.Errorf("set current: version %q: %w", p.Version, ErrNotFound)
		}
		return fmt.Errorf("set current: %w", e)
	}
	key := s.key(name, CurrentFile)
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/json")}
	if prev == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(prev)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		e := s3io.Explain(err, s.uri(key))
		// If-Match on a missing object answers 404 on S3.
		if errors.Is(e, s3io.ErrPrecondition) || prev != "" && errors.Is(e, s3io.ErrNotFound) && !isNoSuchBucket(err) {
			want := "no " + CurrentFile
			if prev != "" {
				want = "revision " + prev
			}
			return fmt.Errorf("set current: expected %s, but %s changed concurrently: %w", want, s.uri(key), ErrConflict)
		}
		return fmt.Errorf("set current: %w", e)
	}
	return nil
}

// DeleteVersion removes every object of a version that is not current.
func (s *S3) DeleteVersion(ctx context.Context, name, version string) error {
	if err := checkNames(name, version, ""); err != nil {
		return err
	}
	if cur, err := s.Current(ctx, name); err == nil && cur.Version == version {
		return fmt.Errorf("delete version %q: it is the current version", version)
	}
	prefix := s.key(name, "versions", version) + "/"
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	var keys []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("delete version: %w", s3io.Explain(err, s.uri(prefix)))
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	// model.json first: the version stops counting as complete before
	// its other files go.
	slices.SortStableFunc(keys, func(a, b string) int {
		return boolInt(!strings.HasSuffix(a, "/"+modelJSON)) - boolInt(!strings.HasSuffix(b, "/"+modelJSON))
	})
	for _, key := range keys {
		if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(key)}); err != nil {
			return fmt.Errorf("delete version: %w", s3io.Explain(err, s.uri(key)))
		}
	}
	return nil
}

func (s *S3) anyUnder(ctx context.Context, prefix string) (bool, error) {
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix, MaxKeys: aws.Int32(1)})
	if err != nil {
		return false, s3io.Explain(err, s.uri(prefix))
	}
	return len(out.Contents) > 0, nil
}

func checkNames(name, version, file string) error {
	if err := CheckName("model", name); err != nil {
		return err
	}
	if err := CheckName("version", version); err != nil {
		return err
	}
	if file != "" {
		return CheckName("file", file)
	}
	return nil
}

func contentType(file string) string {
	switch path.Ext(file) {
	case ".json":
		return "application/json"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

func httpStatus(err error) int {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		return resp.HTTPStatusCode()
	}
	return 0
}

func isNoSuchBucket(err error) bool {
	var nb *types.NoSuchBucket
	if errors.As(err, &nb) {
		return true
	}
	return strings.Contains(err.Error(), "NoSuchBucket")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
