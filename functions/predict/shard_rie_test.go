package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// The state machine's three payloads (events/sfn-*.json), sent as Step
// Functions sends them to the function under the Lambda emulator: the plan
// as it is, score-range with each line of the manifest the plan wrote (in
// the sample's shape), assemble with the plan's run. The output is what
// `predict batch` writes for the object.
func TestShardEventsUnderTheLambdaEmulator(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "studentperf-data")
	store := batchStore(t)
	data := generated(t, 2000, 11)
	srv.Put(t, "studentperf-data", "bulk/in/next term.csv", data)
	want, stderr, err := runBatchCmd(t, store, string(data), "-in", "-", "-out", "-")
	require.NoError(t, err, stderr)

	fn := lambdatest.BuildFunction(t, ".")
	emu := lambdatest.Start(t, fn, append(srv.Env(), "MODEL_STORE="+store, s3EndpointEnv+"="+srv.Endpoint()))
	invoke := func(ev []byte) []byte {
		t.Helper()
		status, out := emu.Invoke(t, ev)
		require.Equal(t, http.StatusOK, status, "%s", out)
		require.NotContains(t, string(out), "errorType", "%s", out)
		return out
	}
	var plan batch.Plan
	require.NoError(t, json.Unmarshal(invoke(readEventFile(t, "sfn-plan.json")), &plan))
	require.Equal(t, 4, plan.Ranges)

	// The sample score-range event has the fields a manifest line has.
	var sample struct {
		Range map[string]any `json:"range"`
	}
	require.NoError(t, json.Unmarshal(readEventFile(t, "sfn-score-range.json"), &sample))
	c := srv.Client()
	mo, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &plan.ManifestBucket, Key: &plan.ManifestKey})
	require.NoError(t, err)
	manifest, err := io.ReadAll(mo.Body)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		var item map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &item))
		assert.ElementsMatch(t, keys(sample.Range), keys(item), "events/sfn-score-range.json's range and a manifest line")
		invoke([]byte(`{"command":"score-range","range":` + line + `}`))
	}
	var asm map[string]any
	require.NoError(t, json.Unmarshal(readEventFile(t, "sfn-assemble.json"), &asm))
	asm["run"] = plan.Run
	ev, err := json.Marshal(asm)
	require.NoError(t, err)
	var sum batch.Summary
	require.NoError(t, json.Unmarshal(invoke(ev), &sum))
	assert.Equal(t, 2000, sum.Scored)
	key := "bulk/out/next term.csv"
	o, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &plan.ManifestBucket, Key: &key})
	require.NoError(t, err)
	got, err := io.ReadAll(o.Body)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}
