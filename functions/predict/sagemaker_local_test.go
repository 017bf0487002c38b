package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildPredict builds the predict binary into a temporary directory.
func buildPredict(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "predict")
	out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// The built binary as SageMaker local mode starts the image: the argument
// serve, the port as a bare number (SageMaker's 8080; a free one here, so
// that parallel runs on one host do not collide), then GET /ping until 200
// and POST /invocations with headerless CSV.
func TestSageMakerLocalMode(t *testing.T) {
	root, version := sampleStore(t)
	bin := buildPredict(t)
	_, port, err := net.SplitHostPort(freeAddr(t))
	require.NoError(t, err)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PORT="+port, "MODEL_STORE="+root)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	base := "http://127.0.0.1:" + port
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(base + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		require.False(t, time.Now().After(deadline), "GET /ping: no 200 within 60s: %v\n%s", err, logs.String())
		time.Sleep(20 * time.Millisecond)
	}

	records := []map[string]any{referenceRecord, otherRecords[0], otherRecords[1]}
	var body strings.Builder
	var want []float64
	for _, r := range records {
		body.WriteString(csvLine(r))
		want = append(want, modelPrediction(t, root, r))
	}
	status, h, got := send(t, "POST", base+"/invocations", ctHeader("text/csv"), body.String())
	require.Equal(t, http.StatusOK, status, "%s", got)
	assert.Equal(t, version, h.Get("X-Model-Version"))
	assert.Equal(t, strconv.Itoa(len(records)), strconv.Itoa(bytes.Count(got, []byte{'\n'})), "one line a record: %s", got)
	assert.InDeltaSlice(t, want, floatLines(t, got), 1e-9)
}
