package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// predictEventFiles are the sample events of predict in the repository's
// events folder, each a POST /predict of the reference record.
var predictEventFiles = []string{"predict-apigw-rest.json", "predict-http-api.json", "predict-function-url.json"}

// eventPath is the path of a sample event file.
func eventPath(name string) string {
	return filepath.Join("..", "..", "events", name)
}

// readEventFile reads a sample event; a missing fixture fails the test.
func readEventFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(eventPath(name))
	require.NoError(t, err, "read sample event")
	return b
}

// eventHandler builds the event handler the way run does for a store:
// predictor, first load, API, HTTP handler, Lambda adapter.
func eventHandler(t testing.TB, root string) runner.EventHandler {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	pred := predictor.New(modelstore.NewDir(root), modelName, log)
	a := newAPI(pred, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log)
	require.NoError(t, pred.Reload(context.Background()), "load the model")
	return runner.HTTPEvents(a.handler())
}

// lambdaResponse is what the handler returns for an API Gateway (v1 or
// v2) or Function URL event, as JSON.
type lambdaResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// header returns a response header, whatever its case.
func (r lambdaResponse) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// checkEventResponse checks a Lambda response to a sample predict event:
// status 200, want (to 1e-9) from version.
func checkEventResponse(t testing.TB, out []byte, version string, want float64) {
	t.Helper()
	resp := decodeAs[lambdaResponse](t, bytes.TrimSpace(out))
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		body, err = base64.StdEncoding.DecodeString(resp.Body)
		require.NoError(t, err, "response body is not base64")
	}
	require.Equal(t, http.StatusOK, resp.StatusCode, "statusCode (body %s)", body)
	got := decodeAs[predictResponse](t, body)
	assert.InDelta(t, want, got.MathScore, 1e-9, "math_score")
	assert.Equal(t, version, got.ModelVersion, "model_version")
	assert.Equal(t, version, resp.header("X-Model-Version"), "X-Model-Version")
}

// invokeRun runs `predict invoke` through run and returns its stdout.
func invokeRun(t testing.TB, root string, args []string, stdin io.Reader) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	env := map[string]string{"MODEL_STORE": root}
	err := run(ctx, append([]string{"invoke"}, args...), func(k string) string { return env[k] }, stdin, &stdout, &stderr)
	return stdout.String(), err
}

func TestPredictEvents(t *testing.T) {
	root, version := sampleStore(t)
	events := eventHandler(t, root)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	want := modelPrediction(t, root, referenceRecord)

	paths := []struct {
		name   string
		invoke func(t *testing.T, file string, event []byte) []byte
	}{
		{"runner.Invoke", func(t *testing.T, _ string, event []byte) []byte {
			out, err := runner.Invoke(context.Background(), events, event)
			require.NoError(t, err)
			return out
		}},
		{"invoke -event FILE", func(t *testing.T, file string, _ []byte) []byte {
			out, err := invokeRun(t, root, []string{"-event", eventPath(file)}, nil)
			require.NoError(t, err)
			return []byte(out)
		}},
		{"invoke route", func(t *testing.T, _ string, event []byte) []byte {
			status, h, body := post(t, base+runner.InvokePath, "application/json", string(event))
			require.Equal(t, http.StatusOK, status, "POST %s: %s", runner.InvokePath, body)
			require.Empty(t, h.Get("X-Amz-Function-Error"), "POST %s: function error: %s", runner.InvokePath, body)
			return body
		}},
		{"invoke -event -", func(t *testing.T, _ string, event []byte) []byte {
			out, err := invokeRun(t, root, []string{"-event", "-"}, bytes.NewReader(event))
			require.NoError(t, err)
			return []byte(out)
		}},
	}
	for _, file := range predictEventFiles {
		event := readEventFile(t, file)
		for _, p := range paths {
			t.Run(file+"/"+p.name, func(t *testing.T) {
				checkEventResponse(t, p.invoke(t, file, event), version, want)
			})
		}
	}
}

func TestRouteParity(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})

	// Every route answers what the model itself predicts, to 1e-9.
	want := modelPrediction(t, root, referenceRecord)
	single := predictOne(t, base, referenceJSON)
	assert.InDelta(t, want, single.MathScore, 1e-9, "POST /predict")
	assert.Equal(t, version, single.ModelVersion, "POST /predict: model_version")

	status, _, body := post(t, base+"/predict", "application/json", `{"instances":[`+referenceJSON+`]}`)
	require.Equal(t, http.StatusOK, status, "POST /predict batch: %s", body)
	b := decodeAs[batchResponse](t, body)
	if assert.Len(t, b.Predictions, 1, "POST /predict batch") {
		assert.InDelta(t, want, b.Predictions[0], 1e-9, "POST /predict {instances}")
	}

	status, _, body = post(t, base+"/v2/models/"+modelName+"/infer", "application/json", modeltest.OIPRequest(t, []map[string]any{referenceRecord}, false))
	require.Equal(t, http.StatusOK, status, "POST infer: %s", body)
	r := decodeAs[oipInferResponse](t, body)
	if assert.Len(t, r.Outputs, 1, "POST infer: outputs") && assert.Len(t, r.Outputs[0].Data, 1, "POST infer: output data") {
		assert.InDelta(t, want, r.Outputs[0].Data[0], 1e-9, "POST /v2/models/{model}/infer")
	}

	for _, file := range predictEventFiles {
		status, _, body := post(t, base+runner.InvokePath, "application/json", string(readEventFile(t, file)))
		require.Equal(t, http.StatusOK, status, "invoke %s", file)
		checkEventResponse(t, body, version, want)
	}

	// The form shows two decimals of the same number.
	status, h, body := post(t, base+"/predictdata", "application/x-www-form-urlencoded", formValues(referenceRecord).Encode())
	require.Equal(t, http.StatusOK, status, "POST /predictdata")
	require.Equal(t, version, h.Get("X-Model-Version"), "POST /predictdata: X-Model-Version")
	assert.Contains(t, string(body), fmt.Sprintf(`<strong id="score">%.2f</strong>`, want), "POST /predictdata: the page shows the score")
}

// sqsEvent is a well-formed event of a kind predict does not handle.
const sqsEvent = `{"Records":[{"messageId":"2e1424d4-f796-459a-8184-9c92662be6da","receiptHandle":"AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...","body":"hello","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082650636","SenderId":"AIDAIENQZJOLO23YVJ4VO","ApproximateFirstReceiveTimestamp":"1545082650649"},"messageAttributes":{},"md5OfBody":"5d41402abc4b2a76b9719d911017c592","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-2:123456789012:my-queue","awsRegion":"eu-west-2"}]}`

func TestBadEvents(t *testing.T) {
	root, _ := sampleStore(t)
	events := eventHandler(t, root)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})

	tests := []struct {
		name, event string
		want        string // in the error
	}{
		{"SQS event", sqsEvent, "unrecognised event"},
		{"empty object", `{}`, "unrecognised event"},
		{"empty array", `[]`, "unrecognised event"},
		{"JSON string", `"POST /predict"`, "unrecognised event"},
		{"null", `null`, "unrecognised event"},
		{"garbage", `this is not JSON`, "invalid character"},
		{"truncated", `{"httpMethod": "POST", "path": "/pre`, "unexpected"},
		{"empty", ``, "EOF"},
		{"v1 without a method", `{"httpMethod":"","path":"/predict","requestContext":{"stage":"prod"}}`, "missing HTTP method"},
		{"v1 bad base64", `{"httpMethod":"POST","path":"/predict","requestContext":{"stage":"prod"},"body":"%%%","isBase64Encoded":true}`, "base64"},
		{"v2 method a number", `{"version":"2.0","rawPath":"/predict","requestContext":{"http":{"method":7}}}`, "decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runner.Invoke(context.Background(), events, []byte(tc.event))
			require.Error(t, err, "runner.Invoke: got %s", out)
			assert.ErrorContains(t, err, tc.want, "runner.Invoke")
			assert.NotContains(t, err.Error(), "panic", "runner.Invoke")
			if tc.want == "unrecognised event" {
				assert.ErrorIs(t, err, runner.ErrUnrecognisedEvent, "runner.Invoke")
			}

			stdout, err := invokeRun(t, root, []string{"-event", "-"}, strings.NewReader(tc.event))
			assert.ErrorContains(t, err, tc.want, "invoke -event -")
			assert.Empty(t, stdout, "invoke -event -: stdout")

			file := filepath.Join(t.TempDir(), "event.json")
			require.NoError(t, os.WriteFile(file, []byte(tc.event), 0o644))
			_, err = invokeRun(t, root, []string{"-event", file}, nil)
			assert.ErrorContains(t, err, tc.want, "invoke -event FILE")

			status, h, body := post(t, base+runner.InvokePath, "application/json", tc.event)
			require.Equal(t, http.StatusOK, status, "invoke route")
			require.Equal(t, "Unhandled", h.Get("X-Amz-Function-Error"), "invoke route: X-Amz-Function-Error")
			fe := decodeAs[struct {
				Message string `json:"errorMessage"`
				Type    string `json:"errorType"`
			}](t, body)
			assert.NotEmpty(t, fe.Message, "invoke route: errorMessage of %s", body)
			assert.NotEmpty(t, fe.Type, "invoke route: errorType of %s", body)
			assert.NotContains(t, fe.Message, "panic", "invoke route")
		})
	}
}

func TestInvokeMissingFile(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-event.json")
	stdout, err := invokeRun(t, root, []string{"-event", missing}, nil)
	assert.ErrorContains(t, err, missing, "invoke of a missing file: want an error naming it")
	assert.Empty(t, stdout, "invoke of a missing file: stdout")
	_, err = invokeRun(t, root, nil, nil)
	assert.ErrorContains(t, err, "-event", "invoke without -event: want an error asking for it")
}

// TestTrainEventsAreJSON checks the train sample events (the train
// function consumes them) are well-formed and of the expected kind.
func TestTrainEventsAreJSON(t *testing.T) {
	var schedule events.EventBridgeEvent
	require.NoError(t, json.Unmarshal(readEventFile(t, "train-schedule.json"), &schedule))
	assert.Equal(t, "Scheduled Event", schedule.DetailType, "train-schedule.json")
	assert.Equal(t, "aws.events", schedule.Source, "train-schedule.json")
	assert.Len(t, schedule.Resources, 1, "train-schedule.json: resources")

	var s3 events.S3Event
	require.NoError(t, json.Unmarshal(readEventFile(t, "train-s3-put.json"), &s3))
	require.Len(t, s3.Records, 1, "train-s3-put.json: records")
	r := s3.Records[0]
	assert.Equal(t, "aws:s3", r.EventSource, "train-s3-put.json")
	assert.Equal(t, "ObjectCreated:Put", r.EventName, "train-s3-put.json")
	assert.Equal(t, "studentperf-data", r.S3.Bucket.Name, "train-s3-put.json: bucket")
	assert.Equal(t, "students/train.csv", r.S3.Object.URLDecodedKey, "train-s3-put.json: key")

	direct := decodeAs[map[string]any](t, readEventFile(t, "train-direct.json"))
	assert.Equal(t, map[string]any{"data": "sample", "seed": 42.0, "test_fraction": 0.2, "min_r2": 0.6}, direct, "train-direct.json")

	// None of them is a predict event.
	httpEvents := runner.HTTPEvents(http.NotFoundHandler())
	for _, name := range []string{"train-schedule.json", "train-s3-put.json", "train-direct.json"} {
		_, err := runner.Invoke(context.Background(), httpEvents, readEventFile(t, name))
		assert.ErrorIs(t, err, runner.ErrUnrecognisedEvent, "%s through the predict adapter", name)
	}
}
