package main

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/studentperf/studentperf/shared/emf"
	"github.com/studentperf/studentperf/shared/runner"
)

// withEMF makes h write one CloudWatch Embedded Metric Format record an
// invocation to stdout under Lambda (CloudWatch Logs turns it into
// metrics): Invocations, Failures (the handler returned an error: a
// refused or failed run, which Lambda retries and then sends to the
// dead-letter queue), Duration (s), and for a training run Pushed and
// TestR2; the run's model version, the trigger's result and the error are
// properties. Outside Lambda it returns h unchanged.
func withEMF(h runner.EventHandler, getenv func(string) string, stdout io.Writer) runner.EventHandler {
	if !runner.IsLambda(getenv) {
		return h
	}
	name := getenv("AWS_LAMBDA_FUNCTION_NAME")
	if name == "" {
		name = "train"
	}
	l := emf.New(stdout, "studentperf", map[string]string{"Function": name})
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		start := time.Now()
		out, err := h(ctx, event)
		failed := 0.0
		props := map[string]any{}
		if err != nil {
			failed = 1
			props["error"] = err.Error()
		}
		metrics := []emf.Metric{
			{Name: "Invocations", Unit: emf.Count, Value: 1},
			{Name: "Failures", Unit: emf.Count, Value: failed},
			{Name: "Duration", Unit: emf.Seconds, Value: time.Since(start).Seconds()},
		}
		if r, ok := out.(*result); ok && r != nil {
			pushed := 0.0
			if r.Pushed {
				pushed = 1
				props["model_version"] = r.Version
			}
			metrics = append(metrics,
				emf.Metric{Name: "Pushed", Unit: emf.Count, Value: pushed},
				emf.Metric{Name: "TestR2", Unit: emf.None, Value: r.Test.R2})
			props["reason"] = r.Reason
			props["data"] = r.Data.URI
		}
		l.Emit(metrics, props) // a lost record must not fail the run
		return out, err
	}
}
