package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// trainEventOrder is the order the sample events are sent in: a run first,
// so that versions and rollback have something to act on.
var trainEventOrder = []string{
	"train-schedule.json", "train-direct.json", "train-s3-put.json", "train-versions.json", "train-rollback.json",
}

// Every train event gives the same answer under the Runtime Interface
// Emulator as through train serve's invoke route, each against its own
// model store on versitygw, trained from the same S3 object.
func TestLambdaParity(t *testing.T) {
	lambdatest.Binary(t)
	srv := s3test.Start(t)
	srv.Bucket(t, "studentperf-data")
	srv.Bucket(t, "models")
	srv.Put(t, "studentperf-data", "students/train.csv", csvBytes(t, 1000, 3))

	paths, err := filepath.Glob(filepath.Join("..", "..", "events", "train-*.json"))
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	want := slices.Clone(trainEventOrder)
	slices.Sort(want)
	require.Equal(t, want, names, "every train event is sent, in trainEventOrder")

	common := []string{"DATA_URI=s3://studentperf-data/students/train.csv", "MODEL_NAME=student-math-score"}
	fn := lambdatest.BuildFunction(t, ".")
	emu := lambdatest.Start(t, fn, append(append(common, srv.Env()...), "MODEL_STORE=s3://models/rie"))
	getenv := s3Env(t, srv, "MODEL_STORE", "s3://models/local", "DATA_URI", "s3://studentperf-data/students/train.csv")
	base := serverWith(t, getenv)

	for _, name := range trainEventOrder {
		ev, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		require.NoError(t, err)
		status, fromRIE := emu.Invoke(t, ev)
		require.Equal(t, http.StatusOK, status, "%s: %s", name, fromRIE)
		resp, err := http.Post(base+runner.InvokePath, "application/json", bytes.NewReader(ev))
		require.NoError(t, err)
		local, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		assert.JSONEq(t, normalizeRun(t, local), normalizeRun(t, fromRIE), name)
		t.Logf("%s: %s", name, normalizeRun(t, fromRIE))
	}
}

var (
	versionName = regexp.MustCompile(`\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{12}`)
	storePrefix = regexp.MustCompile(`s3://models/(rie|local)`)
	timestamp   = regexp.MustCompile(`"(created|seconds|fit_seconds)":\s*("[^"]*"|[0-9.e+-]+)`)
)

// normalizeRun drops what two stores' runs of the same events cannot
// share: version names (they hold the time), timings and the store's
// prefix.
func normalizeRun(t *testing.T, b []byte) string {
	t.Helper()
	s := versionName.ReplaceAllString(string(b), "VERSION")
	s = storePrefix.ReplaceAllString(s, "s3://models/STORE")
	s = timestamp.ReplaceAllString(s, `"$1":0`)
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), "%s", s)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}
