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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/runner"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "predict: "+strings.Join(strings.Fields(err.Error()), " "))
		}
		os.Exit(exitCode(err))
	}
}

// run is the whole program behind main. Logs go to stderr as JSON lines;
// stdout carries only what invoke prints.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cmd, args, ok := command(cmd, args)
	if !ok {
		return usageError{fmt.Errorf("unknown command %q (want serve, invoke or batch; predict -h lists them)", cmd)}
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
	store, err := openStore(ctx, cfg)
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

// usageError marks a mistake in the command line or environment.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0 // -h asked for the usage, which was printed
	case errors.As(err, &u):
		return 2
	}
	return 1
}
