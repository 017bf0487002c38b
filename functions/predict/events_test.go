package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
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
	if err != nil {
		t.Fatalf("read sample event: %v", err)
	}
	return b
}

// eventHandler builds the event handler the way run does for a store:
// predictor, first load, API, HTTP handler, Lambda adapter.
func eventHandler(t testing.TB, root string) runner.EventHandler {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	pred := predictor.New(modelstore.NewDir(root), modelName, log)
	a := newAPI(pred, Limits{MaxBody: 1 << 20, MaxBatch: 10000}, log)
	if err := pred.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
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

// checkEventResponse checks a Lambda response to a sample predict event
// and returns the predicted score.
func checkEventResponse(t testing.TB, out []byte, version string) float64 {
	t.Helper()
	resp := decodeAs[lambdaResponse](t, bytes.TrimSpace(out))
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatalf("response body is not base64: %v", err)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got statusCode %d; want 200: %s", resp.StatusCode, body)
	}
	got := decodeAs[predictResponse](t, body)
	if math.Abs(got.MathScore-referenceScore) > 0.01 {
		t.Errorf("got math_score %v; want %v ± 0.01", got.MathScore, referenceScore)
	}
	if got.ModelVersion != version {
		t.Errorf("got model_version %q; want %q", got.ModelVersion, version)
	}
	if h := resp.header("X-Model-Version"); h != version {
		t.Errorf("got X-Model-Version %q; want %q", h, version)
	}
	return got.MathScore
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
	root, version := referenceStore(t)
	events := eventHandler(t, root)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	want := predictOne(t, base, referenceJSON).MathScore

	paths := []struct {
		name   string
		invoke func(t *testing.T, file string, event []byte) []byte
	}{
		{"runner.Invoke", func(t *testing.T, _ string, event []byte) []byte {
			out, err := runner.Invoke(context.Background(), events, event)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}},
		{"invoke -event FILE", func(t *testing.T, file string, _ []byte) []byte {
			out, err := invokeRun(t, root, []string{"-event", eventPath(file)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return []byte(out)
		}},
		{"invoke route", func(t *testing.T, _ string, event []byte) []byte {
			status, h, body := post(t, base+runner.InvokePath, "application/json", string(event))
			if status != http.StatusOK || h.Get("X-Amz-Function-Error") != "" {
				t.Fatalf("POST %s: got status %d (function error %q); want 200: %s", runner.InvokePath, status, h.Get("X-Amz-Function-Error"), body)
			}
			return body
		}},
		{"invoke -event -", func(t *testing.T, _ string, event []byte) []byte {
			out, err := invokeRun(t, root, []string{"-event", "-"}, bytes.NewReader(event))
			if err != nil {
				t.Fatal(err)
			}
			return []byte(out)
		}},
	}
	for _, file := range predictEventFiles {
		event := readEventFile(t, file)
		for _, p := range paths {
			t.Run(file+"/"+p.name, func(t *testing.T) {
				got := checkEventResponse(t, p.invoke(t, file, event), version)
				if math.Abs(got-want) > 1e-9 {
					t.Errorf("got math_score %v; want %v as from POST /predict", got, want)
				}
			})
		}
	}
}

func TestRouteParity(t *testing.T) {
	root, version := referenceStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})

	single := predictOne(t, base, referenceJSON)
	if math.Abs(single.MathScore-referenceScore) > 0.01 || single.ModelVersion != version {
		t.Fatalf("POST /predict: got %+v; want %v ± 0.01 from %s", single, referenceScore, version)
	}
	scores := map[string]float64{}

	status, _, body := post(t, base+"/predict", "application/json", `{"instances":[`+referenceJSON+`]}`)
	if status != http.StatusOK {
		t.Fatalf("POST /predict batch: got status %d; want 200: %s", status, body)
	}
	if b := decodeAs[batchResponse](t, body); len(b.Predictions) == 1 {
		scores["POST /predict {instances}"] = b.Predictions[0]
	} else {
		t.Errorf("POST /predict batch: got %d predictions; want 1", len(b.Predictions))
	}

	status, _, body = post(t, base+"/v2/models/"+modelName+"/infer", "application/json", oipRequest(t, []map[string]any{referenceRecord}, false))
	if status != http.StatusOK {
		t.Fatalf("POST infer: got status %d; want 200: %s", status, body)
	}
	if r := decodeAs[oipInferResponse](t, body); len(r.Outputs) == 1 && len(r.Outputs[0].Data) == 1 {
		scores["POST /v2/models/{model}/infer"] = r.Outputs[0].Data[0]
	} else {
		t.Errorf("POST infer: got outputs %+v; want one value", r.Outputs)
	}

	for _, file := range predictEventFiles {
		status, _, body := post(t, base+runner.InvokePath, "application/json", string(readEventFile(t, file)))
		if status != http.StatusOK {
			t.Fatalf("invoke %s: got status %d; want 200", file, status)
		}
		scores["invoke "+file] = checkEventResponse(t, body, version)
	}

	for route, got := range scores {
		if math.Abs(got-single.MathScore) > 1e-9 {
			t.Errorf("%s: got %v; want %v as from POST /predict (to 1e-9)", route, got, single.MathScore)
		}
	}

	// The form shows two decimals of the same number.
	status, h, body := post(t, base+"/predictdata", "application/x-www-form-urlencoded", formValues(referenceRecord).Encode())
	if status != http.StatusOK || h.Get("X-Model-Version") != version {
		t.Fatalf("POST /predictdata: got %d version %q; want 200 %s", status, h.Get("X-Model-Version"), version)
	}
	if want := fmt.Sprintf(`<strong id="score">%.2f</strong>`, single.MathScore); !strings.Contains(string(body), want) {
		t.Errorf("POST /predictdata: page does not contain %s", want)
	}
}

// sqsEvent is a well-formed event of a kind predict does not handle.
const sqsEvent = `{"Records":[{"messageId":"2e1424d4-f796-459a-8184-9c92662be6da","receiptHandle":"AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...","body":"hello","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082650636","SenderId":"AIDAIENQZJOLO23YVJ4VO","ApproximateFirstReceiveTimestamp":"1545082650649"},"messageAttributes":{},"md5OfBody":"5d41402abc4b2a76b9719d911017c592","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-2:123456789012:my-queue","awsRegion":"eu-west-2"}]}`

func TestBadEvents(t *testing.T) {
	root, _ := referenceStore(t)
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
			if err == nil {
				t.Fatalf("runner.Invoke: got %s and no error; want an error", out)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "panic") {
				t.Errorf("runner.Invoke: got error %q; want one mentioning %q", err, tc.want)
			}
			if tc.want == "unrecognised event" && !errors.Is(err, runner.ErrUnrecognisedEvent) {
				t.Errorf("runner.Invoke: got error %v; want runner.ErrUnrecognisedEvent", err)
			}

			stdout, err := invokeRun(t, root, []string{"-event", "-"}, strings.NewReader(tc.event))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("invoke -event -: got error %v; want one mentioning %q", err, tc.want)
			}
			if stdout != "" {
				t.Errorf("invoke -event -: got stdout %q; want nothing", stdout)
			}

			file := filepath.Join(t.TempDir(), "event.json")
			if err := os.WriteFile(file, []byte(tc.event), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := invokeRun(t, root, []string{"-event", file}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("invoke -event FILE: got error %v; want one mentioning %q", err, tc.want)
			}

			status, h, body := post(t, base+runner.InvokePath, "application/json", tc.event)
			if status != http.StatusOK || h.Get("X-Amz-Function-Error") != "Unhandled" {
				t.Fatalf("invoke route: got status %d, X-Amz-Function-Error %q; want 200 Unhandled", status, h.Get("X-Amz-Function-Error"))
			}
			fe := decodeAs[struct {
				Message string `json:"errorMessage"`
				Type    string `json:"errorType"`
			}](t, body)
			if fe.Message == "" || fe.Type == "" || strings.Contains(fe.Message, "panic") {
				t.Errorf("invoke route: got function error %s; want errorMessage and errorType", body)
			}
		})
	}
}

func TestInvokeMissingFile(t *testing.T) {
	root := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-event.json")
	stdout, err := invokeRun(t, root, []string{"-event", missing}, nil)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("invoke -event %s: got error %v; want one naming the file", missing, err)
	}
	if stdout != "" {
		t.Errorf("invoke of a missing file: got stdout %q; want nothing", stdout)
	}
	if _, err := invokeRun(t, root, nil, nil); err == nil || !strings.Contains(err.Error(), "-event") {
		t.Errorf("invoke without -event: got error %v; want one asking for -event", err)
	}
}

// TestTrainEventsAreJSON checks the train sample events (the train
// function consumes them) are well-formed and of the expected kind.
func TestTrainEventsAreJSON(t *testing.T) {
	var schedule struct {
		DetailType string   `json:"detail-type"`
		Source     string   `json:"source"`
		Resources  []string `json:"resources"`
	}
	if err := json.Unmarshal(readEventFile(t, "train-schedule.json"), &schedule); err != nil {
		t.Fatal(err)
	}
	if schedule.DetailType != "Scheduled Event" || schedule.Source != "aws.events" || len(schedule.Resources) != 1 {
		t.Errorf("train-schedule.json: got %+v; want a Scheduled Event from aws.events", schedule)
	}

	var s3 struct {
		Records []struct {
			EventSource string `json:"eventSource"`
			EventName   string `json:"eventName"`
			S3          struct {
				Bucket struct{ Name string } `json:"bucket"`
				Object struct{ Key string }  `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(readEventFile(t, "train-s3-put.json"), &s3); err != nil {
		t.Fatal(err)
	}
	if len(s3.Records) != 1 || s3.Records[0].EventSource != "aws:s3" || s3.Records[0].EventName != "ObjectCreated:Put" ||
		s3.Records[0].S3.Bucket.Name != "studentperf-data" || s3.Records[0].S3.Object.Key != "students/train.csv" {
		t.Errorf("train-s3-put.json: got %+v; want one ObjectCreated:Put of studentperf-data/students/train.csv", s3.Records)
	}

	direct := decodeAs[map[string]any](t, readEventFile(t, "train-direct.json"))
	want := map[string]any{"data": "sample", "seed": 42.0, "test_fraction": 0.2, "min_r2": 0.6}
	if fmt.Sprint(direct) != fmt.Sprint(want) {
		t.Errorf("train-direct.json: got %v; want %v", direct, want)
	}

	// None of them is a predict event.
	events := runner.HTTPEvents(http.NotFoundHandler())
	for _, name := range []string{"train-schedule.json", "train-s3-put.json", "train-direct.json"} {
		if _, err := runner.Invoke(context.Background(), events, readEventFile(t, name)); !errors.Is(err, runner.ErrUnrecognisedEvent) {
			t.Errorf("%s through the predict adapter: got %v; want runner.ErrUnrecognisedEvent", name, err)
		}
	}
}
