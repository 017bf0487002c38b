package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/functions/predict/internal/promdrift"
	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
)

// DefaultMaxBody is the default MAX_BODY_BYTES: 6 MiB, Lambda's limit for
// a synchronous payload, so that a batch of MAX_BATCH rows fits.
const DefaultMaxBody = 6 << 20

// Limits bound what one request may ask for.
type Limits struct {
	MaxBody  int64 // bytes of a request body
	MaxBatch int   // rows of one request
	// MaxExplainWork bounds the explanation work of one ?explain=true
	// request, in steps of explain.Explainer.Cost (DefaultExplainWork when
	// 0).
	MaxExplainWork float64
}

// api holds the dependencies of every handler.
type api struct {
	pred    *predictor.Predictor
	limits  Limits
	log     *slog.Logger
	metrics *serverMetrics
	served  atomic.Pointer[served]
	drift   bool         // count served records in the model's drift monitor (DRIFT)
	explain *explainGate // bounds ?explain=true work
}

// served is what the api keeps per loaded model version, beside the
// explainer the predictor built: its field mapping, its drift monitor, and
// the metadata and report of GET /model and /model/report, read from the
// store once. A new version gets a new served, made when it loads and
// swapped in atomically with it.
type served struct {
	loaded  *predictor.Loaded
	fs      *request.Fields
	monitor *drift.Monitor // nil with DRIFT=off or no training baseline

	mu     sync.Mutex  // guards the caches below
	info   *modelInfo  // GET /model, once read
	report *reportFile // GET /model/report, once read
}

func newAPI(pred *predictor.Predictor, limits Limits, log *slog.Logger) *api {
	a := &api{pred: pred, limits: limits, log: log, metrics: newMetrics(), drift: true,
		explain: newExplainGate(runtime.GOMAXPROCS(0), limits.MaxExplainWork)}
	a.metrics.reg.MustRegister(promdrift.NewCollector(a.currentMonitor))
	pred.OnReload = func(outcome string) {
		a.metrics.reloaded(outcome)
		a.metrics.storeHealth(pred.Status())
		if outcome == "loaded" {
			a.currentServed() // made at load, so the first request pays nothing
		}
	}
	return a
}

// handler returns the whole HTTP API.
func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, a)
	return mux
}

// current returns the loaded model with its field mapping, or ErrNoModel.
func (a *api) current() (*predictor.Loaded, *request.Fields, error) {
	sv, err := a.currentServed()
	if err != nil {
		return nil, nil, err
	}
	return sv.loaded, sv.fs, nil
}

// currentServed returns what is kept for the loaded model, or ErrNoModel.
// The reload hook makes it when a version loads; a request that sees the
// version before the hook has run makes it itself.
func (a *api) currentServed() (*served, error) {
	for {
		l := a.pred.Current()
		if l == nil {
			return nil, predictor.ErrNoModel
		}
		old := a.served.Load()
		if old != nil && old.loaded == l {
			return old, nil
		}
		// Two requests may race here: one swap wins and the other, reading
		// the model again, uses it, so that a version has one monitor.
		sv := &served{loaded: l, fs: request.NewFields(l.Model), monitor: a.newMonitor(l)}
		if a.served.CompareAndSwap(old, sv) {
			a.metrics.modelInfo(l.Version)
			return sv, nil
		}
	}
}

// targetAnswer is the answer to one record: the prediction keyed by the
// model's target ({"math_score": 66.1, …} for the student model,
// {"price": …} for a model of prices), then the members of rest, a struct
// that encodes as a JSON object (nil: the model version alone).
// batchResponse answers {"instances": …}.
type targetAnswer struct {
	target  string
	value   float64
	version string
	rest    any
}

// answer is the answer to one record.
func answer(target string, y float64, version string) targetAnswer {
	return targetAnswer{target: target, value: y, version: version}
}

// MarshalJSON writes {"<target>": value, "model_version": …} (or rest's
// members after the value), byte for byte as encoding/json writes a
// struct with those fields, in one buffer.
func (a targetAnswer) MarshalJSON() ([]byte, error) {
	if math.IsNaN(a.value) || math.IsInf(a.value, 0) {
		return nil, fmt.Errorf("prediction %v is not a JSON number", a.value)
	}
	b := make([]byte, 0, 48+len(a.target)+len(a.version))
	b = appendJSONString(append(b, '{'), a.target)
	b = appendJSONFloat(append(b, ':'), a.value)
	if a.rest == nil {
		b = appendJSONString(append(b, `,"model_version":`...), a.version)
		return append(b, '}'), nil
	}
	r, err := json.Marshal(a.rest)
	if err != nil {
		return nil, err
	}
	if len(r) > 2 { // rest has members
		return append(append(b, ','), r[1:]...), nil
	}
	return append(b, '}'), nil
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest decimal, in exponent form below 1e-6 and from 1e21 on, with a
// one-digit negative exponent unpadded.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s quoted as encoding/json quotes it: plain
// printable ASCII as it is, anything else through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

type batchResponse struct {
	Predictions  []float64 `json:"predictions"`
	ModelVersion string    `json:"model_version"`
}

func (a *api) predict() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		explain, err := explainQuery(r)
		if err != nil {
			writeError(w, err)
			return
		}
		l, fs, err := a.current()
		if err != nil {
			writeError(w, err)
			return
		}
		body, mt, err := readBody(w, r, a.limits, "application/json", "text/csv")
		if err != nil {
			writeError(w, err)
			return
		}
		if mt == "text/csv" {
			a.predictCSV(w, r, l, fs, body, explain)
			return
		}
		req, err := request.JSON(body, fs, a.limits.MaxBatch)
		if err != nil {
			writeError(w, err)
			return
		}
		var ex []explanation
		if explain { // before predicting, so that a refused request counts no predictions
			if ex, err = a.explainRows(r.Context(), w, l, req.Rows); err != nil {
				writeError(w, err)
				return
			}
		}
		out, err := a.predictRows(w, l, req.Rows)
		if err != nil {
			writeError(w, err)
			return
		}
		if explain {
			if req.Batch {
				writeJSON(w, http.StatusOK, explainedBatch{Predictions: out, Explanations: ex, ModelVersion: l.Version})
				return
			}
			writeJSON(w, http.StatusOK, targetAnswer{target: fs.Target(), value: out[0], version: l.Version, rest: explainedResponse{ModelVersion: l.Version, explanation: ex[0]}})
			return
		}
		if req.Batch {
			writeJSON(w, http.StatusOK, batchResponse{Predictions: out, ModelVersion: l.Version})
			return
		}
		writeJSON(w, http.StatusOK, answer(fs.Target(), out[0], l.Version))
	}
}

// predictCSV answers a text/csv body: CSV with a header naming the target,
// then one prediction line per record, or the JSON batch answer when the client accepts only JSON; with
// explain, each line also holds the baseline and the contributions.
func (a *api) predictCSV(w http.ResponseWriter, r *http.Request, l *predictor.Loaded, fs *request.Fields, body []byte, explain bool) {
	rows, err := request.CSV(body, fs, l.Model.Schema(), a.limits.MaxBatch)
	if err != nil {
		writeError(w, err)
		return
	}
	var ex []explanation
	if explain {
		if ex, err = a.explainRows(r.Context(), w, l, rows); err != nil {
			writeError(w, err)
			return
		}
	}
	out, err := a.predictRows(w, l, rows)
	if err != nil {
		writeError(w, err)
		return
	}
	if wantsJSON(r) {
		if explain {
			writeJSON(w, http.StatusOK, explainedBatch{Predictions: out, Explanations: ex, ModelVersion: l.Version})
			return
		}
		writeJSON(w, http.StatusOK, batchResponse{Predictions: out, ModelVersion: l.Version})
		return
	}
	var buf []byte
	if explain {
		buf = appendExplainedCSV(make([]byte, 0, 64+len(out)*20*(2+len(l.Model.Features))), fs.Target(), out, ex)
	} else {
		buf = make([]byte, 0, len(fs.Target())+1+len(out)*20)
		buf = appendCSVField(buf, fs.Target())
		buf = append(buf, '\n')
		for _, y := range out {
			buf = strconv.AppendFloat(buf, y, 'g', -1, 64)
			buf = append(buf, '\n')
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf)
}

// wantsJSON reports an Accept header that names application/json and not
// text/csv.
func wantsJSON(r *http.Request) bool {
	acc := r.Header.Get("Accept")
	return strings.Contains(acc, "application/json") && !strings.Contains(acc, "text/csv")
}

// predictRows predicts decoded rows with the loaded model, counts them and
// sets X-Model-Version; every prediction route ends here.
func (a *api) predictRows(w http.ResponseWriter, l *predictor.Loaded, rows []features.Row) ([]float64, error) {
	out := make([]float64, len(rows))
	if err := l.Model.PredictBatch(rows, out); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	a.metrics.predictions.Add(float64(len(out)))
	a.observeDrift(l, rows)
	w.Header().Set("X-Model-Version", l.Version)
	return out, nil
}

func (a *api) healthz() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

// readiness is the body of /readyz: ready while a verified model is
// loaded, with what the last look at the store found.
type readiness struct {
	Status       string `json:"status"` // "ready" or "not ready"
	ModelVersion string `json:"model_version,omitempty"`
	Error        string `json:"error,omitempty"`
	// Store is "ok" when the last check reached the store, "unreachable"
	// when it failed (the loaded model keeps serving), "unknown" before
	// the first check.
	Store        string `json:"store"`
	StoreError   string `json:"store_error,omitempty"`
	LastCheck    string `json:"last_check,omitempty"`
	Refused      string `json:"refused_version,omitempty"`
	StoreFailing int    `json:"store_failures,omitempty"`
}

func (a *api) readyz() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := a.pred.Status()
		body := readiness{Status: "ready", Store: "ok", StoreError: st.StoreErr, Refused: st.Refused, StoreFailing: st.Failures}
		switch {
		case st.Checked.IsZero():
			body.Store = "unknown"
		case st.StoreErr != "":
			body.Store = "unreachable"
		}
		if !st.Checked.IsZero() {
			body.LastCheck = st.Checked.UTC().Format(time.RFC3339Nano)
		}
		l, _, err := a.current()
		if err != nil {
			body.Status, body.Error = "not ready", err.Error()
			if st.StoreErr != "" {
				body.Error = "model store unreachable: " + st.StoreErr
			}
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		body.ModelVersion = l.Version
		w.Header().Set("X-Model-Version", l.Version)
		writeJSON(w, http.StatusOK, body)
	}
}
