package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/pusher"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// pushS3 pushes OLS fitted on uri into the S3 store as train would and
// returns the version.
func pushS3(t *testing.T, s modelstore.Store, uri string, seed uint64) string {
	t.Helper()
	m, tab := fitModel(t, uri, seed)
	b, err := model.Encode(m)
	require.NoError(t, err)
	ctx := context.Background()
	base, err := pusher.ReadBase(ctx, s, m.Name)
	require.NoError(t, err)
	dec, err := pusher.Push(ctx, s, m.Name, pusher.Candidate{
		Base: base, Model: m, Bytes: b, Test: tab, Now: time.Now(),
		Metrics: &model.Metrics{Selected: m.Estimator.Name, Test: metrics.Regression{R2: 2}},
		Report:  func(*model.Metrics) ([]byte, error) { return []byte("<html></html>"), nil },
	}, pusher.Policy{MinR2: -1})
	require.NoError(t, err)
	require.True(t, dec.Pushed, dec.Reason)
	return dec.Version
}

// s3ServerEnv is predict's environment for a store on srv.
func s3ServerEnv(srv *s3test.Server, kv ...string) map[string]string {
	env := map[string]string{"MODEL_STORE": "s3://models/prod", s3EndpointEnv: srv.Endpoint(), "LOG_LEVEL": "debug"}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

const s3EndpointEnv = "AWS_ENDPOINT_URL_S3"

func readyState(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	status, _, body := send(t, "GET", base+"/readyz", nil, "")
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "%s", body)
	return status, m
}

// S3 down when predict starts: not ready, saying why; ready soon after S3
// comes back (the predictor retries with backoff capped at 1 s).
func TestS3DownAtStart(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "models")
	version := pushS3(t, srv.Store("models", "prod"), "sample", 1)
	srv.Stop(t)

	base, _ := startServer(t, s3ServerEnv(srv))
	status, m := readyState(t, base)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "unreachable", m["store"], "%v", m)
	assert.Contains(t, m["error"], "model store unreachable")
	status, _, body := send(t, "POST", base+"/predict", ctHeader("application/json"), referenceJSON)
	assert.Equal(t, http.StatusServiceUnavailable, status, "%s", body)

	srv.Restart(t)
	back := time.Now()
	waitFor(t, 10*time.Second, "ready after S3 came back", func() bool {
		status, _ := readyState(t, base)
		return status == http.StatusOK
	})
	took := time.Since(back)
	t.Logf("ready %v after S3 came back", took.Round(time.Millisecond))
	// The bound is the backoff cap (1 s) plus one S3 round trip; twice
	// that leaves room for a loaded machine.
	assert.Less(t, took, 4*time.Second)
	assert.Equal(t, version, predictOne(t, base, referenceJSON).ModelVersion)
}

// S3 going away while serving: not one prediction fails; /readyz and the
// metrics say the store is unreachable; the store coming back is seen.
func TestS3GoesAwayWhileServing(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "models")
	version := pushS3(t, srv.Store("models", "prod"), "sample", 1)
	base, _ := startServer(t, s3ServerEnv(srv, "RELOAD_INTERVAL", "100ms"))
	waitFor(t, 10*time.Second, "ready", func() bool { s, _ := readyState(t, base); return s == 200 })

	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Post(base+"/predict", "application/json", strings.NewReader(referenceJSON))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && resp.Header.Get("X-Model-Version") == version {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	srv.Stop(t)
	waitFor(t, 10*time.Second, "readyz to say the store is unreachable", func() bool {
		_, m := readyState(t, base)
		return m["store"] == "unreachable"
	})
	status, m := readyState(t, base)
	assert.Equal(t, http.StatusOK, status, "still ready: the loaded model serves (%v)", m)
	assert.Equal(t, version, m["model_version"])
	_, _, metrics := send(t, "GET", base+"/metrics", nil, "")
	assert.Contains(t, string(metrics), "predict_model_store_up 0")
	time.Sleep(300 * time.Millisecond)
	srv.Restart(t)
	waitFor(t, 10*time.Second, "readyz to see the store again", func() bool {
		_, m := readyState(t, base)
		return m["store"] == "ok"
	})
	close(stop)
	wg.Wait()
	t.Logf("predictions while S3 went away and came back: %d ok, %d failed", ok.Load(), failed.Load())
	assert.Zero(t, failed.Load(), "failed predictions")
	assert.Positive(t, ok.Load())
}

// A corrupt model.json on S3 is refused and the previous model serves on.
func TestS3CorruptModelRefused(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "models")
	store := srv.Store("models", "prod")
	version := pushS3(t, store, "sample", 1)
	base, logs := startServer(t, s3ServerEnv(srv, "RELOAD_INTERVAL", "100ms"))
	before := predictOne(t, base, referenceJSON)
	require.Equal(t, version, before.ModelVersion)

	// A new version whose model.json was damaged after its sha256 was
	// taken: written and pointed at directly, as a fault would leave it.
	ctx := context.Background()
	b := modeltestEncoded(t, 2)
	newer := modelstore.NewVersion(time.Now(), model.Sum(b))
	damaged := append(append([]byte{}, b[:len(b)/2]...), "garbage"...)
	require.NoError(t, store.WriteVersion(ctx, "student-math-score", newer, map[string][]byte{"model.json": damaged}))
	cur, err := store.Current(ctx, "student-math-score")
	require.NoError(t, err)
	require.NoError(t, store.SetCurrent(ctx, "student-math-score",
		modelstore.Pointer{Version: newer, SHA256: model.Sum(b), Model: "student-math-score"}, cur.Rev))

	waitFor(t, 10*time.Second, `"refused" in the log`, func() bool { return strings.Contains(logs.String(), "refused") })
	after := predictOne(t, base, referenceJSON)
	assert.Equal(t, before, after, "the previous model keeps serving")
	_, m := readyState(t, base)
	assert.Equal(t, newer, m["refused_version"])
}

func modeltestEncoded(t *testing.T, seed uint64) []byte {
	t.Helper()
	m, _ := fitModel(t, "synthetic:500", seed)
	b, err := model.Encode(m)
	require.NoError(t, err)
	return b
}

// Every predict event gives the same answer under the Runtime Interface
// Emulator as through the local invoke route, with the model on S3.
func TestS3LambdaParity(t *testing.T) {
	lambdatest.Binary(t)
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "models")
	srv.Bucket(t, "studentperf-data")
	pushS3(t, srv.Store("models", "prod"), "sample", 1)
	toScore := generated(t, 2000, 11)
	srv.Put(t, "studentperf-data", "to-score/next term.csv", toScore)
	fn := lambdatest.BuildFunction(t, ".")
	env := s3ServerEnv(srv, "BATCH_OUTPUT_PREFIX", "s3://studentperf-data/scored/")
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	emu := lambdatest.Start(t, fn, append(kv, srv.Env()...))
	base, _ := startServer(t, env)

	paths, err := filepath.Glob(filepath.Join("..", "..", "events", "predict-*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			ev, err := os.ReadFile(p)
			require.NoError(t, err)
			status, fromRIE := emu.Invoke(t, ev)
			require.Equal(t, http.StatusOK, status, "%s", fromRIE)
			status, _, fromLocal := send(t, "POST", base+runner.InvokePath, ctHeader("application/json"), string(ev))
			require.Equal(t, http.StatusOK, status, "%s", fromLocal)
			assert.JSONEq(t, normalizeAnswer(t, fromLocal), normalizeAnswer(t, fromRIE))
		})
	}
	// The batch event scored the uploaded object into the output prefix,
	// with the scores the JSON API gives the same rows.
	var ans batchAnswer
	_, fromRIE := emu.Invoke(t, readEventFile(t, "predict-s3-batch.json"))
	require.NoError(t, json.Unmarshal(fromRIE, &ans), "%s", fromRIE)
	assert.Equal(t, "s3://studentperf-data/to-score/next term.csv", ans.Input)
	assert.Equal(t, "s3://studentperf-data/scored/next term.out.csv", ans.Output)
	assert.Equal(t, 2000, ans.Scored)
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: ptr("studentperf-data"), Key: ptr("scored/next term.out.csv")})
	require.NoError(t, err)
	scored, err := io.ReadAll(out.Body)
	out.Body.Close()
	require.NoError(t, err)
	assertScoresMatchAPI(t, base, toScore, scored)
}

func ptr(s string) *string { return &s }

// assertScoresMatchAPI checks that each scored row's math_score is what
// POST /predict answers for the row as a JSON record, bit for bit.
func assertScoresMatchAPI(t *testing.T, base string, in, scored []byte) {
	t.Helper()
	inRecs, err := csv.NewReader(bytes.NewReader(in)).ReadAll()
	require.NoError(t, err)
	outRecs, err := csv.NewReader(bytes.NewReader(scored)).ReadAll()
	require.NoError(t, err)
	require.Len(t, outRecs, len(inRecs))
	col := len(outRecs[0]) - 1
	var instances []map[string]any
	for _, rec := range inRecs[1:] {
		inst := map[string]any{}
		for j, name := range inRecs[0] {
			switch name {
			case "reading_score", "writing_score":
				v, err := strconv.ParseFloat(rec[j], 64)
				require.NoError(t, err)
				inst[name] = v
			case "math_score":
			default:
				inst[name] = rec[j]
			}
		}
		instances = append(instances, inst)
	}
	body, err := json.Marshal(map[string]any{"instances": instances})
	require.NoError(t, err)
	status, _, resp := send(t, "POST", base+"/predict", ctHeader("application/json"), string(body))
	require.Equal(t, http.StatusOK, status, "%s", resp)
	var got struct{ Predictions []float64 }
	require.NoError(t, json.Unmarshal(resp, &got))
	require.Len(t, got.Predictions, len(outRecs)-1)
	for i, rec := range outRecs[1:] {
		v, err := strconv.ParseFloat(rec[col], 64)
		require.NoError(t, err)
		require.Equal(t, got.Predictions[i], v, "row %d", i+1)
	}
}

func generated(t *testing.T, n int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, dataset.Generate(&b, n, seed))
	return b.Bytes()
}

var requestIDs = regexp.MustCompile(`(?i)"(x-request-id|request_id|requestId)"\s*:\s*"[^"]*"`)

// normalizeAnswer drops what differs between two invocations of the same
// event: request ids. A Lambda HTTP answer's body is itself JSON text,
// decoded here so the comparison ignores key order.
func normalizeAnswer(t *testing.T, b []byte) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	if body, ok := m["body"].(string); ok {
		m["body"] = requestIDs.ReplaceAllString(body, `"$1":"ID"`)
	}
	for _, h := range []string{"headers", "multiValueHeaders"} {
		if hs, ok := m[h].(map[string]any); ok {
			for k := range hs {
				if strings.EqualFold(k, "X-Request-Id") {
					hs[k] = "ID"
				}
			}
		}
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}
