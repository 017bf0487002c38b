package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/pusher"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// trainer runs training on request: from POST /train, an EventBridge
// schedule, an S3 upload or a direct payload. One run at a time: a run
// takes the process's CPU, and two would race for the same pointer; a few
// requests may wait behind it (runs), the rest are told to come back.
type trainer struct {
	cfg   config
	store modelstore.Store
	log   *slog.Logger
	guard guard
	runs  runQueue
}

// options are the run settings a request may change; absent members keep
// the configured values. A direct payload may also name a command.
type options struct {
	Command      string   `json:"command,omitempty"` // run (default), rollback or versions: direct payloads only
	To           string   `json:"to,omitempty"`      // rollback only
	Data         *string  `json:"data,omitempty"`
	TestData     *string  `json:"test_data,omitempty"`
	TestFraction *float64 `json:"test_fraction,omitempty"`
	Seed         *uint64  `json:"seed,omitempty"`
	MinR2        *float64 `json:"min_r2,omitempty"`
}

// result is the answer to one run.
type result struct {
	Pushed          bool               `json:"pushed"`
	Version         string             `json:"version,omitempty"`
	PreviousVersion string             `json:"previous_version,omitempty"`
	Reason          string             `json:"reason"`
	Selected        string             `json:"selected"`
	Test            metrics.Regression `json:"test"`
	CV              model.CV           `json:"cv"`
	Data            model.DataInfo     `json:"data"`
	Seconds         float64            `json:"seconds"`
	Report          string             `json:"report,omitempty"` // where report.html went: the version's, or runs/ for a refused run
}

// errBadOptions reports a request whose options are malformed.
var errBadOptions = errors.New("train: bad run options")

// decodeOptions reads options strictly: unknown members and trailing data
// are errors; an empty body is no options.
func decodeOptions(body []byte) (options, error) {
	var o options
	if len(bytes.TrimSpace(body)) == 0 {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("%w: %w (members: command, to, data, test_data, test_fraction, seed, min_r2)", errBadOptions, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return o, fmt.Errorf("%w: trailing data after the JSON object", errBadOptions)
	}
	return o, nil
}

// apply returns the configuration with o's settings, checked like flags.
func (o options) apply(cfg config) (config, error) {
	var problems []string
	if o.Data != nil {
		cfg.Data = *o.Data
		if cfg.Data == "" {
			problems = append(problems, "data: must not be empty")
		}
	}
	if o.TestData != nil {
		cfg.TestData = *o.TestData
	}
	if o.TestFraction != nil {
		if f := *o.TestFraction; !(f > 0 && f < 1) {
			problems = append(problems, fmt.Sprintf("test_fraction %v: want a number strictly between 0 and 1", f))
		}
		cfg.TestFraction = *o.TestFraction
	}
	if o.Seed != nil {
		cfg.Seed = *o.Seed
	}
	if o.MinR2 != nil {
		if *o.MinR2 > 1 {
			problems = append(problems, fmt.Sprintf("min_r2 %v: want a number at most 1", *o.MinR2))
		}
		cfg.MinR2 = *o.MinR2
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("%w: %s", errBadOptions, strings.Join(problems, "; "))
	}
	return cfg, nil
}

// run trains once with o applied, once the guard allows o.
func (t *trainer) run(ctx context.Context, o options, trigger string) (*result, error) {
	if o.Command != "" || o.To != "" {
		return nil, fmt.Errorf("%w: command and to are members of direct payloads only", errBadOptions)
	}
	if err := t.guard.checkOptions(o); err != nil {
		t.log.Warn("training request refused", "trigger", trigger, "err", err.Error())
		return nil, err
	}
	cfg, err := o.apply(t.cfg)
	if err != nil {
		return nil, err
	}
	release, err := t.runs.acquire(ctx)
	if err != nil {
		t.log.Warn("training request not queued", "trigger", trigger, "err", err.Error())
		return nil, err
	}
	defer release()
	start := time.Now()
	t.log.Info("training started", "trigger", trigger, "data", cfg.Data, "seed", cfg.Seed)
	wait := cfg.DataWait
	if wait <= 0 {
		wait = defaultDataWait
	}
	out, err := trainBounded(ctx, cfg, t.store, wait)
	if err != nil {
		t.log.Error("training failed", "trigger", trigger, "err", err.Error())
		return nil, err
	}
	d := out.Decision
	r := &result{Pushed: d.Pushed, Version: d.Version, PreviousVersion: d.PreviousVersion, Reason: d.Reason,
		Selected: out.Metrics.Selected, Test: out.Metrics.Test, CV: out.Metrics.CV, Data: out.Metrics.Data,
		Seconds: time.Since(start).Seconds(), Report: d.Report}
	if d.ReportErr != nil {
		t.log.Warn("run report not written", "trigger", trigger, "err", d.ReportErr.Error())
	}
	t.log.Info("training finished", "trigger", trigger, "pushed", r.Pushed, "version", r.Version, "reason", r.Reason, "test_r2", r.Test.R2)
	return r, nil
}

// statusOf is the one place that maps a training error to an HTTP status:
// the caller's mistakes are 4xx, the store's failures 5xx.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, errBadOptions), errors.Is(err, dataset.ErrInvalid), errors.Is(err, dataset.ErrTask),
		errors.Is(err, dataset.ErrBadURI), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, s3io.ErrBadURI), errors.Is(err, s3io.ErrNotFound):
		return http.StatusBadRequest
	case errors.Is(err, pusher.ErrBelowMinR2), errors.Is(err, errRollback):
		return http.StatusUnprocessableEntity
	case errors.Is(err, pusher.ErrLostRace), errors.Is(err, modelstore.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, errBusy):
		return http.StatusTooManyRequests
	case errors.Is(err, errDataStalled):
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// maxOptionsBody bounds a POST /train body: options are a few members.
const maxOptionsBody = 64 << 10

// handler is what train serve answers: the routes and the invoke route,
// behind the bearer token when one is configured.
func (t *trainer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(runner.InvokePath, runner.InvokeHandler(t.events(), 0))
	mux.Handle("/", t.routes())
	return t.guard.authorize(mux)
}

// routes is train's HTTP API, as served locally and to API Gateway and
// Function URL events.
func (t *trainer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /train", t.trainHTTP)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		runner.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		runner.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		runner.WriteJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no route for %s %s (train serves POST /train)", r.Method, r.URL.Path)})
	})
	return mux
}

func (t *trainer) trainHTTP(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		runner.WriteJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": fmt.Sprintf("Content-Type %q; use application/json", ct)})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOptionsBody))
	if err != nil {
		runner.WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body over %d bytes or unreadable: %v", maxOptionsBody, err)})
		return
	}
	o, err := decodeOptions(body)
	if err != nil {
		runner.WriteJSON(w, statusOf(err), map[string]string{"error": err.Error()})
		return
	}
	res, err := t.run(r.Context(), o, "http")
	if err != nil {
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", retryAfter)
		}
		runner.WriteJSON(w, statusOf(err), map[string]string{"error": err.Error()})
		return
	}
	runner.WriteJSON(w, http.StatusOK, res)
}

// events handles every Lambda event train accepts, told apart by shape:
// API Gateway and Function URL requests go to the HTTP API; an
// EventBridge scheduled event trains with the configured options (or the
// event's detail, if it holds some); an S3 ObjectCreated event trains on
// that object; anything else is a direct payload of options.
func (t *trainer) events() runner.EventHandler {
	httpEvents := runner.HTTPEvents(t.guard.authorize(t.routes()))
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		var shape map[string]json.RawMessage
		if err := json.Unmarshal(event, &shape); err != nil || shape == nil {
			return nil, fmt.Errorf("%w: the event must be a JSON object", errBadOptions)
		}
		_, hasRequest := shape["requestContext"]
		_, hasMethod := shape["httpMethod"]
		_, hasRecords := shape["Records"]
		_, hasDetailType := shape["detail-type"]
		switch {
		case hasRequest || hasMethod:
			return httpEvents(ctx, event)
		case hasRecords:
			uri, isS3, err := runner.S3ObjectCreated(event)
			if !isS3 {
				return nil, fmt.Errorf("%w: a Records event that is not an S3 notification", errBadOptions)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errBadOptions, err)
			}
			if !strings.HasSuffix(strings.ToLower(uri), ".csv") {
				t.log.Info("S3 upload ignored", "object", uri)
				return ignored{Ignored: true, Reason: fmt.Sprintf("%s is not a .csv object: train runs on CSV uploads only", uri)}, nil
			}
			return t.run(ctx, options{Data: &uri}, "s3")
		case hasDetailType:
			var eb events.EventBridgeEvent
			if err := json.Unmarshal(event, &eb); err != nil {
				return nil, fmt.Errorf("%w: EventBridge event: %w", errBadOptions, err)
			}
			o, err := decodeOptions(bytes.TrimSpace(eb.Detail))
			if err != nil && string(bytes.TrimSpace(eb.Detail)) != "null" {
				return nil, fmt.Errorf("EventBridge %q detail: %w", eb.DetailType, err)
			}
			return t.run(ctx, o, "eventbridge:"+eb.DetailType)
		default:
			o, err := decodeOptions(event)
			if err != nil {
				return nil, fmt.Errorf("direct payload: %w", err)
			}
			return t.command(ctx, o)
		}
	}
}

// ignored answers an event that rightly starts no run.
type ignored struct {
	Ignored bool   `json:"ignored"`
	Reason  string `json:"reason"`
}

// command runs a direct payload's command: a training run (the default),
// a rollback or the list of versions.
func (t *trainer) command(ctx context.Context, o options) (any, error) {
	switch o.Command {
	case "", "run":
		o.Command = ""
		return t.run(ctx, o, "direct")
	case "versions", "rollback":
		if o.Data != nil || o.TestData != nil || o.TestFraction != nil || o.Seed != nil || o.MinR2 != nil || o.Command == "versions" && o.To != "" {
			return nil, fmt.Errorf("%w: command %q takes no run options", errBadOptions, o.Command)
		}
		release, err := t.runs.acquire(ctx) // not while a run pushes
		if err != nil {
			return nil, err
		}
		defer release()
		if o.Command == "versions" {
			return listVersions(ctx, t.store, t.cfg.Model)
		}
		if o.To != "" {
			if err := modelstore.CheckName("version", o.To); err != nil {
				return nil, fmt.Errorf("%w: to: %v", errBadOptions, err)
			}
		}
		res, err := rollback(ctx, t.store, t.cfg.Model, o.To)
		if err == nil {
			t.log.Info("rolled back", "from", res.From, "to", res.To)
		}
		return res, err
	}
	return nil, fmt.Errorf("%w: unknown command %q (want run, rollback or versions)", errBadOptions, o.Command)
}
