package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/s3io"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
	"github.com/studentperf/studentperf/shared/testkit/studentdata"
)

// BenchmarkTrainStudS3 runs the whole pipeline on stud.csv from local
// files into a directory store, and from S3 into an S3 store (versitygw on
// loopback), in one run, so the two can be compared (target: S3 within
// 1.3x of local). Each iteration pushes into an empty store.
func BenchmarkTrainStudS3(b *testing.B) {
	stud := studentdata.Path(b, "stud.csv")
	data, err := os.ReadFile(stud)
	if err != nil {
		b.Fatal(err)
	}
	srv := s3test.Start(b)
	srv.Setenv(b)
	srv.Bucket(b, "data")
	srv.Bucket(b, "models")
	srv.Put(b, "data", "students/stud.csv", data)
	ctx := context.Background()
	openers := map[string]dataset.Opener{"s3": s3io.Opener(s3io.Options{Endpoint: srv.Endpoint()})}
	cfg := config{Model: "student-math-score", TestFraction: 0.2, Seed: 42, MinR2: 0.6, Folds: 5, openers: openers}

	b.Run("local", func(b *testing.B) {
		for b.Loop() {
			c := cfg
			c.Data, c.Store = stud, b.TempDir()
			if _, err := train(ctx, c, modelstore.NewDir(c.Store), io.Discard, time.Now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("s3", func(b *testing.B) {
		for b.Loop() {
			c := cfg
			c.Data, c.Store = "s3://data/students/stud.csv", "s3://models/bench-"+time.Now().Format("150405.000000000")
			store, err := modelstore.Open(ctx, c.Store, modelstore.Options{S3Endpoint: srv.Endpoint()})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := train(ctx, c, store, io.Discard, time.Now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
