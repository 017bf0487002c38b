package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// config is every setting of a training run, read once.
type config struct {
	Store        string
	Model        string
	Data         string
	TestData     string
	TestFraction float64
	Seed         uint64
	MinR2        float64
	Folds        int
	Addr         string // serve only
	Event        string // invoke only
	S3Endpoint   string // AWS_ENDPOINT_URL_S3: an S3-compatible endpoint

	openers map[string]dataset.Opener // data sources beyond files and generated data (s3://)
}

// loadConfig reads defaults, then the environment, then flags, and names
// every bad value in one error.
func loadConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{Store: "./models", Model: "student-math-score", Data: "sample", TestFraction: 0.2, Seed: 42, MinR2: 0.6, Folds: 5, Addr: runner.DefaultAddr}
	var problems []string
	env := func(name string, set func(string) error) {
		if v := getenv(name); v != "" {
			if err := set(v); err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	}
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	env("MODEL_STORE", str(&cfg.Store))
	env("MODEL_NAME", str(&cfg.Model))
	env(s3io.EndpointEnv, str(&cfg.S3Endpoint))
	env("DATA_URI", str(&cfg.Data))
	env("TEST_DATA_URI", str(&cfg.TestData))
	env("TEST_FRACTION", fraction(&cfg.TestFraction))
	env("SEED", seed(&cfg.Seed))
	env("MIN_R2", r2(&cfg.MinR2))
	addr := func(v string) error {
		a, err := runner.ParseAddr(v)
		if err != nil {
			return err
		}
		cfg.Addr = a
		return nil
	}
	if cmd == "serve" {
		env("PORT", addr)
	}

	fs := flag.NewFlagSet("train "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Store, "store", cfg.Store, "model store: a directory, file://DIR or s3://BUCKET/PREFIX (env MODEL_STORE)")
	fs.StringVar(&cfg.Model, "model", cfg.Model, "model name in the store (env MODEL_NAME)")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "training CSV: a path, file://…, s3://BUCKET/KEY, sample or synthetic:N (env DATA_URI)")
	fs.StringVar(&cfg.TestData, "test-data", cfg.TestData, "held-out CSV; without it the data is split (env TEST_DATA_URI)")
	fs.Func("test-fraction", "held-out fraction when splitting (env TEST_FRACTION, default 0.2)", fraction(&cfg.TestFraction))
	fs.Func("seed", "seed of every random choice (env SEED, default 42)", seed(&cfg.Seed))
	fs.Func("min-r2", "never push a model whose held-out R² is below this (env MIN_R2, default 0.6)", r2(&cfg.MinR2))
	fs.IntVar(&cfg.Folds, "folds", cfg.Folds, "cross-validation folds")
	switch cmd {
	case "serve":
		fs.Func("addr", "listen port or address (env PORT, default 8080)", addr)
	case "invoke":
		fs.StringVar(&cfg.Event, "event", "", "event JSON file, or - for stdin")
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
	if cmd == "invoke" && cfg.Event == "" {
		problems = append(problems, "invoke needs -event FILE (or - for stdin)")
	}
	if cfg.Folds < 2 {
		problems = append(problems, fmt.Sprintf("-folds %d: need at least 2", cfg.Folds))
	}
	if err := modelstore.CheckName("model", cfg.Model); err != nil {
		problems = append(problems, err.Error())
	}
	if cfg.Data == "" {
		problems = append(problems, "no training data: set -data or DATA_URI")
	}
	if len(problems) > 0 {
		return config{}, usageError{errors.New("config: " + strings.Join(problems, "; "))}
	}
	return cfg, nil
}

func fraction(p *float64) func(string) error {
	return func(v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f > 0 && f < 1) {
			return errors.New("want a number strictly between 0 and 1")
		}
		*p = f
		return nil
	}
}

func seed(p *uint64) func(string) error {
	return func(v string) error {
		s, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return errors.New("want a non-negative whole number")
		}
		*p = s
		return nil
	}
}

func r2(p *float64) func(string) error {
	return func(v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || f > 1 {
			return errors.New("want a number at most 1")
		}
		*p = f
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
