package batch_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// BenchmarkSplit is the planner's one pass over a file (1,000,000
// generated rows, in memory): the rate that bounds how large one plan
// can be within Lambda's 15 minutes, S3's read rate aside.
func BenchmarkSplit(b *testing.B) {
	data := generatedB(b, 1000000, 7)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := batch.Split(bytes.NewReader(data), int64(len(data)), 16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScorePart is one shard of 250,000 rows scored through S3
// (versitygw on loopback): ranged GETs of the header and the shard, the
// scoring, the part and errors uploads and the done record; the per-shard
// rate docs/bulk-scoring.md scales to a billion rows.
func BenchmarkScorePart(b *testing.B) {
	srv := s3test.Start(b)
	c := srv.Client()
	srv.Bucket(b, "data")
	m, _ := modeltest.Fit(b, "m", "sample", 1)
	const rows = 250000
	data := generatedB(b, rows, 7)
	srv.Put(b, "data", "in.csv", data)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		// A new work prefix each time: nothing to reuse. The plan is not
		// timed (BenchmarkSplit times its pass).
		b.StopTimer()
		i++
		p, err := batch.PlanJob(ctx, c, m, "v1", batch.PlanRequest{Input: "s3://data/in.csv", Output: "s3://data/out.csv",
			Work: "s3://data/work/" + time.Now().Format("150405.000000000") + "/", Shards: 1}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		rs := manifestB(b, c, p)
		b.StartTimer()
		if _, err := batch.ScorePart(ctx, c, m, "v1", rs[0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
