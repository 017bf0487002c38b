package s3io

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Uploader is what Upload needs of an S3 client.
type Uploader interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

var _ Uploader = (*s3.Client)(nil)

// PartSize is the size of each part of a multipart upload but the last
// (S3 requires at least 5 MiB).
const PartSize = 8 << 20

// Upload writes one object in constant memory: bytes are sent in parts of
// PartSize as they come, and the object appears only when Commit completes
// the upload. Abort (or a failed Commit) leaves no object behind. An
// object smaller than one part is sent with one PutObject at Commit.
type Upload struct {
	ctx         context.Context
	c           Uploader
	uri         string
	bucket, key string
	contentType string
	id          string // multipart upload id, once started
	buf         []byte
	parts       []types.CompletedPart
	err         error // the first failure; every later call returns it
	done        bool
}

// NewUpload prepares an upload to uri (s3://BUCKET/KEY); nothing is sent
// until the first part is full or Commit.
func NewUpload(ctx context.Context, c Uploader, uri, contentType string) (*Upload, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u.Key == "" || u.Key[len(u.Key)-1] == '/' {
		return nil, fmt.Errorf("%w %q: names a bucket or prefix, not an object", ErrBadURI, uri)
	}
	return &Upload{ctx: ctx, c: c, uri: uri, bucket: u.Bucket, key: u.Key, contentType: contentType, buf: make([]byte, 0, PartSize)}, nil
}

// Write buffers p, sending a part each time PartSize bytes are buffered.
func (u *Upload) Write(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if u.done {
		return 0, errors.New("write after commit or abort of " + u.uri)
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), PartSize-len(u.buf))
		u.buf = append(u.buf, p[:k]...)
		p = p[k:]
		if len(u.buf) == PartSize {
			if err := u.sendPart(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (u *Upload) sendPart() error {
	if u.id == "" {
		out, err := u.c.CreateMultipartUpload(u.ctx, &s3.CreateMultipartUploadInput{Bucket: &u.bucket, Key: &u.key, ContentType: aws.String(u.contentType)})
		if err != nil {
			return u.fail(Explain(err, u.uri))
		}
		u.id = aws.ToString(out.UploadId)
	}
	num := int32(len(u.parts) + 1)
	out, err := u.c.UploadPart(u.ctx, &s3.UploadPartInput{Bucket: &u.bucket, Key: &u.key, UploadId: &u.id, PartNumber: &num,
		Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf)))})
	if err != nil {
		return u.fail(Explain(err, u.uri))
	}
	u.parts = append(u.parts, types.CompletedPart{ETag: out.ETag, PartNumber: &num})
	u.buf = u.buf[:0]
	return nil
}

// Commit sends what is buffered and completes the upload: only now does
// the object exist.
func (u *Upload) Commit() error {
	if u.err != nil {
		return u.err
	}
	if u.done {
		return errors.New("commit after commit or abort of " + u.uri)
	}
	if u.id == "" {
		_, err := u.c.PutObject(u.ctx, &s3.PutObjectInput{Bucket: &u.bucket, Key: &u.key, Body: bytes.NewReader(u.buf),
			ContentLength: aws.Int64(int64(len(u.buf))), ContentType: aws.String(u.contentType)})
		if err != nil {
			return u.fail(Explain(err, u.uri))
		}
		u.done = true
		return nil
	}
	if len(u.buf) > 0 {
		if err := u.sendPart(); err != nil {
			return err
		}
	}
	_, err := u.c.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{Bucket: &u.bucket, Key: &u.key, UploadId: &u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts}})
	if err != nil {
		return u.fail(Explain(err, u.uri))
	}
	u.done = true
	return nil
}

// Abort gives the upload up: no object appears, and the parts sent are
// discarded. It is safe to call after Commit (it does nothing then).
func (u *Upload) Abort() error {
	if u.done {
		return nil
	}
	u.done = true
	if u.id == "" {
		return nil
	}
	_, err := u.c.AbortMultipartUpload(context.WithoutCancel(u.ctx), &s3.AbortMultipartUploadInput{Bucket: &u.bucket, Key: &u.key, UploadId: &u.id})
	return Explain(err, u.uri)
}

func (u *Upload) fail(err error) error {
	u.err = err
	u.Abort()
	return err
}
