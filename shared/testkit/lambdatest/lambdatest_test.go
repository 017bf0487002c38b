package lambdatest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest/internal/echo"
)

// predictBody is the request body of every sample payload in ../../runner/testdata.
const predictBody = `{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}`

// sample returns a sample event of package runner; a missing fixture fails the test.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "runner", "testdata", name))
	require.NoError(t, err, "read fixture")
	return b
}

// wantEcho checks the body of an echo response to a sample event.
func wantEcho(t testing.TB, body string) {
	t.Helper()
	var got echo.Reply
	require.NoError(t, json.Unmarshal([]byte(body), &got), "response body %q", body)
	assert.Equal(t, echo.Reply{
		Method:      "POST",
		Path:        "/predict",
		Query:       "verbose=true",
		ContentType: "application/json",
		TraceID:     "Root=1-6745d8a9-3c4f1e2a7b9d0c5e8f1a2b3c",
		Body:        predictBody,
	}, got, "echo")
}

func TestEmulator(t *testing.T) {
	lambdatest.Binary(t) // skip (or fail under CI) before building anything
	fn := lambdatest.BuildFunction(t, "./internal/echofn")
	emu := lambdatest.Start(t, fn, []string{"ECHO_NAME=under-rie"})
	assert.True(t, strings.HasPrefix(emu.URL, "http://127.0.0.1:"), "URL = %q; want http://127.0.0.1:PORT", emu.URL)

	t.Run("sample events", func(t *testing.T) {
		for _, tt := range []struct {
			file string
			v1   bool
		}{
			{"apigw-rest-v1.json", true},
			{"http-api-v2.json", false},
			{"function-url.json", false},
		} {
			t.Run(tt.file, func(t *testing.T) {
				status, body := emu.Invoke(t, sample(t, tt.file))
				require.Equal(t, http.StatusOK, status, "invoke status (body %s)", body)
				var probe struct {
					ErrorType string `json:"errorType"`
				}
				if json.Unmarshal(body, &probe) == nil {
					require.Empty(t, probe.ErrorType, "function error: %s", body)
				}
				if tt.v1 {
					var r events.APIGatewayProxyResponse
					require.NoError(t, json.Unmarshal(body, &r), "response %s", body)
					assert.Equal(t, http.StatusOK, r.StatusCode, "statusCode")
					assert.Equal(t, []string{"under-rie"}, r.MultiValueHeaders["X-Echo-Name"], "multiValueHeaders[X-Echo-Name]")
					assert.Nil(t, r.Headers, "want only multiValueHeaders in a v1 response")
					wantEcho(t, r.Body)
					return
				}
				var r events.APIGatewayV2HTTPResponse
				require.NoError(t, json.Unmarshal(body, &r), "response %s", body)
				assert.Equal(t, http.StatusOK, r.StatusCode, "statusCode")
				assert.Equal(t, "under-rie", r.Headers["X-Echo-Name"], "headers[X-Echo-Name]")
				wantEcho(t, r.Body)
			})
		}
	})

	// The local invoke route must answer exactly as the emulator does (the emulator drops the
	// X-Amz-Function-Error header that AWS and runner send, so only status and body are compared).
	t.Run("same as runner.InvokeHandler", func(t *testing.T) {
		local := runner.InvokeHandler(runner.HTTPEvents(echo.Handler("under-rie")), 0)
		for _, tt := range []struct{ name, event string }{
			{"apigw-rest-v1", string(sample(t, "apigw-rest-v1.json"))},
			{"http-api-v2", string(sample(t, "http-api-v2.json"))},
			{"function-url", string(sample(t, "function-url.json"))},
			{"unknown (SQS)", string(sample(t, "unknown.json"))},
			{"empty", ""},
			{"null", "null"},
			{"array", "[1]"},
			{"truncated", `{"httpMethod":`},
			{"syntax error", `{"a" 1}`},
			{"httpMethod a number", `{"httpMethod":5,"requestContext":{"stage":"prod"}}`},
			{"bad base64", `{"version":"2.0","isBase64Encoded":true,"body":"!!","requestContext":{"http":{"method":"POST"}}}`},
		} {
			t.Run(tt.name, func(t *testing.T) {
				status, body := emu.Invoke(t, []byte(tt.event))
				rec := httptest.NewRecorder()
				local.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, runner.InvokePath, strings.NewReader(tt.event)))
				assert.Equal(t, status, rec.Code, "status: emulator (want) vs runner (got)")
				assert.Equal(t, string(body), rec.Body.String(), "body: emulator (want) vs runner (got)")
			})
		}
	})
}

// recorder is a testing.TB that records Skip and Fatal instead of acting on them.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)         { r.failed = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...); runtime.Goexit() }

// binary calls lambdatest.Binary with a recorder, in a goroutine since Skip and Fatal end it.
func binary(t *testing.T) (path string, rec *recorder) {
	rec = &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = lambdatest.Binary(rec)
	}()
	<-done
	return path, rec
}

func TestBinary(t *testing.T) {
	install := strings.TrimSpace(lambdatest.InstallCommand)
	assert.NotContains(t, install, "\n", "INSTALL: want one command line")
	assert.Contains(t, install, "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@", "INSTALL: want a go install command")

	t.Run("absent locally: skip", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv("AWS_LAMBDA_RIE", "")
		t.Setenv("CI", "")
		_, rec := binary(t)
		assert.Empty(t, rec.failed, "failed")
		assert.Contains(t, rec.skipped, install, "want a skip naming the install command")
	})
	t.Run("absent under CI: fail", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv("AWS_LAMBDA_RIE", "")
		t.Setenv("CI", "true")
		_, rec := binary(t)
		assert.Empty(t, rec.skipped, "skipped")
		assert.Contains(t, rec.failed, install, "want a failure naming the install command")
	})
	t.Run("AWS_LAMBDA_RIE", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "rie")
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755))
		t.Setenv("AWS_LAMBDA_RIE", p)
		got, rec := binary(t)
		assert.Equal(t, p, got, "Binary")
		assert.Empty(t, rec.skipped, "skipped")
		assert.Empty(t, rec.failed, "failed")
	})
	t.Run("AWS_LAMBDA_RIE missing", func(t *testing.T) {
		t.Setenv("AWS_LAMBDA_RIE", filepath.Join(t.TempDir(), "nope"))
		_, rec := binary(t)
		assert.NotEmpty(t, rec.failed, "Binary with a missing $AWS_LAMBDA_RIE did not fail")
	})
}

func TestStartBrokenEmulator(t *testing.T) {
	dir := t.TempDir()
	rie := filepath.Join(dir, "aws-lambda-rie")
	require.NoError(t, os.WriteFile(rie, []byte("#!/bin/sh\necho cannot start >&2\nexit 3\n"), 0o755))
	fn := filepath.Join(dir, "bootstrap")
	require.NoError(t, os.WriteFile(fn, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("AWS_LAMBDA_RIE", rie)
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		lambdatest.Start(rec, fn, nil)
	}()
	<-done
	assert.Contains(t, rec.failed, "emulator exited before listening", "Start with a broken emulator: want its exit")
	assert.Contains(t, rec.failed, "cannot start", "Start with a broken emulator: want its output")
}
