// Command train runs the training pipeline: ingest, validate, transform,
// search several regressor families with cross-validation, evaluate, and push
// a model that is good enough and not worse than the current one into the
// versioned model store.
//
// Usage:
//
//	train [run] [flags]                 one training run (the default)
//	train schema -data URI -target COL  the inferred schema, one line a column; -out FILE writes it as JSON
//	train serve [flags]                 HTTP server on $PORT: POST /train, health, the invoke route
//	train invoke -event FILE|- [flags]  run the Lambda handler once on an event
//	train versions [-json]              the store's versions, newest first, * on the current one
//	train rollback [-to VERSION]        repoint current.json at an older, verified version
//
// Under Lambda (AWS_LAMBDA_RUNTIME_API set) the Lambda runtime loop
// starts, taking EventBridge schedules, S3 ObjectCreated events, API
// Gateway or Function URL requests to POST /train, and direct payloads of
// run options or of a command ({"command": "rollback", "to": "…"},
// {"command": "versions"}).
//
// Flags override environment variables, which override defaults; see
// README.md or `train -h`, which lists the commands and then the flags.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/studentperf/studentperf/shared/cli"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/runner"
)

func main() { cli.Main("train", run) }

// run is the whole program behind main, with its inputs made explicit so
// tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, args, err := cli.Select("train", args, commands)
	if err != nil {
		return err
	}
	if runner.IsLambda(getenv) {
		cmd = "lambda"
	}
	cfg, err := loadConfig(cmd, args, getenv, stderr)
	if err != nil {
		return err
	}
	if cmd == "schema" {
		return schemaCommand(ctx, cfg, stdout)
	}
	store, err := cli.OpenStore(ctx, cfg.Store, modelstore.Options{S3Endpoint: cfg.S3Endpoint})
	if err != nil {
		return err
	}
	switch cmd {
	case "run":
		cfg.progress = stderr // the summary goes to stdout, progress beside the errors
		_, err = train(ctx, cfg, store, stdout, time.Now)
		return err
	case "versions":
		vs, err := listVersions(ctx, store, cfg.Model)
		if err != nil {
			return err
		}
		if cfg.JSON {
			return json.NewEncoder(stdout).Encode(vs)
		}
		return printVersions(stdout, vs)
	case "rollback":
		res, err := rollback(ctx, store, cfg.Model, cfg.To)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "rolled back %s/%s from %s to %s (sha256 %s)\n", store, cfg.Model, res.From, res.To, res.SHA256)
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	t := &trainer{cfg: cfg, store: store, log: log, guard: newGuard(cfg)}
	t.runs.max = cfg.MaxQueue
	switch cmd {
	case "lambda":
		return runner.StartLambda(ctx, withEMF(t.events(), getenv, stdout))
	case "invoke":
		event, err := runner.ReadEvent(cfg.Event, stdin)
		if err != nil {
			return err
		}
		out, err := runner.Invoke(ctx, t.events(), event)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", out)
		return err
	default:
		srv := &runner.Server{
			// The invoke route is part of t.handler, behind the same token.
			Addr: cfg.Addr, Handler: t.handler(), Logger: log,
			// A training run on a large data set outlasts the default write
			// timeout.
			WriteTimeout: 15 * time.Minute,
			Ready:        func(addr net.Addr) { log.Info("listening", "addr", addr.String()) },
		}
		return srv.ListenAndServe(ctx)
	}
}

// commands are train's subcommands, as -h lists them.
var commands = []cli.Command{
	{Name: "run", Summary: "one training run: ingest, search, evaluate, push if good enough", Default: true},
	{Name: "schema", Args: "-data URI -target COLUMN [-out FILE]", Summary: "infer the table's schema: one line a column with its kind and the reason"},
	{Name: "serve", Summary: "HTTP server on $PORT: POST /train, health routes, the invoke route"},
	{Name: "invoke", Args: "-event FILE|-", Summary: "run the Lambda handler once on an event, print its response"},
	{Name: "versions", Args: "[-json]", Summary: "the store's versions, newest first, * on the current one"},
	{Name: "rollback", Args: "[-to VERSION]", Summary: "repoint current.json at an older, verified version"},
}
