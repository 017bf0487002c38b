package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

// invokeEnv runs `train invoke -event path` through run and decodes stdout.
func invokeEnv(t *testing.T, getenv func(string) string, path string) (map[string]any, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"invoke", "-event", path}, getenv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		return nil, err
	}
	var res map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &res), "invoke printed %q", out.String())
	return res, nil
}

func invoke(t *testing.T, store, path string) (map[string]any, error) {
	t.Helper()
	return invokeEnv(t, env("MODEL_STORE", store), path)
}

func eventFile(name string) string { return filepath.Join("..", "..", "events", name) }

// writeEvent writes an event body to a file and returns its path.
func writeEvent(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

func TestSampleEvents(t *testing.T) {
	store := t.TempDir()
	res, err := invoke(t, store, eventFile("train-schedule.json"))
	require.NoError(t, err)
	assert.Equal(t, true, res["pushed"], "scheduled event: %v", res)
	assert.NotEmpty(t, res["version"])
	assert.Contains(t, res["report"], "/versions/", "%v", res)
	first, _ := currentModel(t, store)

	// The direct payload asks for the same data and seed: the same model,
	// so it is rightly not pushed again.
	res, err = invoke(t, store, eventFile("train-direct.json"))
	require.NoError(t, err)
	assert.Equal(t, false, res["pushed"])
	assert.Contains(t, res["reason"], "same sha256")
	assert.Contains(t, res["report"], "/runs/", "a refused run's report is under runs/: %v", res)
	assert.FileExists(t, fmt.Sprint(res["report"]))
	cur, _ := currentModel(t, store)
	assert.Equal(t, first.Version, cur.Version, "current moved after an identical model")

	// The S3 upload names s3://studentperf-data/students/train.csv, outside
	// what this configuration (DATA_URI=sample) lets an event name.
	before := snapshot(t, store)
	_, err = invoke(t, store, eventFile("train-s3-put.json"))
	require.ErrorIs(t, err, errForbidden)
	assert.Contains(t, err.Error(), "s3://studentperf-data/students/train.csv")
	sameTree(t, before, snapshot(t, store))

	// versions, then rollback with nothing older: refused, store untouched.
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"invoke", "-event", eventFile("train-versions.json")}, env("MODEL_STORE", store), nil, &out, io.Discard))
	var vs []versionInfo
	require.NoError(t, json.Unmarshal(out.Bytes(), &vs))
	require.Len(t, vs, 1)
	assert.True(t, vs[0].Current)
	_, err = invoke(t, store, eventFile("train-rollback.json"))
	require.ErrorIs(t, err, errRollback)
	sameTree(t, before, snapshot(t, store))
}

func TestEventErrors(t *testing.T) {
	cases := map[string]string{
		"not an object":         `[1,2]`,
		"unknown member":        `{"data":"sample","colour":"red"}`,
		"bad fraction":          `{"test_fraction":1.5}`,
		"two S3 records":        `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"},{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}`,
		"S3 delete":             `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`,
		"bad detail":            `{"detail-type":"Scheduled Event","source":"aws.events","detail":{"seed":"x"}}`,
		"bad EventBridge time":  `{"detail-type":"Scheduled Event","source":"aws.events","time":"noon"}`,
		"S3 key not encoded":    `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"100%.csv"}}}]}`,
		"unknown command":       `{"command":"explode"}`,
		"versions with options": `{"command":"versions","data":"sample"}`,
		"rollback bad target":   `{"command":"rollback","to":"../x"}`,
		"to in a run":           `{"to":"v1"}`,
		"lower min_r2":          `{"min_r2":0.1}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			store := t.TempDir()
			_, err := invoke(t, store, writeEvent(t, body))
			require.Error(t, err)
			entries, _ := os.ReadDir(store)
			assert.Empty(t, entries, "store touched by a rejected event")
		})
	}
	_, err := invoke(t, t.TempDir(), filepath.Join(t.TempDir(), "missing.json"))
	require.ErrorContains(t, err, "missing.json")
}

// A non-CSV upload starts no run and says why.
func TestS3EventForANonCSVIsIgnored(t *testing.T) {
	store := t.TempDir()
	res, err := invokeEnv(t, env("MODEL_STORE", store, "DATA_URI", "s3://studentperf-data/students/train.csv"),
		writeEvent(t, `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"studentperf-data"},"object":{"key":"students/notes+2025.txt"}}}]}`))
	require.NoError(t, err)
	assert.Equal(t, true, res["ignored"])
	assert.Contains(t, res["reason"], "s3://studentperf-data/students/notes 2025.txt is not a .csv object")
	entries, _ := os.ReadDir(store)
	assert.Empty(t, entries)
}

// server runs train serve on a free loopback port and returns its URL.
func server(t *testing.T, kv ...string) string {
	t.Helper()
	return serverWith(t, env(kv...))
}

// serverWith is server with a getenv of its own; PORT is set here.
func serverWith(t *testing.T, getenv func(string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	withPort := func(k string) string {
		if k == "PORT" {
			return addr
		}
		return getenv(k)
	}
	go func() {
		done <- run(ctx, []string{"serve"}, withPort, nil, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "server")
	})
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "server not up")
	return base
}

func post(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestServeTrainsOverHTTP(t *testing.T) {
	dataDir := t.TempDir()
	good := generated(t, 3000, 5)
	require.NoError(t, os.Rename(good, filepath.Join(dataDir, "students.csv")))
	store := t.TempDir()
	base := server(t, "MODEL_STORE", store, "DATA_URI", filepath.Join(dataDir, "students.csv"))
	cases := []struct {
		body   string
		status int
	}{
		{`{"data":"synthetic:3000","seed":3}`, 200},
		{`{"data":"synthetic:3000","seed":3}`, 200}, // the same model: not pushed, still 200
		{`{}`, 200}, // the configured data
		{`{"data":`, 400},
		{`{"seeds":3}`, 400},
		{`{"data":"` + filepath.Join(dataDir, "nonexistent.csv") + `"}`, 400},
		{`{"data":"synthetic:0"}`, 400},
		{`{"data":"synthetic:1"}`, 400}, // too few rows to fold and judge
		{`{"data":"synthetic:3000","min_r2":0.99}`, 422},
		{`{"command":"versions"}`, 400}, // commands are for direct payloads
	}
	for i, c := range cases {
		status, m := post(t, base+"/train", "", c.body)
		assert.Equal(t, c.status, status, "case %d %s: %v", i, c.body, m)
		if status != 200 {
			assert.NotEmpty(t, m["error"], "case %d: an error body names the error", i)
		}
	}
	// The same event through the invoke route, as under Lambda.
	ev, err := os.ReadFile(eventFile("train-direct.json"))
	require.NoError(t, err)
	status, res := post(t, base+"/2015-03-31/functions/function/invocations", "", string(ev))
	assert.Equal(t, 200, status)
	assert.NotNil(t, res["pushed"], "invoke route: %v", res)
}

// The requests a new user would try, each refused with the rule it
// breaks, and the store byte for byte as it was.
func TestServeRefusesWhatTheOperatorDidNotAllow(t *testing.T) {
	dataDir := t.TempDir()
	require.NoError(t, os.Rename(generated(t, 2000, 5), filepath.Join(dataDir, "students.csv")))
	// poison.csv: every math score 0. In the allowed folder, so only the
	// gate rule stands between it and current.json.
	b, err := os.ReadFile(filepath.Join(dataDir, "students.csv"))
	require.NoError(t, err)
	var poison strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i > 0 {
			cells := strings.Split(line, ",")
			cells[5] = "0" // math_score in the generator's column order
			line = strings.Join(cells, ",")
		}
		poison.WriteString(line + "\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "poison.csv"), []byte(poison.String()), 0o644))
	outside := filepath.Join(t.TempDir(), "elsewhere.csv")
	require.NoError(t, os.WriteFile(outside, b, 0o644))
	link := filepath.Join(dataDir, "link.csv")
	require.NoError(t, os.Symlink(outside, link))

	store := t.TempDir()
	out, err := runTrain(t, env(), "-store", store, "-data", filepath.Join(dataDir, "students.csv"))
	require.NoError(t, err, out)
	before := snapshot(t, store)

	base := server(t, "MODEL_STORE", store, "DATA_URI", filepath.Join(dataDir, "students.csv"))
	poisonPath := filepath.Join(dataDir, "poison.csv")
	cases := map[string]struct {
		body, rule string
	}{
		"poisoning":          {`{"data":"` + poisonPath + `","test_data":"` + poisonPath + `","min_r2":-100}`, "may raise MIN_R2 but not lower it"},
		"/etc/passwd":        {`{"data":"/etc/passwd"}`, "outside the data sources"},
		"traversal":          {`{"data":"` + dataDir + `/../../../etc/passwd"}`, "outside the data sources"},
		"a symlink out":      {`{"data":"` + link + `"}`, "outside the data sources"},
		"another folder":     {`{"data":"` + outside + `"}`, "outside the data sources"},
		"another bucket":     {`{"data":"s3://someone-elses-bucket/students.csv"}`, "outside the data sources"},
		"a billion rows":     {`{"data":"synthetic:1000000000"}`, "over the limit of 1000000"},
		"test data too":      {`{"test_data":"/etc/hostname"}`, "test_data"},
		"another scheme":     {`{"data":"http://127.0.0.1:1/x.csv"}`, "unsupported data source"},
		"lower min_r2 alone": {`{"min_r2":0.5}`, "not lower it below the configured 0.6"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, m := post(t, base+"/train", "", c.body)
			assert.Equal(t, http.StatusForbidden, status, "%v", m)
			assert.Contains(t, m["error"], c.rule)
			sameTree(t, before, snapshot(t, store))
		})
	}
	// The same rules hold for a direct payload through the invoke route.
	status, m := post(t, base+"/2015-03-31/functions/function/invocations", "", `{"data":"/etc/passwd"}`)
	assert.Equal(t, 200, status, "the invoke route answers function errors as Lambda does")
	assert.Contains(t, m["errorMessage"], "outside the data sources")
	// Raising the gate is allowed.
	status, m = post(t, base+"/train", "", `{"min_r2":0.7}`)
	assert.Equal(t, 200, status, "%v", m)
	sameTree(t, before, snapshot(t, store))
}

func TestServeNeedsATokenOffLoopback(t *testing.T) {
	_, err := runTrain(t, env("PORT", "0.0.0.0:0"), "serve", "-store", t.TempDir())
	require.Error(t, err)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, err.Error(), "TRAIN_TOKEN")

	cfg, err := loadConfig("serve", nil, env("PORT", "8080"), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", cfg.Addr, "a bare port listens on loopback")
	cfg, err = loadConfig("serve", nil, env("PORT", ":8080", "TRAIN_TOKEN", "s3cret"), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":8080", cfg.Addr)
}

func TestServeChecksTheToken(t *testing.T) {
	store := t.TempDir()
	base := server(t, "MODEL_STORE", store, "TRAIN_TOKEN", "s3cret-token")
	for _, token := range []string{"", "wrong", "s3cret-tokenX", "s3cret"} {
		status, m := post(t, base+"/train", token, `{}`)
		assert.Equal(t, http.StatusUnauthorized, status, "token %q", token)
		assert.Contains(t, m["error"], "Bearer")
		status, _ = post(t, base+"/2015-03-31/functions/function/invocations", token, `{}`)
		assert.Equal(t, http.StatusUnauthorized, status, "invoke route, token %q", token)
	}
	entries, _ := os.ReadDir(store)
	assert.Empty(t, entries, "nothing ran")
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "health stays open")
	status, m := post(t, base+"/train", "s3cret-token", `{"data":"synthetic:2000"}`)
	assert.Equal(t, 200, status, "%v", m)
}
