package main

import (
	"io"
	"net/http"
	"time"

	"github.com/studentperf/studentperf/shared/emf"
	"github.com/studentperf/studentperf/shared/runner"
)

// emfNamespace is the CloudWatch namespace of both functions' metrics.
const emfNamespace = "studentperf"

// withEMF makes h write one CloudWatch Embedded Metric Format record a
// request to stdout under Lambda, where nobody scrapes /metrics and
// CloudWatch Logs turns the records into metrics: Requests, Latency
// (ms), Errors (5xx), ClientErrors (4xx) and DriftWarnings (features of
// the served model whose PSI is over the threshold), per function; the
// model version, method, path and status are properties. Outside Lambda
// it returns h unchanged (the server has /metrics).
func withEMF(a *api, h http.Handler, getenv func(string) string, stdout io.Writer) http.Handler {
	if !runner.IsLambda(getenv) {
		return h
	}
	name := getenv("AWS_LAMBDA_FUNCTION_NAME")
	if name == "" {
		name = "predict"
	}
	l := emf.New(stdout, emfNamespace, map[string]string{"Function": name})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		metrics := []emf.Metric{
			{Name: "Requests", Unit: emf.Count, Value: 1},
			{Name: "Latency", Unit: emf.Milliseconds, Value: float64(time.Since(start).Microseconds()) / 1000},
			{Name: "Errors", Unit: emf.Count, Value: b2f(status >= 500)},
			{Name: "ClientErrors", Unit: emf.Count, Value: b2f(status >= 400 && status < 500)},
		}
		if mon := a.currentMonitor(); mon != nil {
			metrics = append(metrics, emf.Metric{Name: "DriftWarnings", Unit: emf.Count, Value: float64(len(mon.Snapshot().Warnings))})
		}
		props := map[string]any{"method": r.Method, "path": r.URL.Path, "status": status}
		if v := w.Header().Get("X-Model-Version"); v != "" {
			props["model_version"] = v
		}
		if err := l.Emit(metrics, props); err != nil {
			a.log.Warn("EMF record not written", "err", err.Error())
		}
	})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
