package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/studentperf/studentperf/shared/cli"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// config is every setting of predict, read once.
type config struct {
	Store          string
	Model          string
	Addr           string
	ReloadInterval time.Duration
	Limits         Limits
	LogLevel       slog.Level
	Event          string // invoke only
	In, Out, Errs  string // batch only: input, output and errors URIs
	BatchPrefix    string // BATCH_OUTPUT_PREFIX: where an S3-triggered batch writes
	S3Endpoint     string // AWS_ENDPOINT_URL_S3: an S3-compatible endpoint
	Drift          bool   // DRIFT: count served records against the training data
}

// loadConfig reads defaults, then the environment, then flags, and names
// every bad value in one error.
func loadConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{Store: "./models", Model: "student-math-score", Addr: runner.DefaultAddr, ReloadInterval: 30 * time.Second,
		Limits: Limits{MaxBody: DefaultMaxBody, MaxBatch: 10000}, Drift: true}
	var problems []string
	env := func(name string, set func(string) error) {
		if v := getenv(name); v != "" {
			if err := set(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	}
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	addr := func(v string) error {
		a, err := runner.ParseAddr(v)
		if err != nil {
			return err
		}
		cfg.Addr = a
		return nil
	}
	env("MODEL_STORE", str(&cfg.Store))
	env("MODEL_NAME", str(&cfg.Model))
	env(s3io.EndpointEnv, str(&cfg.S3Endpoint))
	env("PORT", addr)
	env("RELOAD_INTERVAL", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return errors.New("want a duration of at least 100ms, such as 30s")
		}
		cfg.ReloadInterval = d
		return nil
	})
	env("MAX_BODY_BYTES", positive64(&cfg.Limits.MaxBody))
	env("MAX_BATCH", positive(&cfg.Limits.MaxBatch))
	env("BATCH_OUTPUT_PREFIX", str(&cfg.BatchPrefix))
	env("LOG_LEVEL", func(v string) error { return cfg.LogLevel.UnmarshalText([]byte(v)) })
	env("DRIFT", onOff(&cfg.Drift))

	fs := flag.NewFlagSet("predict "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cli.SetUsage(fs, "predict", cmd, commands)
	fs.StringVar(&cfg.Store, "store", cfg.Store, "model store: a directory, file://DIR or s3://BUCKET/PREFIX (env MODEL_STORE)")
	fs.StringVar(&cfg.Model, "model", cfg.Model, "model name in the store (env MODEL_NAME)")
	fs.Func("addr", "listen port or address (env PORT, default 8080)", addr)
	fs.Func("max-body", "largest request body in bytes (env MAX_BODY_BYTES, default 6291456)", positive64(&cfg.Limits.MaxBody))
	fs.Func("max-batch", "most rows in one request (env MAX_BATCH, default 10000)", positive(&cfg.Limits.MaxBatch))
	if cmd != "batch" {
		fs.Func("drift", "on or off: count served records against the training data for GET /model/drift and /metrics (env DRIFT, default on)", onOff(&cfg.Drift))
	}
	switch cmd {
	case "invoke":
		fs.StringVar(&cfg.Event, "event", "", "event JSON file, or - for stdin")
	case "batch":
		fs.StringVar(&cfg.In, "in", "", "input CSV: a path, file://PATH, s3://BUCKET/KEY or - for stdin")
		fs.StringVar(&cfg.Out, "out", "", "output CSV (the input plus math_score): a path, file://PATH or s3://BUCKET/KEY, which appears only when the job succeeds, or - for stdout, which streams")
		fs.StringVar(&cfg.Errs, "errors", "", "write bad rows here with their reasons and go on (default: the first bad row stops the job)")
	default:
		fs.StringVar(&cfg.BatchPrefix, "out", cfg.BatchPrefix, "s3://BUCKET/PREFIX where an S3-triggered batch writes under Lambda (env BATCH_OUTPUT_PREFIX)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, usageError{err}
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if cmd == "batch" && (cfg.In == "" || cfg.Out == "") {
		problems = append(problems, "batch needs -in URI and -out URI")
	}
	if cfg.BatchPrefix != "" && !strings.HasPrefix(cfg.BatchPrefix, "s3://") {
		problems = append(problems, fmt.Sprintf("BATCH_OUTPUT_PREFIX %q: want s3://BUCKET/PREFIX", cfg.BatchPrefix))
	}
	if cmd == "invoke" && cfg.Event == "" {
		problems = append(problems, "invoke needs -event FILE (or - for stdin)")
	}
	if err := modelstore.CheckName("model", cfg.Model); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return config{}, usageError{errors.New("config: " + strings.Join(problems, "; "))}
	}
	return cfg, nil
}

func positive(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return errors.New("want a whole number of at least 1")
		}
		*p = n
		return nil
	}
}

// onOff parses a switch: on or off (true, false, 1 and 0 are taken too).
func onOff(p *bool) func(string) error {
	return func(v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "on", "true", "1":
			*p = true
		case "off", "false", "0":
			*p = false
		default:
			return errors.New("want on or off")
		}
		return nil
	}
}

func positive64(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 {
			return errors.New("want a whole number of at least 1")
		}
		*p = n
		return nil
	}
}

// openStore opens the model store the configuration names; a URI it
// cannot open is a usage error.
func openStore(ctx context.Context, cfg config) (modelstore.Store, error) {
	s, err := modelstore.Open(ctx, cfg.Store, modelstore.Options{S3Endpoint: cfg.S3Endpoint})
	if err != nil {
		return nil, usageError{err}
	}
	return s, nil
}
