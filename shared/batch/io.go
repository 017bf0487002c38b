package batch

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/s3io"
)

// Output is where a job writes: nothing is visible at the URI until Commit,
// and Abort leaves no trace (except on stdout, which streams).
type Output interface {
	io.Writer
	Commit() error
	Abort() error
}

// IO opens inputs and creates outputs by URI: a path, file://PATH,
// s3://BUCKET/KEY, or "-" for standard input or output.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	S3     func(ctx context.Context) (s3io.Uploader, error) // the client for s3:// outputs
	Source dataset.SourceOptions                            // openers for s3:// inputs
}

// Open opens the input uri names; the caller closes it.
func (o IO) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	if uri == "-" {
		if o.Stdin == nil {
			return nil, fmt.Errorf("input -: no standard input")
		}
		return io.NopCloser(o.Stdin), nil
	}
	rc, err := dataset.Open(ctx, uri, o.Source)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", uri, err)
	}
	return rc, nil
}

// Create prepares the output uri names.
func (o IO) Create(ctx context.Context, uri, contentType string) (Output, error) {
	switch {
	case uri == "-":
		if o.Stdout == nil {
			return nil, fmt.Errorf("output -: no standard output")
		}
		return stdout{o.Stdout}, nil
	case strings.HasPrefix(uri, "s3://"):
		if o.S3 == nil {
			return nil, fmt.Errorf("output %s: no S3 client configured", uri)
		}
		c, err := o.S3(ctx)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", uri, err)
		}
		return s3io.NewUpload(ctx, c, uri, contentType)
	case strings.Contains(uri, "://") && !strings.HasPrefix(uri, "file://"):
		return nil, fmt.Errorf("output %s: unsupported scheme (want a path, file://PATH, s3://BUCKET/KEY or -)", uri)
	}
	path := strings.TrimPrefix(uri, "file://")
	if path == "" {
		return nil, fmt.Errorf("output: empty path")
	}
	return createFile(path)
}

type stdout struct{ io.Writer }

func (stdout) Commit() error { return nil }
func (stdout) Abort() error  { return nil }

// Job is one batch: input, output and optional errors file by URI.
type Job struct {
	In, Out, Errors string
}

// Run opens the job's input, scores it into its outputs, and commits them
// only when the whole job succeeded; on any failure it aborts them, so no
// output (or errors file) appears.
func (o IO) Run(ctx context.Context, m *model.Model, j Job, opts Options) (res Result, err error) {
	in, err := o.Open(ctx, j.In)
	if err != nil {
		return res, err
	}
	defer in.Close()
	out, err := o.Create(ctx, j.Out, "text/csv")
	if err != nil {
		return res, err
	}
	var errs Output
	if j.Errors != "" {
		if errs, err = o.Create(ctx, j.Errors, "text/csv"); err != nil {
			out.Abort()
			return res, err
		}
		opts.Errors = errs
	}
	defer func() {
		if err != nil {
			out.Abort()
			if errs != nil {
				errs.Abort()
			}
		}
	}()
	score := Score
	if localFile(j.In) {
		score = ScoreParallel
	}
	if res, err = score(ctx, m, in, out, opts); err != nil {
		return res, fmt.Errorf("%s: %w", j.In, err)
	}
	if errs != nil {
		if err = errs.Commit(); err != nil {
			return res, err
		}
	}
	if err = out.Commit(); err != nil {
		return res, err
	}
	return res, nil
}

// localFile reports whether uri names a local file, which Run scores on
// every core (ScoreParallel); standard input and S3 objects (which
// ScorePart shards across functions) are scored by Score.
func localFile(uri string) bool {
	return uri != "-" && (!strings.Contains(uri, "://") || strings.HasPrefix(uri, "file://"))
}
