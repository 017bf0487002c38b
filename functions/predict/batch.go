package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// batchIO opens batch inputs and outputs; the S3 client is made once, on
// first use.
func batchIO(cfg config, stdin io.Reader, stdout io.Writer) batch.IO {
	var (
		once   sync.Once
		client *s3.Client
		err    error
	)
	s3client := func(ctx context.Context) (s3io.Uploader, error) {
		once.Do(func() {
			client, err = s3io.NewClient(context.WithoutCancel(ctx), s3io.Options{Endpoint: cfg.S3Endpoint})
		})
		return client, err
	}
	return batch.IO{
		Stdin: stdin, Stdout: stdout, S3: s3client,
		Source: dataset.SourceOptions{Openers: map[string]dataset.Opener{"s3": s3io.Opener(s3io.Options{Endpoint: cfg.S3Endpoint})}},
	}
}

// runBatch is `predict batch`: the store's current model scores one file.
func runBatch(ctx context.Context, pred *predictor.Predictor, bio batch.IO, cfg config, stderr io.Writer) error {
	if err := pred.Reload(ctx); err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	l := pred.Current()
	res, err := bio.Run(ctx, l.Model, batch.Job{In: cfg.In, Out: cfg.Out, Errors: cfg.Errs}, batch.Options{
		ProgressEvery: 5 * time.Second,
		Progress: func(rows int, elapsed time.Duration) {
			fmt.Fprintf(stderr, "batch: %d rows in %.1fs (%.0f rows/s)\n", rows, elapsed.Seconds(), float64(rows)/max(elapsed.Seconds(), 1e-9))
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "batch: %d rows scored with model %s into %s", res.Scored, l.Version, cfg.Out)
	if cfg.Errs != "" {
		fmt.Fprintf(stderr, "; %d bad rows in %s", res.Bad, cfg.Errs)
	}
	fmt.Fprintln(stderr)
	return nil
}

// batchAnswer is the answer to an S3-triggered batch.
type batchAnswer struct {
	Input        string `json:"input"`
	Output       string `json:"output,omitempty"`
	Errors       string `json:"errors,omitempty"`
	ModelVersion string `json:"model_version,omitempty"`
	batch.Result
	Ignored bool   `json:"ignored,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// withBatchEvents answers S3 ObjectCreated events (a CSV uploaded for
// scoring) itself and passes every other event to h. The object is scored
// into prefix as BASE.out.csv; bad rows go to BASE.errors.csv beside it and
// the job goes on, since no one is there to fix an input mid-run.
func withBatchEvents(h runner.EventHandler, pred *predictor.Predictor, bio batch.IO, prefix string, log *slog.Logger) runner.EventHandler {
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		in, isS3, err := runner.S3ObjectCreated(event)
		if !isS3 {
			return h(ctx, event) // an HTTP event, or unrecognised
		}
		if err != nil {
			return nil, err
		}
		u, err := s3io.ParseURI(in)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", runner.ErrS3Event, err)
		}
		base := path.Base(u.Key)
		switch lower := strings.ToLower(base); {
		case !strings.HasSuffix(lower, ".csv"):
			return batchAnswer{Input: in, Ignored: true, Reason: in + " is not a .csv object"}, nil
		case strings.HasSuffix(lower, ".out.csv"), strings.HasSuffix(lower, ".errors.csv"):
			// Our own outputs, should the trigger's prefix cover the output prefix.
			return batchAnswer{Input: in, Ignored: true, Reason: in + " is a batch output"}, nil
		}
		if prefix == "" {
			return nil, fmt.Errorf("%w: %s: BATCH_OUTPUT_PREFIX is not set, so there is nowhere to write the scores", runner.ErrS3Event, in)
		}
		if err := pred.ReloadIfStale(ctx, 0); err != nil && pred.Current() == nil {
			return nil, fmt.Errorf("load model: %w", err)
		}
		l := pred.Current()
		stem := strings.TrimSuffix(base, base[len(base)-len(".csv"):])
		dir := strings.TrimSuffix(prefix, "/") + "/"
		ans := batchAnswer{Input: in, Output: dir + stem + ".out.csv", Errors: dir + stem + ".errors.csv", ModelVersion: l.Version}
		res, err := bio.Run(ctx, l.Model, batch.Job{In: in, Out: ans.Output, Errors: ans.Errors}, batch.Options{})
		if err != nil {
			log.Error("batch failed", "input", in, "err", err.Error())
			return nil, err
		}
		ans.Result = res
		log.Info("batch scored", "input", in, "output", ans.Output, "rows", res.Rows, "bad", res.Bad, "model_version", l.Version)
		return ans, nil
	}
}
