// Command predict serves the current model of a model store over HTTP: a
// JSON API, a web form, the Open Inference Protocol, health, metrics and an
// OpenAPI description. The same binary runs as a local server or under
// AWS Lambda (API Gateway REST or HTTP API, or a Function URL).
//
// Usage:
//
//	predict [serve] [flags]          HTTP server on $PORT (default 8080)
//	predict invoke -event FILE|-     run the Lambda handler once on an event
//	predict batch -in URI -out URI [-errors URI]
//	                                 score a CSV file or S3 object in constant memory
//
// Under Lambda (AWS_LAMBDA_RUNTIME_API set) the command is ignored and the
// Lambda runtime loop starts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/studentperf/studentperf/shared/cli"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
)

func main() { cli.Main("predict", run) }

// run is the whole program behind main. Logs go to stderr as JSON lines;
// stdout carries only what invoke prints.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, args, err := cli.Select("predict", args, commands)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(cmd, args, getenv, stderr)
	if err != nil {
		return err
	}
	// Under Lambda the process is frozen between invocations, so logs go
	// out unbuffered; a local server batches them (see bufferedLog).
	logOut := stderr
	if !runner.IsLambda(getenv) {
		buf := newBufferedLog(stderr, 64<<10, 200*time.Millisecond)
		defer buf.Close()
		logOut = buf
	}
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: cfg.LogLevel}))
	store, err := cli.OpenStore(ctx, cfg.Store, modelstore.Options{S3Endpoint: cfg.S3Endpoint})
	if err != nil {
		return err
	}
	pred := predictor.New(store, cfg.Model, log)
	bio := batchIO(cfg, stdin, stdout)
	if cmd == "batch" && !runner.IsLambda(getenv) {
		return runBatch(ctx, pred, bio, cfg, stderr)
	}
	a := newAPI(pred, cfg.Limits, log)
	a.drift = cfg.Drift
	if err := pred.Reload(ctx); err != nil {
		// Serve anyway: readiness says 503 until a verified model arrives.
		log.Warn("no model loaded at start", "err", err.Error(), "store", cfg.Store, "model", cfg.Model)
	}
	h := withEMF(a, a.handler(), getenv, stdout)
	events := withBatchEvents(runner.HTTPEvents(h), pred, bio, cfg.BatchPrefix, log)
	events = withShardEvents(events, pred, cfg.S3Endpoint, log) // the bulk-scoring state machine's commands

	if runner.IsLambda(getenv) {
		// A Lambda process is frozen between invocations: no background
		// loop; each invocation first checks the store if the last check
		// is older than RELOAD_INTERVAL.
		return runner.StartLambda(ctx, reloadFirst(pred, cfg.ReloadInterval, log, events))
	}
	switch cmd {
	case "invoke":
		event, err := runner.ReadEvent(cfg.Event, stdin)
		if err != nil {
			return err
		}
		out, err := runner.Invoke(ctx, events, event)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", out)
		return err
	default:
		go pred.Run(ctx, cfg.ReloadInterval)
		srv := &runner.Server{
			Addr: cfg.Addr, Handler: h, Events: events, Logger: log,
			Ready: func(addr net.Addr) { log.Info("listening", "addr", addr.String(), "model", cfg.Model) },
		}
		return srv.ListenAndServe(ctx)
	}
}

// reloadFirst checks the store before an invocation when the last check is
// stale; a failed check is logged and the loaded model answers.
func reloadFirst(pred *predictor.Predictor, interval time.Duration, log *slog.Logger, h runner.EventHandler) runner.EventHandler {
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		if err := pred.ReloadIfStale(ctx, interval); err != nil && !errors.Is(err, predictor.ErrNoModel) {
			log.Warn("model reload failed", "err", err.Error())
		}
		return h(ctx, event)
	}
}
