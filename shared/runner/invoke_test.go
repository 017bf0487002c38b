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

	"github.com/studentperf/studentperf/shared/runner"
)

func TestInvoke(t *testing.T) {
	out, err := runner.Invoke(t.Context(), runner.HTTPEvents(echoHandler()), readTestdata(t, "http-api-v2.json"))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("Invoke output %s: %v", out, err)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("statusCode = %d; want %d", resp.StatusCode, http.StatusCreated)
	}
	wantEcho(t, resp.Body)
	if strings.HasSuffix(string(out), "\n") {
		t.Errorf("output %q ends in a newline; aws-lambda-go strips it", out)
	}
}

func TestInvokeEncodesLikeLambda(t *testing.T) {
	h := func(context.Context, json.RawMessage) (any, error) {
		return map[string]string{"html": "<b>&</b>"}, nil
	}
	out, err := runner.Invoke(t.Context(), h, []byte(`{}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if want := `{"html":"<b>&</b>"}`; string(out) != want {
		t.Errorf("Invoke = %s; want %s (no HTML escaping, no newline)", out, want)
	}
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
		{"unrecognised event", echoEvents(), `{"Records":[]}`, "handler: unrecognised event", runner.ErrUnrecognisedEvent},
		{"handler error", func(context.Context, json.RawMessage) (any, error) { return nil, boom }, `{}`, "handler: boom", boom},
		{"handler panic", func(context.Context, json.RawMessage) (any, error) { panic("oops") }, `{}`, "handler panicked: oops", nil},
		{"unencodable response", func(context.Context, json.RawMessage) (any, error) { return math.Inf(1), nil }, `{}`, "encode response: json: unsupported value", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runner.Invoke(t.Context(), tt.h, []byte(tt.event))
			if err == nil {
				t.Fatalf("Invoke = %s, nil; want an error", out)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q; want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%q, %v) = false; want true", err, tt.is)
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
		{"unrecognised", echoEvents(), string(readTestdata(t, "unknown.json")), "EventError", "unrecognised event: not an API Gateway REST, HTTP API or Function URL request"},
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

			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d; want 200 (body %s)", rec.Code, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", got)
			}
			if rec.Header().Get("X-Amzn-RequestId") == "" {
				t.Error("no X-Amzn-RequestId header")
			}
			fnErr := rec.Header().Get("X-Amz-Function-Error")
			if tt.wantType == "" {
				if fnErr != "" {
					t.Errorf("X-Amz-Function-Error = %q on success (body %s)", fnErr, rec.Body)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatalf("body %s: %v", rec.Body, err)
				}
				wantEcho(t, resp.Body)
				return
			}
			if fnErr != "Unhandled" {
				t.Errorf("X-Amz-Function-Error = %q; want Unhandled", fnErr)
			}
			var got functionError
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if got.Type != tt.wantType || got.Message != tt.wantMsg {
				t.Errorf("function error = %s/%q; want %s/%q", got.Type, got.Message, tt.wantType, tt.wantMsg)
			}
			if tt.name == "panic" && len(got.StackTrace) == 0 {
				t.Error("panic without a stackTrace")
			}
			if tt.name != "panic" && !strings.HasPrefix(rec.Body.String(), `{"errorMessage":`) {
				t.Errorf("body = %s; want {\"errorMessage\":...,\"errorType\":...}", rec.Body)
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
	if got != "req-1" {
		t.Errorf("AwsRequestID = %q; want req-1", got)
	}
	if h := rec.Header().Get("X-Amzn-RequestId"); h != "req-1" {
		t.Errorf("X-Amzn-RequestId = %q; want req-1", h)
	}
	if rec.Body.String() != `"ok"` {
		t.Errorf("body = %s; want \"ok\"", rec.Body)
	}
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
			if rec.Code != tt.want {
				t.Fatalf("status = %d; want %d (body %s)", rec.Code, tt.want, rec.Body)
			}
			if tt.want == http.StatusOK {
				return
			}
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
				t.Errorf("body = %s; want {\"error\": ...}", rec.Body)
			}
			if tt.want == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q; want POST", rec.Header().Get("Allow"))
			}
		})
	}
}
