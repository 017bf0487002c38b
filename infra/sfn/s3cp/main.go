// Command s3cp moves files to and from an S3-compatible server for
// infra/sfn/run-local.sh, through the project's own S3 door (shared/s3io):
//
//	s3cp mb BUCKET            create a bucket (nothing when it exists and is yours)
//	s3cp put FILE s3://B/K    upload a file, streamed in parts
//	s3cp get s3://B/K FILE    download an object; FILE appears whole or not at all
//	s3cp cat s3://B/K         an object to standard output
//
// The endpoint is AWS_ENDPOINT_URL_S3; credentials come from the SDK's
// default chain.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/studentperf/studentperf/shared/s3io"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "s3cp: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) < 2 {
		return errors.New("usage: s3cp mb BUCKET | put FILE s3://B/K | get s3://B/K FILE | cat s3://B/K")
	}
	c, err := s3io.NewClient(ctx, s3io.Options{Endpoint: getenv(s3io.EndpointEnv)})
	if err != nil {
		return err
	}
	switch {
	case args[0] == "mb":
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &args[1]})
		var owned *types.BucketAlreadyOwnedByYou
		if errors.As(err, &owned) {
			return nil
		}
		return s3io.Explain(err, "s3://"+args[1])
	case args[0] == "put" && len(args) == 3:
		return put(ctx, c, args[1], args[2])
	case args[0] == "get" && len(args) == 3:
		return get(ctx, c, args[1], args[2])
	case args[0] == "cat":
		rc, err := s3io.Open(ctx, c, args[1])
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(stdout, rc)
		return err
	}
	return fmt.Errorf("unknown command %q", args)
}

func put(ctx context.Context, c *s3.Client, file, uri string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	up, err := s3io.NewUpload(ctx, c, uri, "text/csv")
	if err != nil {
		return err
	}
	if _, err := io.Copy(up, f); err != nil {
		up.Abort()
		return fmt.Errorf("put %s: %w", uri, err)
	}
	return up.Commit()
}

func get(ctx context.Context, c *s3.Client, uri, file string) error {
	rc, err := s3io.Open(ctx, c, uri)
	if err != nil {
		return err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, rc); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("get %s: %w", uri, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), file)
}
