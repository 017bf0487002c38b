// Package s3io is the project's one door to Amazon S3: it builds the SDK
// client from the standard credential and region chain, parses s3:// URIs,
// streams objects, and turns the SDK's errors into one-line messages that
// name the object and say what to do.
//
// Credentials and region come only from the AWS SDK's default chain
// (environment, shared config, container or instance role). An endpoint
// (AWS_ENDPOINT_URL_S3, read by the caller's config) selects an
// S3-compatible server and path-style addressing.
package s3io

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// EndpointEnv names the variable that selects an S3-compatible endpoint.
const EndpointEnv = "AWS_ENDPOINT_URL_S3"

// Options configures NewClient.
type Options struct {
	// Endpoint is an S3-compatible endpoint URL such as
	// http://127.0.0.1:7070; empty means AWS itself. With an endpoint,
	// requests use path-style addressing (http://host/bucket/key).
	Endpoint string
}

// NewClient returns an S3 client configured by the SDK's default chain.
// It does not contact AWS: credentials are resolved on the first request.
func NewClient(ctx context.Context, o Options) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
		// The SDK's default (checksums on every PUT and a validation
		// warning on every GET) costs time and log noise; S3 still checks
		// Content-MD5-free uploads with its own signature.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}), nil
}

// URI is a parsed s3://BUCKET/KEY.
type URI struct {
	Bucket string
	Key    string // may be empty, or end in "/" for a prefix
}

func (u URI) String() string { return "s3://" + u.Bucket + "/" + u.Key }

// ErrBadURI reports a malformed s3:// URI.
var ErrBadURI = errors.New("s3io: bad S3 URI")

// ParseURI parses s3://BUCKET/KEY. The bucket must follow S3's naming
// rules (3–63 characters: lower-case letters, digits, '.', '-').
func ParseURI(s string) (URI, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return URI{}, fmt.Errorf("%w %q: want s3://BUCKET/KEY", ErrBadURI, s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return URI{}, fmt.Errorf("%w %q: %v", ErrBadURI, s, err)
	}
	if strings.ContainsAny(key, "\x00\r\n") {
		return URI{}, fmt.Errorf("%w %q: the key holds a control character", ErrBadURI, s)
	}
	return URI{Bucket: bucket, Key: key}, nil
}

func checkBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters", b)
	}
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '.' || c == '-') && i > 0 && i < len(b)-1
		if !ok {
			return fmt.Errorf("bucket name %q: use lower-case letters, digits, '.' and '-'", b)
		}
	}
	return nil
}

// Getter is what Open needs of an S3 client.
type Getter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ Getter = (*s3.Client)(nil)

// Open streams the object uri names. The caller must close the reader.
// Errors name the URI and say what is wrong (see Explain).
func Open(ctx context.Context, c Getter, uri string) (io.ReadCloser, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u.Key == "" || strings.HasSuffix(u.Key, "/") {
		return nil, fmt.Errorf("%w %q: names a bucket or prefix, not an object", ErrBadURI, uri)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &u.Bucket, Key: &u.Key})
	if err != nil {
		return nil, Explain(err, uri)
	}
	return &body{rc: out.Body, uri: uri}, nil
}

// body wraps an object's stream so a failure part-way (a reset
// connection, a server going away) names the object too.
type body struct {
	rc  io.ReadCloser
	uri string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read %s: %w", b.uri, err)
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
