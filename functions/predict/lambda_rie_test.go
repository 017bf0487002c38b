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
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
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
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		// The S3 batch event is not an HTTP request; TestS3LambdaParity sends it.
		if name := filepath.Base(p); name != "predict-s3-batch.json" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	require.Equal(t, riePredictEvents, names, "%s/predict-*.json", dir)
	out := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "read sample event")
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
	require.Equal(t, http.StatusOK, status, "emulator answered: %s", answer)
	var fnErr struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(answer, &fnErr) == nil {
		require.Empty(t, fnErr.ErrorType+fnErr.ErrorMessage, "function error: %s", answer)
	}
	var r lambdaResponse
	require.NoError(t, json.Unmarshal(answer, &r), "response %s", answer)
	body := []byte(r.Body)
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(r.Body)
		require.NoError(t, err, "response body is not base64 although isBase64Encoded")
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
	root, version := sampleStore(t)
	want := modelPrediction(t, root, referenceRecord)
	fn := lambdatest.BuildFunction(t, ".")
	emu := lambdatest.Start(t, fn, []string{
		"MODEL_STORE=" + root,
		"MODEL_NAME=student-math-score",
		"LOG_LEVEL=debug",
	})

	for _, name := range riePredictEvents {
		t.Run(name, func(t *testing.T) {
			r, body := rieInvoke(t, emu, events[name])
			require.Equal(t, http.StatusOK, r.StatusCode, "statusCode (body %s)", body)
			got := decodeAs[predictResponse](t, body)
			assert.InDelta(t, want, got.MathScore, 1e-9, "math_score: want what the model predicts in-process")
			assert.Equal(t, version, got.ModelVersion, "model_version")
			assert.Equal(t, version, r.header("X-Model-Version"), "X-Model-Version")
			assert.True(t, strings.HasPrefix(r.header("Content-Type"), "application/json"), "Content-Type = %q; want application/json", r.header("Content-Type"))
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
		require.NoError(t, json.Unmarshal(answer, &fnErr), "emulator answered %d %s", status, answer)
		t.Logf("emulator answered %d %s", status, answer)
		assert.NotEmpty(t, fnErr.ErrorType, "want a function error")
		assert.Contains(t, fnErr.ErrorMessage, "unrecognised", "want an errorMessage saying the event is unrecognised")
	})

	t.Run("unknown category (HTTP API)", func(t *testing.T) {
		var event map[string]any
		require.NoError(t, json.Unmarshal(events["predict-http-api.json"], &event))
		record := strings.Replace(referenceJSON, `"group B"`, `"group Z"`, 1)
		event["body"], event["isBase64Encoded"] = record, false
		if h, ok := event["headers"].(map[string]any); ok {
			h["content-length"] = strconv.Itoa(len(record))
		}
		b, err := json.Marshal(event)
		require.NoError(t, err)
		r, body := rieInvoke(t, emu, b)
		require.Equal(t, http.StatusBadRequest, r.StatusCode, "statusCode (body %s)", body)
		assert.True(t, strings.HasPrefix(r.header("Content-Type"), "application/json"), "Content-Type = %q; want application/json", r.header("Content-Type"))
		var e struct {
			Error string `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &e), "body %s; want a JSON error", body)
		for _, want := range []string{"race_ethnicity", "group Z"} {
			assert.Contains(t, e.Error, want, "the error must name it")
		}
	})

	// A bad request leaves the function healthy: the next event still works.
	t.Run("after the errors", func(t *testing.T) {
		r, body := rieInvoke(t, emu, events["predict-http-api.json"])
		require.Equal(t, http.StatusOK, r.StatusCode, "statusCode (body %s)", body)
	})
}

// rieHTTPEvent is the sample HTTP API event with body as its JSON body.
func rieHTTPEvent(t testing.TB, events map[string][]byte, body string) []byte {
	t.Helper()
	var event map[string]any
	require.NoError(t, json.Unmarshal(events["predict-http-api.json"], &event))
	event["body"], event["isBase64Encoded"] = body, false
	if h, ok := event["headers"].(map[string]any); ok {
		h["content-length"] = strconv.Itoa(len(body))
	}
	b, err := json.Marshal(event)
	require.NoError(t, err)
	return b
}

// TestLambdaRIEGenericModel serves a model of a table that is not the
// student data (a ZIP code and a grade as categories, a negative number, a
// date) under the Lambda Runtime Interface Emulator: the answer is keyed by
// that model's target, an unseen level and a missing optional field are
// imputed, and a word where a number belongs is a 400 naming the field.
func TestLambdaRIEGenericModel(t *testing.T) {
	lambdatest.Binary(t)
	events := rieReadEvents(t)
	m, tab := modeltest.GenericModel(t, genericName, true)
	root := t.TempDir()
	version := pushModel(t, root, m, tab, time.Now())
	fn := lambdatest.BuildFunction(t, ".")
	emu := lambdatest.Start(t, fn, []string{"MODEL_STORE=" + root, "MODEL_NAME=" + genericName})

	row := genericRow()
	unseen := genericRow()
	unseen.Cat[1] = "" // an unseen level is read as missing under an inferred schema
	noSqft := genericRow()
	noSqft.Num[0] = math.NaN()
	for _, c := range []struct {
		name   string
		record map[string]any
		want   features.Row
	}{
		{"whole row", genericRecord(), row},
		{"unseen level", with(genericRecord(), map[string]any{"grade": "superb"}), unseen},
		{"missing number", with(genericRecord(), map[string]any{"sqft": nil}), noSqft},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, err := json.Marshal(c.record)
			require.NoError(t, err)
			r, answer := rieInvoke(t, emu, rieHTTPEvent(t, events, string(body)))
			require.Equal(t, http.StatusOK, r.StatusCode, "statusCode (body %s)", answer)
			var got map[string]any
			require.NoError(t, json.Unmarshal(answer, &got), "body %s", answer)
			assert.NotContains(t, got, "math_score", "a price model answers by its own target")
			require.Contains(t, got, genericName, "body %s", answer)
			assert.InDelta(t, predictRow(t, m, c.want), got[genericName], 1e-9, "%s: want what the model predicts in-process", genericName)
			assert.Equal(t, version, got["model_version"])
		})
	}
	t.Run("a word for a number", func(t *testing.T) {
		body, err := json.Marshal(with(genericRecord(), map[string]any{"sqft": "heavy"}))
		require.NoError(t, err)
		r, answer := rieInvoke(t, emu, rieHTTPEvent(t, events, string(body)))
		require.Equal(t, http.StatusBadRequest, r.StatusCode, "statusCode (body %s)", answer)
		var e struct {
			Error string `json:"error"`
		}
		require.NoError(t, json.Unmarshal(answer, &e), "body %s; want a JSON error", answer)
		assert.Contains(t, e.Error, "sqft", "the error must name the field")
		assert.Contains(t, e.Error, "heavy", "the error must name the value")
	})
}
