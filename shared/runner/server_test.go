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
		if n := readyCalls.Load(); n != 1 {
			t.Errorf("Ready called %d times; want 1", n)
		}
	})
	select {
	case a := <-ready:
		return "http://" + a.String(), cancel, result
	case <-finished:
		t.Fatalf("ListenAndServe: %v", <-result)
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready after 10s")
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
		if resp.StatusCode != http.StatusOK || body != "ok" {
			t.Errorf("GET /healthz = %d %q; want 200 ok", resp.StatusCode, body)
		}
	})
	t.Run("direct request", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+"/predict?verbose=true", strings.NewReader(predictBody), "Content-Type", "application/json", "X-Amzn-Trace-Id", "Root=1-6745d8a9-3c4f1e2a7b9d0c5e8f1a2b3c")
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /predict = %d; want 201", resp.StatusCode)
		}
		wantEcho(t, body)
	})
	t.Run("invoke route", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+runner.InvokePath, bytes.NewReader(readTestdata(t, "function-url.json")))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
			t.Fatalf("invoke = %d, X-Amz-Function-Error %q; want 200 without", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"))
		}
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("invoke body %s: %v", body, err)
		}
		if r.StatusCode != http.StatusCreated {
			t.Errorf("statusCode = %d; want 201", r.StatusCode)
		}
		wantEcho(t, r.Body)
	})
	t.Run("invoke route, function error", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, url+runner.InvokePath, bytes.NewReader(readTestdata(t, "unknown.json")))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" {
			t.Errorf("invoke = %d, X-Amz-Function-Error %q; want 200, Unhandled", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"))
		}
		want := `{"errorMessage":"unrecognised event: not an API Gateway REST, HTTP API or Function URL request","errorType":"EventError"}`
		if body != want {
			t.Errorf("invoke body = %s; want %s", body, want)
		}
	})
	t.Run("invoke route, GET", func(t *testing.T) {
		resp, _ := do(t, http.MethodGet, url+runner.InvokePath, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET invoke = %d; want 405", resp.StatusCode)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		resp, _ := do(t, http.MethodGet, url+"/nope", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /nope = %d; want 404", resp.StatusCode)
		}
	})
}

func TestServerWithoutEvents(t *testing.T) {
	url, _, _ := startServer(t, &runner.Server{Handler: http.NotFoundHandler()})
	resp, _ := do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`{}`))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("invoke without Events = %d; want 404 from Handler", resp.StatusCode)
	}
}

func TestServerInvokeTooLarge(t *testing.T) {
	ok := func(context.Context, json.RawMessage) (any, error) { return "ok", nil }
	url, _, _ := startServer(t, &runner.Server{Events: ok, MaxInvokeBody: 1024})

	resp, body := do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`"`+strings.Repeat("x", 2048)+`"`))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize invoke = %d; want 413", resp.StatusCode)
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, "1024 bytes") {
		t.Errorf("oversize invoke body = %s; want {\"error\": \"... 1024 bytes\"}", body)
	}

	resp, body = do(t, http.MethodPost, url+runner.InvokePath, strings.NewReader(`{}`))
	if resp.StatusCode != http.StatusOK || body != `"ok"` {
		t.Errorf("small invoke = %d %s; want 200 \"ok\"", resp.StatusCode, body)
	}
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
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("in-flight request = %d %q, %v; want 200 done", r.status, r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe = %v; want nil after a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return after shutdown")
	}
	if _, err := http.Get(url + "/slow"); err == nil {
		t.Error("request after shutdown succeeded; want connection refused")
	}
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
		if err == nil || !strings.Contains(err.Error(), "did not finish within 100ms") {
			t.Errorf("ListenAndServe = %v; want a shutdown timeout error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return after the shutdown timeout")
	}
}

func TestServerAddressInUse(t *testing.T) {
	url, _, _ := startServer(t, &runner.Server{Handler: http.NotFoundHandler()})
	addr := strings.TrimPrefix(url, "http://")

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	second := &runner.Server{Addr: addr, Handler: http.NotFoundHandler(), Ready: func(net.Addr) { t.Error("second server became ready") }}
	err := second.ListenAndServe(ctx)
	if err == nil || !strings.Contains(err.Error(), "listen on "+addr) {
		t.Errorf("second ListenAndServe on %s = %v; want a listen error", addr, err)
	}
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
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
		if !tt.ok && err == nil {
			t.Errorf("ParseAddr(%q) = %q, nil; want an error", tt.in, got)
		}
	}
}

func TestIsLambda(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if runner.IsLambda(env(nil)) {
		t.Error("IsLambda(no env) = true; want false")
	}
	if !runner.IsLambda(env(map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"})) {
		t.Error("IsLambda(AWS_LAMBDA_RUNTIME_API set) = false; want true")
	}
	if runner.IsLambda(nil) {
		t.Error("IsLambda(nil) = true; want false")
	}
}

func TestStartLambdaOutsideLambda(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	if err := runner.StartLambda(t.Context(), echoEvents()); err == nil || !strings.Contains(err.Error(), "AWS_LAMBDA_RUNTIME_API is not set") {
		t.Errorf("StartLambda outside Lambda = %v; want an error naming AWS_LAMBDA_RUNTIME_API", err)
	}
	if err := runner.StartLambda(t.Context(), nil); err == nil {
		t.Error("StartLambda(nil) = nil; want an error")
	}
}

// do sends one request with header name/value pairs and returns the response and its body.
func do(t *testing.T, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, string(b)
}
