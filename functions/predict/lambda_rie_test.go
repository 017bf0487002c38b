package main

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/lambdatest"
)

// riePredictEvents are the sample events of POST /predict in ../../events,
// one per way Lambda is invoked behind HTTP, all for the reference record.
var riePredictEvents = []string{
	"predict-apigw-rest.json",
	"predict-function-url.json",
	"predict-http-api.json",
}

// rieReadEvents reads the sample predict events; a missing, extra or
// unreadable file fails the test.
func rieReadEvents(t testing.TB) map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "events")
	paths, err := filepath.Glob(filepath.Join(dir, "predict-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		// The S3 batch event is not an HTTP request; TestS3LambdaParity sends it.
		if name := filepath.Base(p); name != "predict-s3-batch.json" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, riePredictEvents) {
		t.Fatalf("%s/predict-*.json = %q; want exactly %q", dir, names, riePredictEvents)
	}
	out := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("read sample event: %v", err)
		}
		out[name] = b
	}
	return out
}

// rieInvoke invokes the function with event and decodes the answer as an
// HTTP response, failing on a function error; it returns the response with
// its decoded body.
func rieInvoke(t testing.TB, emu *lambdatest.Emulator, event []byte) (lambdaResponse, []byte) {
	t.Helper()
	status, answer := emu.Invoke(t, event)
	if status != http.StatusOK {
		t.Fatalf("emulator answered %d: %s", status, answer)
	}
	var fnErr struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(answer, &fnErr) == nil && (fnErr.ErrorType != "" || fnErr.ErrorMessage != "") {
		t.Fatalf("function error: %s", answer)
	}
	var r lambdaResponse
	if err := json.Unmarshal(answer, &r); err != nil {
		t.Fatalf("response %s: %v", answer, err)
	}
	body := []byte(r.Body)
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			t.Fatalf("response body is not base64 although isBase64Encoded: %v", err)
		}
		body = b
	}
	t.Logf("statusCode %d, body %s", r.StatusCode, body)
	return r, body
}

// TestLambdaRIE runs predict, built for Lambda, under the real AWS Lambda
// Runtime Interface Emulator and sends it the sample events as Lambda
// would.
func TestLambdaRIE(t *testing.T) {
	lambdatest.Binary(t) // skip (or fail under CI) before building anything
	events := rieReadEvents(t)
	root, version := referenceStore(t)
	fn := lambdatest.BuildFunction(t, ".")
	emu := lambdatest.Start(t, fn, []string{
		"MODEL_STORE=" + root,
		"MODEL_NAME=student-math-score",
		"LOG_LEVEL=debug",
	})

	for _, name := range riePredictEvents {
		t.Run(name, func(t *testing.T) {
			r, body := rieInvoke(t, emu, events[name])
			if r.StatusCode != http.StatusOK {
				t.Fatalf("statusCode = %d; want 200 (body %s)", r.StatusCode, body)
			}
			var got predictResponse
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if math.Abs(got.MathScore-referenceScore) > 0.01 {
				t.Errorf("math_score = %v; want %.4f ± 0.01", got.MathScore, referenceScore)
			}
			if got.ModelVersion != version {
				t.Errorf("model_version = %q; want %q", got.ModelVersion, version)
			}
			if h := r.header("X-Model-Version"); h != version {
				t.Errorf("X-Model-Version = %q; want %q", h, version)
			}
			if ct := r.header("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
		})
	}

	t.Run("unrecognised event (SQS)", func(t *testing.T) {
		sqs := `{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",` +
			`"body":` + strconv.Quote(referenceJSON) + `,"attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1764165801123"},` +
			`"messageAttributes":{},"md5OfBody":"587bdf891131453f19f15dfdbb6e3a62","eventSource":"aws:sqs",` +
			`"eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:predict-requests","awsRegion":"eu-west-1"}]}`
		status, answer := emu.Invoke(t, []byte(sqs))
		var fnErr struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		if err := json.Unmarshal(answer, &fnErr); err != nil {
			t.Fatalf("emulator answered %d %s: %v", status, answer, err)
		}
		t.Logf("emulator answered %d %s", status, answer)
		if fnErr.ErrorType == "" || !strings.Contains(fnErr.ErrorMessage, "unrecognised") {
			t.Errorf("emulator answered %d %s; want a function error whose errorMessage says the event is unrecognised", status, answer)
		}
	})

	t.Run("unknown category (HTTP API)", func(t *testing.T) {
		var event map[string]any
		if err := json.Unmarshal(events["predict-http-api.json"], &event); err != nil {
			t.Fatal(err)
		}
		record := strings.Replace(referenceJSON, `"group B"`, `"group Z"`, 1)
		event["body"], event["isBase64Encoded"] = record, false
		if h, ok := event["headers"].(map[string]any); ok {
			h["content-length"] = strconv.Itoa(len(record))
		}
		b, err := json.Marshal(event)
		if err != nil {
			t.Fatal(err)
		}
		r, body := rieInvoke(t, emu, b)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("statusCode = %d; want 400 (body %s)", r.StatusCode, body)
		}
		if ct := r.header("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q; want application/json", ct)
		}
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("body %s: %v; want a JSON error", body, err)
		}
		for _, want := range []string{"race_ethnicity", "group Z"} {
			if !strings.Contains(e.Error, want) {
				t.Errorf("error = %q; want it to name %q", e.Error, want)
			}
		}
	})

	// A bad request leaves the function healthy: the next event still works.
	t.Run("after the errors", func(t *testing.T) {
		r, body := rieInvoke(t, emu, events["predict-http-api.json"])
		if r.StatusCode != http.StatusOK {
			t.Fatalf("statusCode = %d; want 200 (body %s)", r.StatusCode, body)
		}
	})
}
