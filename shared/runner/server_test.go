package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/runner"
)

// startServer runs s.ListenAndServe on 127.0.0.1:0 (unless s.Addr is set) until the returned cancel is
// called or the test ends, and returns its base URL and the channel ListenAndServe's result arrives on.
func startServer(t *testing.T, s *runner.Server) (url string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	if s.Addr == "" {
		s.Addr = "127.0.0.1:0"
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	var readyCalls atomic.Int32
	ready := make(chan net.Addr, 1)
	s.Ready = func(a net.Addr) {
		readyCalls.Add(1)
		ready <- a
	}
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		result <- s.ListenAndServe(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(15 * time.Second):
			t.Error("ListenAndServe did not return after cancel")
		}
		assert.Equal(t, int32(1), readyCalls.Load(), "times Ready was called")
	})
	select {
	case a := <-ready:
		return "http://" + a.String(), cancel, result
	case <-finished:
		require.Fail(t, "ListenAndServe returned before it was ready", "%v", <-result)
	case <-time.After(10 * time.Second):
		require.Fail(t, "server not ready after 10s")
	}
	return "", cancel, result
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func TestServerRoutes(t *testing.T) {
	routes := http.NewServeMux()
	routes.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	routes.Handle("POST /predict", echoHandler())
	url, _, _ := startServer(t, &runner.Server{Handler: routes, Events: runner.HTTPEvents(routes)})

	t.Run("route", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, url+"/healthz", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "GET /healthz")
		assert.Equal(t, "ok", body, "GET /healthz")
	})
	t.Run("direct request", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+"/predict?verbose=true", strings.NewReader(predictBody), "Content-Type", "application/json", "X-Amzn-Trace-Id", "Root=1-6745d8a9-3c4f1e2a7b9d0c5e8f1a2b3c")
		require.Equal(t, http.StatusCreated, resp.StatusCode, "POST /predict")
		wantEcho(t, body)
	})
	t.Run("invoke route", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+runner.InvokePath, bytes.NewReader(readTestdata(t, "function-url.json")))
		require.Equal(t, http.StatusOK, resp.StatusCode, "invoke")
		require.Empty(t, resp.Header.Get("X-Amz-Function-Error"), "invoke: X-Amz-Function-Error")
		var r events.APIGatewayV2HTTPResponse
		require.NoError(t, json.Unmarshal([]byte(body), &r), "invoke body %s", body)
		assert.Equal(t, http.StatusCreated, r.StatusCode, "statusCode")
		wantEcho(t, r.Body)
	})
	t.Run("invoke route, function error", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+runner.InvokePath, bytes.NewReader(readTestdata(t, "unknown.json")))
		assert.Equal(t, http.StatusOK, resp.StatusCode, "invoke")
		assert.Equal(t, "Unhandled", resp.Header.Get("X-Amz-Function-Error"), "invoke: X-Amz-Function-Error")
		assert.Equal(t, `{"errorMessage":"runner: unrecognised event: not an API Gateway REST, HTTP API or Function URL request","errorType":"EventError"}`, body, "invoke body")
	})
	t.Run("invoke route, GET", func(t *testing.T) {
		resp, _ := do(t, http.MethodGet, url+runner.InvokePath, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET invoke")
	})
	t.Run("unknown route", func(t *testing.T) {
		resp, _ := do(t, http.MethodGet, url+"/nope", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "GET /nope")
	})
}

func TestServerWithoutEvents(t *testing.T) {
	url, _, _ := startServer(t, &runner.Server{Handler: http.NotFoundHandler()})
	resp, _ := do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`{}`))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "invoke without Events: want 404 from Handler")
}

func TestServerInvokeTooLarge(t *testing.T) {
	ok := func(context.Context, json.RawMessage) (any, error) { return "ok", nil }
	url, _, _ := startServer(t, &runner.Server{Events: ok, MaxInvokeBody: 1024})

	resp, body := do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`"`+strings.Repeat("x", 2048)+`"`))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "oversize invoke")
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), "oversize invoke body %s", body)
	assert.Contains(t, e.Error, "1024 bytes", "oversize invoke error")

	resp, body = do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`{}`))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "small invoke")
	assert.Equal(t, `"ok"`, body, "small invoke")
}

func TestServerGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	routes := http.NewServeMux()
	routes.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-r.Context().Done(): // must not happen: shutdown does not cancel requests
			http.Error(w, "cancelled", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "done")
	})
	url, cancel, done := startServer(t, &runner.Server{Handler: routes})

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()

	<-started
	cancel() // while the request sleeps

	r := <-got
	if assert.NoError(t, r.err, "in-flight request") {
		assert.Equal(t, http.StatusOK, r.status, "in-flight request")
		assert.Equal(t, "done", r.body, "in-flight request")
	}
	select {
	case err := <-done:
		assert.NoError(t, err, "ListenAndServe after a clean shutdown")
	case <-time.After(10 * time.Second):
		require.Fail(t, "ListenAndServe did not return after shutdown")
	}
	_, err := http.Get(url + "/slow")
	assert.Error(t, err, "request after shutdown succeeded; want connection refused")
}

func TestServerShutdownTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	url, cancel, done := startServer(t, &runner.Server{Handler: routes, ShutdownTimeout: 100 * time.Millisecond})
	go func() {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		assert.ErrorContains(t, err, "did not finish within 100ms", "ListenAndServe: want a shutdown timeout error")
	case <-time.After(10 * time.Second):
		require.Fail(t, "ListenAndServe did not return after the shutdown timeout")
	}
}

func TestServerAddressInUse(t *testing.T) {
	url, _, _ := startServer(t, &runner.Server{Handler: http.NotFoundHandler()})
	addr := strings.TrimPrefix(url, "http://")

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	second := &runner.Server{Addr: addr, Handler: http.NotFoundHandler(), Ready: func(net.Addr) { t.Error("second server became ready") }}
	err := second.ListenAndServe(ctx)
	assert.ErrorContains(t, err, "listen on "+addr, "second ListenAndServe: want a listen error")
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"8080", ":8080", true},
		{"0", ":0", true},
		{"65535", ":65535", true},
		{":9000", ":9000", true},
		{"127.0.0.1:0", "127.0.0.1:0", true},
		{"localhost:8080", "localhost:8080", true},
		{"[::1]:8080", "[::1]:8080", true},
		{"", "", false},
		{"65536", "", false},
		{"-1", "", false},
		{"http", "", false},
		{":http", "", false},
		{"127.0.0.1", "", false},
		{"127.0.0.1:", "", false},
		{":", "", false},
		{"::1:8080", "", false},
		{" 8080", "", false},
		{"8080/tcp", "", false},
	}
	for _, tt := range tests {
		got, err := runner.ParseAddr(tt.in)
		if tt.ok {
			if assert.NoError(t, err, "ParseAddr(%q)", tt.in) {
				assert.Equal(t, tt.want, got, "ParseAddr(%q)", tt.in)
			}
		} else {
			assert.Error(t, err, "ParseAddr(%q) = %q", tt.in, got)
		}
	}
}

func TestIsLambda(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	assert.False(t, runner.IsLambda(env(nil)), "IsLambda(no env)")
	assert.True(t, runner.IsLambda(env(map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"})), "IsLambda(AWS_LAMBDA_RUNTIME_API set)")
	assert.False(t, runner.IsLambda(nil), "IsLambda(nil)")
}

func TestStartLambdaOutsideLambda(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	assert.ErrorContains(t, runner.StartLambda(t.Context(), echoEvents()), "AWS_LAMBDA_RUNTIME_API is not set", "StartLambda outside Lambda")
	assert.Error(t, runner.StartLambda(t.Context(), nil), "StartLambda(nil)")
}

// do sends one request with header name/value pairs and returns the response and its body.
func do(t *testing.T, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	require.NoError(t, err, "new request")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "%s %s: read body", method, url)
	return resp, string(b)
}
