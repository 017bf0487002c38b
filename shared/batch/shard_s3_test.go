package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

func getObject(t testing.TB, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	require.NoError(t, err, "get %s/%s", bucket, key)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return b
}

// manifest reads a plan's JSONL manifest.
func manifest(t *testing.T, c *s3.Client, p batch.Plan) []batch.Range { return manifestB(t, c, p) }

func manifestB(t testing.TB, c *s3.Client, p batch.Plan) []batch.Range {
	t.Helper()
	var rs []batch.Range
	dec := json.NewDecoder(bytes.NewReader(getObject(t, c, p.ManifestBucket, p.ManifestKey)))
	for dec.More() {
		var r batch.Range
		require.NoError(t, dec.Decode(&r))
		rs = append(rs, r)
	}
	return rs
}

// runJob plans, scores every range and assembles, as the state machine does.
func runJob(t *testing.T, c *s3.Client, m *model.Model, req batch.PlanRequest, o batch.AssembleOptions) (batch.Plan, []batch.PartResult, batch.Summary, error) {
	t.Helper()
	ctx := context.Background()
	p, err := batch.PlanJob(ctx, c, m, "v1", req, time.Now())
	require.NoError(t, err)
	var parts []batch.PartResult
	for _, r := range manifest(t, c, p) {
		pr, err := batch.ScorePart(ctx, c, m, "v1", r)
		require.NoError(t, err)
		parts = append(parts, pr)
	}
	sum, err := batch.Assemble(ctx, c, p.Run, time.Now(), o)
	return p, parts, sum, err
}

// On a real S3 server: the planner, the part handler and the assembly give
// the bytes Score gives for the whole file; parts big enough are copied
// inside S3 (UploadPartCopy), small ones gathered; a second run reuses
// every part.
func TestShardedJobOnS3MatchesTheWholeFile(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	data := []byte(strings.Repeat(strings.TrimPrefix(edgy("\r\n"), noteHeader+"\r\n"), 30000))
	data = append([]byte(noteHeader+"\r\n"), data...)
	srv.Put(t, "data", "in/big.csv", data)
	wantOut, wantErrs, wantRes, err := whole(t, m, data)
	require.NoError(t, err)
	require.Positive(t, wantRes.Bad)

	req := batch.PlanRequest{Input: "s3://data/in/big.csv", Output: "s3://data/out/big.csv", Errors: "s3://data/out/big.errors.csv", Work: "s3://data/work/", Shards: 4}
	// Parts of about 4.5 MiB, copies of at most 6 MiB: some bytes are
	// copied, some gathered (the server holds to S3's 5 MiB minimum).
	o := batch.AssembleOptions{MaxPart: 6 << 20, Workers: 3}
	p, parts, sum, err := runJob(t, c, m, req, o)
	require.NoError(t, err)
	assert.Equal(t, 4, p.Ranges)
	assert.Equal(t, wantOut, string(getObject(t, c, "data", "out/big.csv")))
	assert.Equal(t, wantErrs, string(getObject(t, c, "data", "out/big.errors.csv")))
	assert.Equal(t, batch.Summary{Rows: wantRes.Rows, Scored: wantRes.Scored, Bad: wantRes.Bad, Files: 1, Parts: 4, Seconds: sum.Seconds,
		ModelVersion: "v1", Outputs: []string{req.Output}, Errors: []string{req.Errors}}, sum)
	for _, pr := range parts {
		assert.False(t, pr.Reused)
	}

	// The same request again: the same run, every part reused.
	p2, parts2, _, err := runJob(t, c, m, req, o)
	require.NoError(t, err)
	assert.Equal(t, p.Run, p2.Run)
	for _, pr := range parts2 {
		assert.True(t, pr.Reused, "part %d", pr.Part)
	}
	assert.Equal(t, wantOut, string(getObject(t, c, "data", "out/big.csv")))
}

// With S3's real 5 MiB minimum: a 12 MiB file in 3 shards is copied part
// by part, in the server, and comes out the same.
func TestAssembleCopiesPartsInsideS3(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	data := generated(t, 150000, 5)
	srv.Put(t, "data", "in.csv", data)
	wantOut, _, _, err := whole(t, m, data)
	require.NoError(t, err)
	_, _, sum, err := runJob(t, c, m, batch.PlanRequest{Input: "s3://data/in.csv", Output: "s3://data/out.csv", Work: "s3://data/work/", Shards: 3}, batch.AssembleOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Parts)
	assert.Equal(t, wantOut, string(getObject(t, c, "data", "out.csv")))
}

// Without an errors object, bad rows fail the job as `predict batch` does
// without -errors, naming the first bad row, and nothing is written.
func TestAssembleWithoutErrorsFailsOnTheFirstBadRow(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	data := []byte(edgy("\n"))
	srv.Put(t, "data", "in.csv", data)
	var out bytes.Buffer
	_, werr := batch.Score(context.Background(), m, bytes.NewReader(data), &out, batch.Options{})
	require.Error(t, werr)
	_, _, _, err := runJob(t, c, m, batch.PlanRequest{Input: "s3://data/in.csv", Output: "s3://data/out.csv", Work: "s3://data/work/", Shards: 3}, batch.AssembleOptions{})
	require.ErrorIs(t, err, batch.ErrBadRow)
	assert.Equal(t, "s3://data/in.csv: "+werr.Error(), err.Error())
	_, err = c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("out.csv")})
	assert.Error(t, err, "no output")
}

// A prefix input plans every .csv under it (but outputs), each scored into
// BASE.out.csv and BASE.errors.csv under the output prefix.
func TestPlanPrefix(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	a, b := generated(t, 100, 1), []byte(edgy("\n"))
	srv.Put(t, "data", "in/a.csv", a)
	srv.Put(t, "data", "in/b.CSV", b)
	srv.Put(t, "data", "in/a.out.csv", a)
	srv.Put(t, "data", "in/notes.txt", []byte("x"))
	_, _, sum, err := runJob(t, c, m, batch.PlanRequest{Input: "s3://data/in/", Output: "s3://data/out/", Work: "s3://data/work/", Shards: 2}, batch.AssembleOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"s3://data/out/a.out.csv", "s3://data/out/b.out.csv"}, sum.Outputs)
	for name, in := range map[string][]byte{"a": a, "b": b} {
		wantOut, wantErrs, _, err := whole(t, m, in)
		require.NoError(t, err)
		assert.Equal(t, wantOut, string(getObject(t, c, "data", "out/"+name+".out.csv")), name)
		assert.Equal(t, wantErrs, string(getObject(t, c, "data", "out/"+name+".errors.csv")), name)
	}
}

// Requests that cannot be carried out are refused as such, before any
// work: retrying them would not help.
func TestShardRequestsRefused(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	srv.Put(t, "data", "in.csv", []byte("gender,lunch\nfemale,standard\n"))
	ctx := context.Background()
	for name, req := range map[string]batch.PlanRequest{
		"no shards":       {Input: "s3://data/in.csv", Output: "s3://data/o.csv", Work: "s3://data/w/", Shards: 0},
		"too many shards": {Input: "s3://data/in.csv", Output: "s3://data/o.csv", Work: "s3://data/w/", Shards: batch.MaxShards + 1},
		"work not prefix": {Input: "s3://data/in.csv", Output: "s3://data/o.csv", Work: "s3://data/w", Shards: 2},
		"output prefix":   {Input: "s3://data/in.csv", Output: "s3://data/o/", Work: "s3://data/w/", Shards: 2},
		"prefix, errors":  {Input: "s3://data/", Output: "s3://data/o/", Errors: "s3://data/e.csv", Work: "s3://data/w/", Shards: 2},
		"empty prefix":    {Input: "s3://data/none/", Output: "s3://data/o/", Work: "s3://data/w/", Shards: 2},
	} {
		_, err := batch.PlanJob(ctx, c, m, "v1", req, time.Now())
		assert.ErrorIs(t, err, batch.ErrShardRequest, name)
	}
	_, err := batch.PlanJob(ctx, c, m, "v1", batch.PlanRequest{Input: "s3://data/in.csv", Output: "s3://data/o.csv", Work: "s3://data/w/", Shards: 2}, time.Now())
	assert.ErrorIs(t, err, batch.ErrBadRow, "a header the model cannot score")
	assert.ErrorContains(t, err, `missing required column`)

	_, err = batch.ScorePart(ctx, c, m, "v2", batch.Range{Run: "s3://data/w/r/", ModelVersion: "v1"})
	assert.ErrorIs(t, err, batch.ErrShardRequest, "the model changed since the plan")
	_, err = batch.Assemble(ctx, c, "s3://data/w/nothing/", time.Now(), batch.AssembleOptions{})
	assert.ErrorIs(t, err, batch.ErrShardRequest, "no plan")
}
