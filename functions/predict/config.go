package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
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
	set := cli.NewSettings(getenv)
	addr := func(v string) error {
		a, err := runner.ParseAddr(v)
		if err != nil {
			return err
		}
		cfg.Addr = a
		return nil
	}
	set.Env("MODEL_STORE", cli.String(&cfg.Store))
	set.Env("MODEL_NAME", cli.String(&cfg.Model))
	set.Env(s3io.EndpointEnv, cli.String(&cfg.S3Endpoint))
	set.Env("PORT", addr)
	set.Env("RELOAD_INTERVAL", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return errors.New("want a duration of at least 100ms, such as 30s")
		}
		cfg.ReloadInterval = d
		return nil
	})
	set.Env("MAX_BODY_BYTES", cli.Positive64(&cfg.Limits.MaxBody))
	set.Env("MAX_BATCH", cli.Positive(&cfg.Limits.MaxBatch))
	set.Env("BATCH_OUTPUT_PREFIX", cli.String(&cfg.BatchPrefix))
	set.Env("LOG_LEVEL", func(v string) error { return cfg.LogLevel.UnmarshalText([]byte(v)) })
	set.Env("DRIFT", onOff(&cfg.Drift))

	fs := flag.NewFlagSet("predict "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cli.SetUsage(fs, "predict", cmd, commands)
	fs.StringVar(&cfg.Store, "store", cfg.Store, "model store: a directory, file://DIR or s3://BUCKET/PREFIX (env MODEL_STORE)")
	fs.StringVar(&cfg.Model, "model", cfg.Model, "model name in the store (env MODEL_NAME)")
	fs.Func("addr", "listen port or address (env PORT, default 8080)", addr)
	fs.Func("max-body", "largest request body in bytes (env MAX_BODY_BYTES, default 6291456)", cli.Positive64(&cfg.Limits.MaxBody))
	fs.Func("max-batch", "most rows in one request (env MAX_BATCH, default 10000)", cli.Positive(&cfg.Limits.MaxBatch))
	if cmd != "batch" {
		fs.Func("drift", "on or off: count served records against the training data for GET /model/drift and /metrics (env DRIFT, default on)", onOff(&cfg.Drift))
	}
	switch cmd {
	case "invoke":
		fs.StringVar(&cfg.Event, "event", "", "event JSON file, or - for stdin")
	case "batch":
		fs.StringVar(&cfg.In, "in", "", "input CSV: a path, file://PATH, s3://BUCKET/KEY or - for stdin")
		fs.StringVar(&cfg.Out, "out", "", "output CSV (the input plus the prediction column: the target, or predicted_<target> when the input has it): a path, file://PATH or s3://BUCKET/KEY, which appears only when the job succeeds, or - for stdout, which streams")
		fs.StringVar(&cfg.Errs, "errors", "", "write bad rows here with their reasons and go on (default: the first bad row stops the job)")
	default:
		fs.StringVar(&cfg.BatchPrefix, "out", cfg.BatchPrefix, "s3://BUCKET/PREFIX where an S3-triggered batch writes under Lambda (env BATCH_OUTPUT_PREFIX)")
	}
	if err := set.Parse(fs, args); err != nil {
		return config{}, err
	}
	if cmd == "batch" && (cfg.In == "" || cfg.Out == "") {
		set.Problemf("batch needs -in URI and -out URI")
	}
	if cfg.BatchPrefix != "" && !strings.HasPrefix(cfg.BatchPrefix, "s3://") {
		set.Problemf("BATCH_OUTPUT_PREFIX %q: want s3://BUCKET/PREFIX", cfg.BatchPrefix)
	}
	if cmd == "invoke" && cfg.Event == "" {
		set.Problemf("invoke needs -event FILE (or - for stdin)")
	}
	if err := modelstore.CheckName("model", cfg.Model); err != nil {
		set.Problemf("%v", err)
	}
	if err := set.Err(); err != nil {
		return config{}, err
	}
	return cfg, nil
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
