package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/runner"
)

// predictBody is the request body of every sample payload in testdata.
const predictBody = `{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}`

// echo is what echoHandler answers with.
type echo struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query"`
	ContentType string `json:"contentType"`
	TraceID     string `json:"traceId"`
	Body        string `json:"body"`
}

// echoHandler answers 201 with the request's method, path, query, two headers and body as JSON, and
// the header X-Echo: yes.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", "yes")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(echo{
			Method:      r.Method,
			Path:        r.URL.Path,
			Query:       r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"),
			TraceID:     r.Header.Get("X-Amzn-Trace-Id"),
			Body:        string(body),
		})
	})
}

// readTestdata returns a file of testdata; a missing fixture fails the test.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err, "read fixture")
	return b
}

// wantEcho checks the body of a response from echoHandler to a sample payload.
func wantEcho(t testing.TB, body string) {
	t.Helper()
	var got echo
	require.NoError(t, json.Unmarshal([]byte(body), &got), "response body %q", body)
	assert.Equal(t, echo{
		Method:      "POST",
		Path:        "/predict",
		Query:       "verbose=true",
		ContentType: "application/json",
		TraceID:     "Root=1-6745d8a9-3c4f1e2a7b9d0c5e8f1a2b3c",
		Body:        predictBody,
	}, got, "echo")
}

func TestHTTPEventsSamplePayloads(t *testing.T) {
	h := runner.HTTPEvents(echoHandler())
	tests := []struct {
		file string
		v1   bool // an events.APIGatewayProxyResponse, else an events.APIGatewayV2HTTPResponse
	}{
		{"apigw-rest-v1.json", true},
		{"http-api-v2.json", false},
		{"function-url.json", false}, // its body is base64-encoded
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			resp, err := h(t.Context(), readTestdata(t, tt.file))
			require.NoError(t, err, "HTTPEvents")
			if tt.v1 {
				r, ok := resp.(events.APIGatewayProxyResponse)
				require.True(t, ok, "response is %T; want events.APIGatewayProxyResponse", resp)
				assert.Equal(t, http.StatusCreated, r.StatusCode, "statusCode")
				assert.Equal(t, []string{"yes"}, r.MultiValueHeaders["X-Echo"], "multiValueHeaders[X-Echo]")
				assert.Equal(t, []string{"application/json"}, r.MultiValueHeaders["Content-Type"], "multiValueHeaders[Content-Type]")
				assert.False(t, r.IsBase64Encoded, "isBase64Encoded")
				wantEcho(t, r.Body)
			} else {
				r, ok := resp.(events.APIGatewayV2HTTPResponse)
				require.True(t, ok, "response is %T; want events.APIGatewayV2HTTPResponse", resp)
				assert.Equal(t, http.StatusCreated, r.StatusCode, "statusCode")
				assert.Equal(t, "yes", r.Headers["X-Echo"], "headers[X-Echo]")
				assert.Equal(t, "application/json", r.Headers["Content-Type"], "headers[Content-Type]")
				assert.False(t, r.IsBase64Encoded, "isBase64Encoded")
				wantEcho(t, r.Body)
			}

			// What Lambda sends back is the marshalled value: check the members API Gateway reads.
			b, err := json.Marshal(resp)
			require.NoError(t, err, "marshal response")
			var wire map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b, &wire), "unmarshal response")
			for _, k := range []string{"statusCode", "body"} {
				assert.Contains(t, wire, k, "marshalled response %s", b)
			}
		})
	}
}

func TestHTTPEventsHandlerWritesNothing(t *testing.T) {
	h := runner.HTTPEvents(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	resp, err := h(t.Context(), readTestdata(t, "http-api-v2.json"))
	require.NoError(t, err, "HTTPEvents")
	r, ok := resp.(events.APIGatewayV2HTTPResponse)
	require.True(t, ok, "response is %T; want events.APIGatewayV2HTTPResponse", resp)
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Empty(t, r.Body)
}

func TestHTTPEventsNilHandler(t *testing.T) {
	resp, err := runner.HTTPEvents(nil)(t.Context(), readTestdata(t, "http-api-v2.json"))
	require.NoError(t, err, "HTTPEvents")
	r, ok := resp.(events.APIGatewayV2HTTPResponse)
	require.True(t, ok, "response is %T; want events.APIGatewayV2HTTPResponse", resp)
	assert.Equal(t, http.StatusNotFound, r.StatusCode)
}

func TestHTTPEventsPassesContext(t *testing.T) {
	type key struct{}
	var got any
	h := runner.HTTPEvents(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Context().Value(key{})
	}))
	ctx := context.WithValue(t.Context(), key{}, "value")
	_, err := h(ctx, readTestdata(t, "apigw-rest-v1.json"))
	require.NoError(t, err, "HTTPEvents")
	assert.Equal(t, "value", got, "request context value")
}

func TestHTTPEventsBadEvents(t *testing.T) {
	v1 := string(readTestdata(t, "apigw-rest-v1.json"))
	v2 := string(readTestdata(t, "http-api-v2.json"))
	tests := []struct {
		name         string
		event        string
		unrecognised bool   // errors.Is(err, runner.ErrUnrecognisedEvent)
		want         string // in the message
	}{
		{"empty", "", false, "malformed event JSON: empty event"},
		{"blank", " \n\t", false, "malformed event JSON: empty event"},
		{"null", "null", true, ""},
		{"array", "[]", true, ""},
		{"number", "5", true, ""},
		{"string", `"POST /predict"`, true, ""},
		{"empty object", "{}", true, ""},
		{"sqs", string(readTestdata(t, "unknown.json")), true, ""},
		{"alb", `{"httpMethod":"POST","path":"/predict","requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1"}}}`, true, ""},
		{"v1 without requestContext", `{"httpMethod":"POST","path":"/predict"}`, true, ""},
		{"requestContext not an object", `{"httpMethod":"POST","requestContext":5}`, true, ""},
		{"v2 without http", `{"version":"2.0","requestContext":{"domainName":"x"}}`, true, ""},
		{"v2 http not an object", `{"version":"2.0","requestContext":{"http":"POST"}}`, true, ""},
		{"truncated v1", v1[:len(v1)/2], false, "malformed event JSON: unexpected end of JSON input"},
		{"truncated v2", v2[:len(v2)-2], false, "malformed event JSON"},
		{"trailing garbage", v2 + "}", false, "malformed event JSON: invalid character '}' after top-level value"},
		{"bad syntax", `{"httpMethod" "POST"}`, false, "malformed event JSON: invalid character '\"' after object key (at byte"},
		{"httpMethod a number", `{"httpMethod":5,"requestContext":{"stage":"prod"}}`, false, "API Gateway REST (v1) event: decode: json: cannot unmarshal number"},
		{"headers an array", strings.Replace(v1, `"headers": {`, `"headers": [1], "x": {`, 1), false, "API Gateway REST (v1) event: decode:"},
		{"v2 method a number", `{"version":"2.0","requestContext":{"http":{"method":7}}}`, false, "API Gateway HTTP API (v2) event: decode: json: cannot unmarshal number"},
		{"v2 isBase64Encoded a string", strings.Replace(v2, `"isBase64Encoded": false`, `"isBase64Encoded": "no"`, 1), false, "decode:"},
		{"v1 empty method", `{"httpMethod":"","requestContext":{"stage":"prod"}}`, false, "missing HTTP method"},
		{"v1 bad method", `{"httpMethod":"GET /","requestContext":{"stage":"prod"}}`, false, `invalid HTTP method "GET /"`},
		{"v2 bad method", `{"version":"2.0","requestContext":{"http":{"method":"P\u00d8ST"}}}`, false, "invalid HTTP method"},
		{"bad base64", strings.Replace(v1, `"isBase64Encoded": false`, `"isBase64Encoded": true`, 1), false, "not valid base64"},
		{"bad path escape", `{"version":"2.0","rawPath":"/a%zz","requestContext":{"http":{"method":"GET"}}}`, false, "invalid request URL"},
		{"control character in path", `{"httpMethod":"GET","path":"/a\u0007","requestContext":{"stage":"prod"}}`, false, "invalid request URL"},
		{"bad domain", `{"version":"2.0","rawPath":"/","requestContext":{"domainName":"a b","http":{"method":"GET"}}}`, false, "invalid request URL"},
		{"function URL bad body", `{"version":"2.0","isBase64Encoded":true,"body":"!!","requestContext":{"domainName":"abc.lambda-url.eu-west-1.on.aws","http":{"method":"POST"}}}`, false, "Function URL event: isBase64Encoded is true"},
	}
	h := runner.HTTPEvents(echoHandler())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h(t.Context(), json.RawMessage(tt.event))
			require.Error(t, err, "HTTPEvents = %+v", resp)
			assert.Nil(t, resp, "response with an error")
			var ee *runner.EventError
			assert.ErrorAs(t, err, &ee)
			if tt.unrecognised {
				assert.ErrorIs(t, err, runner.ErrUnrecognisedEvent)
				assert.EqualError(t, err, "runner: unrecognised event: not an API Gateway REST, HTTP API or Function URL request")
			} else {
				assert.NotErrorIs(t, err, runner.ErrUnrecognisedEvent)
				assert.ErrorContains(t, err, tt.want)
			}
		})
	}
}

// FuzzHTTPEvents feeds arbitrary bytes to HTTPEvents: it must never panic, and must return either a
// response of one of the two proxy types or a *runner.EventError.
func FuzzHTTPEvents(f *testing.F) {
	for _, name := range []string{"apigw-rest-v1.json", "http-api-v2.json", "function-url.json", "unknown.json"} {
		f.Add(readTestdata(f, name))
	}
	h := runner.HTTPEvents(echoHandler())
	f.Fuzz(func(t *testing.T, event []byte) {
		resp, err := h(t.Context(), event)
		if err != nil {
			var ee *runner.EventError
			if !errors.As(err, &ee) {
				t.Fatalf("error %q is %T; want *runner.EventError", err, err)
			}
			if resp != nil {
				t.Fatalf("response %+v with error %v", resp, err)
			}
			return
		}
		switch r := resp.(type) {
		case events.APIGatewayProxyResponse:
			if r.StatusCode == 0 {
				t.Fatalf("v1 response without a status: %+v", r)
			}
		case events.APIGatewayV2HTTPResponse:
			if r.StatusCode == 0 {
				t.Fatalf("v2 response without a status: %+v", r)
			}
		default:
			t.Fatalf("response is %T; want a proxy response", resp)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("marshal response: %v", err)
		}
	})
}

func TestEventErrorZeroValue(t *testing.T) {
	assert.EqualError(t, &runner.EventError{}, "invalid event", "zero EventError")
	assert.EqualError(t, &runner.EventError{Kind: "Function URL event"}, "Function URL event: invalid event", "EventError without Err")
}
