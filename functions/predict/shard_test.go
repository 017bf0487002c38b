package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// invokeEvent runs `predict invoke -event -` on event with env.
func invokeEvent(t *testing.T, env map[string]string, event string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"invoke", "-event", "-"}, func(k string) string { return env[k] }, strings.NewReader(event), &out, &errOut)
	return out.String(), err
}

// The three commands of the bulk-scoring state machine, as it sends them
// (a manifest line as score-range's range), write what `predict batch`
// writes for the whole file, bad rows included.
func TestShardCommandsMatchPredictBatch(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "data")
	store := batchStore(t)
	env := map[string]string{"MODEL_STORE": store, s3EndpointEnv: srv.Endpoint(), "LOG_LEVEL": "error"}

	var b strings.Builder
	b.WriteString(batchHeader)
	for i := range 3000 {
		switch i % 700 {
		case 40:
			b.WriteString("female,group B,bachelor's degree,standard,none,7x2,74\n")
		case 41:
			b.WriteString("female,\"group\nB\",bachelor's degree,standard,none,70,74\n")
		default:
			b.WriteString("female,group B,bachelor's degree,standard,none,72,74\n")
		}
	}
	data := []byte(b.String())
	srv.Put(t, "data", "in.csv", data)
	dir := t.TempDir()
	in, wantOut, wantErrs := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "errors.csv")
	require.NoError(t, os.WriteFile(in, data, 0o644))
	_, stderr, err := runBatchCmd(t, store, "", "-in", in, "-out", wantOut, "-errors", wantErrs)
	require.NoError(t, err, stderr)

	out, err := invokeEvent(t, env, `{"command":"plan","job":{"input":"s3://data/in.csv","output":"s3://data/out.csv","errors":"s3://data/errors.csv","work":"s3://data/work/","shards":5}}`)
	require.NoError(t, err)
	var plan batch.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &plan))
	require.Equal(t, 5, plan.Ranges)
	c := srv.Client()
	mo, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &plan.ManifestBucket, Key: &plan.ManifestKey})
	require.NoError(t, err)
	manifest, err := io.ReadAll(mo.Body)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(manifest)), "\n")
	require.Len(t, lines, 5)
	for _, line := range lines {
		out, err := invokeEvent(t, env, `{"command":"score-range","range":`+line+`}`)
		require.NoError(t, err)
		assert.Contains(t, out, `"reused":false`)
	}
	out, err = invokeEvent(t, env, `{"command":"assemble","run":"`+plan.Run+`"}`)
	require.NoError(t, err)
	var sum batch.Summary
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	assert.Equal(t, 3000, sum.Rows)
	assert.Equal(t, 10, sum.Bad)
	for key, want := range map[string]string{"out.csv": wantOut, "errors.csv": wantErrs} {
		w, err := os.ReadFile(want)
		require.NoError(t, err)
		o, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &plan.ManifestBucket, Key: &key})
		require.NoError(t, err)
		got, err := io.ReadAll(o.Body)
		require.NoError(t, err)
		assert.Equal(t, string(w), string(got), key)
	}
}

// Bad commands are EventErrors naming the problem; other events still
// reach the HTTP and S3 handlers.
func TestShardCommandsRefuseBadPayloads(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "data")
	env := map[string]string{"MODEL_STORE": batchStore(t), s3EndpointEnv: srv.Endpoint(), "LOG_LEVEL": "error"}
	for payload, want := range map[string]string{
		`{"command":"plan","job":{"input":"s3://data/in.csv","output":"s3://data/o.csv","work":"s3://data/w/","shards":0}}`: "shards 0: want 1 to 10000",
		`{"command":"plan","job":{"input":"s3://data/in.csv","shards":2,"wrok":"x"}}`:                                       `unknown field "wrok"`,
		`{"command":"plan"}`:                             "no job",
		`{"command":"score-range"}`:                      "no range",
		`{"command":"assemble","run":"s3://data/none/"}`: "no run.json",
		`{"command":"plan","job":{"input":"s3://data/missing.csv","output":"s3://data/o.csv","work":"s3://data/w/","shards":2}}`: "missing.csv",
	} {
		_, err := invokeEvent(t, env, payload)
		require.Error(t, err, payload)
		assert.Contains(t, err.Error(), want, payload)
	}
	_, err := invokeEvent(t, env, `{"command":"plan","job":{"input":"s3://data/in.csv","output":"s3://data/o.csv","work":"s3://data/w/","shards":0}}`)
	var ee *runner.EventError
	assert.ErrorAs(t, err, &ee, "an EventError, which the state machine does not retry")
	_, err = invokeEvent(t, env, `{"command":"rollback"}`)
	assert.ErrorContains(t, err, "unrecognised event", "not ours: the HTTP adapter says what it is")
}
