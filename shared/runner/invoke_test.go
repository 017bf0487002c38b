package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/runner"
)

func TestInvoke(t *testing.T) {
	out, err := runner.Invoke(t.Context(), runner.HTTPEvents(echoHandler()), readTestdata(t, "http-api-v2.json"))
	require.NoError(t, err, "Invoke")
	var resp events.APIGatewayV2HTTPResponse
	require.NoError(t, json.Unmarshal(out, &resp), "Invoke output %s", out)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "statusCode")
	wantEcho(t, resp.Body)
	assert.False(t, strings.HasSuffix(string(out), "\n"), "output %q ends in a newline; aws-lambda-go strips it", out)
}

func TestInvokeEncodesLikeLambda(t *testing.T) {
	h := func(context.Context, json.RawMessage) (any, error) {
		return map[string]string{"html": "<b>&</b>"}, nil
	}
	out, err := runner.Invoke(t.Context(), h, []byte(`{}`))
	require.NoError(t, err, "Invoke")
	assert.Equal(t, `{"html":"<b>&</b>"}`, string(out), "no HTML escaping, no newline")
}

func TestInvokeErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		h     runner.EventHandler
		event string
		want  string
		is    error
	}{
		{"nil handler", nil, `{}`, "handler is nil", nil},
		{"empty event", echoEvents(), ``, "decode event: EOF", nil},
		{"malformed event", echoEvents(), `{"a":`, "decode event: unexpected EOF", nil},
		{"unrecognised event", echoEvents(), `{"Records":[]}`, "handler: runner: unrecognised event", runner.ErrUnrecognisedEvent},
		{"handler error", func(context.Context, json.RawMessage) (any, error) { return nil, boom }, `{}`, "handler: boom", boom},
		{"handler panic", func(context.Context, json.RawMessage) (any, error) { panic("oops") }, `{}`, "handler panicked: oops", nil},
		{"unencodable response", func(context.Context, json.RawMessage) (any, error) { return math.Inf(1), nil }, `{}`, "encode response: json: unsupported value", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runner.Invoke(t.Context(), tt.h, []byte(tt.event))
			require.Error(t, err, "Invoke = %s", out)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

// echoEvents is HTTPEvents over echoHandler.
func echoEvents() runner.EventHandler { return runner.HTTPEvents(echoHandler()) }

// functionError is the body the invoke route answers with on a function error.
type functionError struct {
	Message    string            `json:"errorMessage"`
	Type       string            `json:"errorType"`
	StackTrace []json.RawMessage `json:"stackTrace"`
}

func TestInvokeHandler(t *testing.T) {
	boom := func(context.Context, json.RawMessage) (any, error) {
		return nil, fmt.Errorf("load model: %w", io.ErrUnexpectedEOF)
	}
	panics := func(context.Context, json.RawMessage) (any, error) { panic("oops") }
	tests := []struct {
		name     string
		h        runner.EventHandler
		event    string
		wantType string // errorType of a function error; "" for success
		wantMsg  string
	}{
		{"v1 sample", echoEvents(), string(readTestdata(t, "apigw-rest-v1.json")), "", ""},
		{"unrecognised", echoEvents(), string(readTestdata(t, "unknown.json")), "EventError", "runner: unrecognised event: not an API Gateway REST, HTTP API or Function URL request"},
		{"wrapped error", boom, `{}`, "wrapError", "load model: unexpected EOF"},
		{"malformed event", echoEvents(), `{`, "errorString", "unexpected EOF"},
		{"syntax error", echoEvents(), `{"a" 1}`, "SyntaxError", "invalid character '1' after object key"},
		{"empty event", echoEvents(), ``, "errorString", "EOF"},
		{"panic", panics, `{}`, "string", "oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, runner.InvokePath, strings.NewReader(tt.event))
			runner.InvokeHandler(tt.h, 0).ServeHTTP(rec, req)

			require.Equal(t, http.StatusOK, rec.Code, "status (body %s)", rec.Body)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.NotEmpty(t, rec.Header().Get("X-Amzn-RequestId"), "X-Amzn-RequestId header")
			fnErr := rec.Header().Get("X-Amz-Function-Error")
			if tt.wantType == "" {
				assert.Empty(t, fnErr, "X-Amz-Function-Error on success (body %s)", rec.Body)
				var resp events.APIGatewayProxyResponse
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), "body %s", rec.Body)
				wantEcho(t, resp.Body)
				return
			}
			assert.Equal(t, "Unhandled", fnErr, "X-Amz-Function-Error")
			var got functionError
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got), "body %s", rec.Body)
			assert.Equal(t, tt.wantType, got.Type, "function error type")
			assert.Equal(t, tt.wantMsg, got.Message, "function error message")
			if tt.name == "panic" {
				assert.NotEmpty(t, got.StackTrace, "panic without a stackTrace")
			} else {
				assert.True(t, strings.HasPrefix(rec.Body.String(), `{"errorMessage":`), "body = %s; want {\"errorMessage\":...,\"errorType\":...}", rec.Body)
			}
		})
	}
}

func TestInvokeHandlerLambdaContext(t *testing.T) {
	var got string
	h := func(ctx context.Context, _ json.RawMessage) (any, error) {
		lc, ok := lambdacontext.FromContext(ctx)
		if ok {
			got = lc.AwsRequestID
		}
		return "ok", nil
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, runner.InvokePath, strings.NewReader(`{}`))
	req.Header.Set("X-Amzn-RequestId", "req-1")
	runner.InvokeHandler(h, 0).ServeHTTP(rec, req)
	assert.Equal(t, "req-1", got, "AwsRequestID")
	assert.Equal(t, "req-1", rec.Header().Get("X-Amzn-RequestId"))
	assert.Equal(t, `"ok"`, rec.Body.String(), "body")
}

func TestInvokeHandlerRejects(t *testing.T) {
	ok := func(context.Context, json.RawMessage) (any, error) { return "ok", nil }
	tests := []struct {
		name    string
		method  string
		body    io.Reader
		chunked bool
		max     int64
		want    int
	}{
		{"GET", http.MethodGet, nil, false, 0, http.StatusMethodNotAllowed},
		{"over the limit", http.MethodPost, strings.NewReader(`"` + strings.Repeat("x", 100) + `"`), false, 64, http.StatusRequestEntityTooLarge},
		{"over the limit, chunked", http.MethodPost, strings.NewReader(`"` + strings.Repeat("x", 100) + `"`), true, 64, http.StatusRequestEntityTooLarge},
		{"at the limit", http.MethodPost, strings.NewReader(`"` + strings.Repeat("x", 62) + `"`), false, 64, http.StatusOK},
		{"over the default 6 MiB", http.MethodPost, strings.NewReader(`"` + strings.Repeat("x", 6<<20) + `"`), true, 0, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, runner.InvokePath, tt.body)
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			runner.InvokeHandler(ok, tt.max).ServeHTTP(rec, req)
			require.Equal(t, tt.want, rec.Code, "status (body %s)", rec.Body)
			if tt.want == http.StatusOK {
				return
			}
			var body struct {
				Error string `json:"error"`
			}
			if assert.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "body = %s; want {\"error\": ...}", rec.Body) {
				assert.NotEmpty(t, body.Error, "body = %s; want {\"error\": ...}", rec.Body)
			}
			if tt.want == http.StatusMethodNotAllowed {
				assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
			}
		})
	}
}
