package s3io

import (
	"context"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Opener returns a function that streams s3:// objects (see Open), for
// dataset.SourceOptions.Openers. The client is made on the first call,
// so a program that never reads from S3 never loads AWS configuration.
func Opener(o Options) func(ctx context.Context, uri string) (io.ReadCloser, error) {
	var (
		once   sync.Once
		client *s3.Client
		err    error
	)
	return func(ctx context.Context, uri string) (io.ReadCloser, error) {
		once.Do(func() { client, err = NewClient(context.WithoutCancel(ctx), o) })
		if err != nil {
			return nil, err
		}
		return Open(ctx, client, uri)
	}
}
