package main

import (
	"errors"
	"flag"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/studentperf/studentperf/shared/cli"
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
	Families     string // model families to search, comma-separated, or all (search.Families)
	GridFile     string // JSON grid of each family's parameters; the original's grids when empty
	Addr         string // serve only
	Event        string // invoke only
	S3Endpoint   string // AWS_ENDPOINT_URL_S3: an S3-compatible endpoint
	JSON         bool   // versions only: print JSON
	To           string // rollback only: the target version

	// The table: its target and how its schema is settled (see schema.go).
	Target      string   // TARGET: the column to predict; the student data's math_score when empty
	SchemaURI   string   // SCHEMA_URI: a schema file as train schema -out writes it
	Ignore      []string // -ignore: columns to leave out
	Categorical []string // -categorical: columns to read as categories
	Task        string   // TASK: auto, regression or classification
	SchemaOut   string   // schema only: where to write the schema JSON
	modelSet    bool     // -model or MODEL_NAME was given

	// What a request may ask of serve, invoke and Lambda (see guard).
	Token        string        // TRAIN_TOKEN: bearer token for POST /train and the invoke route
	DataAllow    []string      // TRAIN_DATA_ALLOW: where requested data may come from
	SyntheticMax int           // TRAIN_SYNTHETIC_MAX: most generated rows a request may ask for
	DataWait     time.Duration // TRAIN_DATA_WAIT: longest a requested run waits for its data before it gives up
	MaxQueue     int           // TRAIN_QUEUE: requests that may wait behind the running one; more get 429

	progress io.Writer                 // where train run shows the search's progress; nil for none
	openers  map[string]dataset.Opener // data sources beyond files and generated data (s3://)
}

// loadConfig reads defaults, then the environment, then flags, and names
// every bad value in one error.
func loadConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{Store: "./models", Data: "sample", Task: "auto", TestFraction: 0.2, Seed: 42, MinR2: 0.6, Folds: 5,
		Addr: defaultServeAddr, SyntheticMax: defaultSyntheticMax, DataWait: defaultDataWait, MaxQueue: defaultMaxQueue}
	set := cli.NewSettings(getenv)
	set.Env("MODEL_STORE", cli.String(&cfg.Store))
	setModel := func(v string) error { cfg.Model, cfg.modelSet = v, true; return nil }
	set.Env("MODEL_NAME", setModel)
	set.Env("TARGET", cli.String(&cfg.Target))
	set.Env("SCHEMA_URI", cli.String(&cfg.SchemaURI))
	set.Env("TASK", task(&cfg.Task))
	set.Env(s3io.EndpointEnv, cli.String(&cfg.S3Endpoint))
	set.Env("DATA_URI", cli.String(&cfg.Data))
	set.Env("TEST_DATA_URI", cli.String(&cfg.TestData))
	set.Env("TEST_FRACTION", fraction(&cfg.TestFraction))
	set.Env("SEED", seed(&cfg.Seed))
	set.Env("MIN_R2", r2(&cfg.MinR2))
	addr := func(v string) error {
		a, err := runner.ParseAddr(v)
		if err != nil {
			return err
		}
		// A bare port listens on loopback only: train serve takes data
		// sources and gates from its callers, so reaching it from another
		// host must be asked for (0.0.0.0:8080, :8080) and needs a token.
		if strings.HasPrefix(a, ":") && !strings.Contains(v, ":") {
			a = "127.0.0.1" + a
		}
		cfg.Addr = a
		return nil
	}
	if cmd == "serve" {
		set.Env("PORT", addr)
	}
	set.Env("TRAIN_TOKEN", cli.String(&cfg.Token))
	set.Env("TRAIN_DATA_ALLOW", func(v string) error {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.DataAllow = append(cfg.DataAllow, p)
			}
		}
		return nil
	})
	set.Env("TRAIN_SYNTHETIC_MAX", func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return errors.New("want a whole number of rows, 0 or more")
		}
		cfg.SyntheticMax = n
		return nil
	})
	set.Env("TRAIN_DATA_WAIT", func(v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return errors.New("want a positive duration such as 2m")
		}
		cfg.DataWait = d
		return nil
	})
	set.Env("TRAIN_QUEUE", func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return errors.New("want a whole number of requests, 0 or more")
		}
		cfg.MaxQueue = n
		return nil
	})

	fs := cfg.flags(cmd, stderr, setModel, addr)
	if err := set.Parse(fs, args); err != nil {
		return config{}, err
	}
	if !cfg.modelSet {
		cfg.Model = defaultModelName(cfg.Target)
	}
	cfg.check(cmd, set)
	if len(cfg.DataAllow) == 0 {
		cfg.DataAllow = defaultAllow(cfg.Data, cfg.TestData)
	}
	cfg.openers = map[string]dataset.Opener{"s3": s3io.Opener(s3io.Options{Endpoint: cfg.S3Endpoint})}
	if err := set.Err(); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// check notes what is wrong with settings that parsed, each on its own
// or against the command.
func (cfg *config) check(cmd string, set *cli.Settings) {
	if cmd == "invoke" && cfg.Event == "" {
		set.Problemf("invoke needs -event FILE (or - for stdin)")
	}
	if cfg.Folds < 2 {
		set.Problemf("-folds %d: need at least 2", cfg.Folds)
	}
	if err := modelstore.CheckName("model", cfg.Model); err != nil {
		set.Problemf("%v", err)
	}
	if cfg.Data == "" {
		set.Problemf("no training data: set -data or DATA_URI")
	}
	if cfg.To != "" {
		if err := modelstore.CheckName("version", cfg.To); err != nil {
			set.Problemf("-to: %v", err)
		}
	}
	if cmd == "serve" && cfg.Token == "" && !runner.IsLoopback(cfg.Addr) {
		set.Problemf("train serve on %s is reachable from other hosts: set TRAIN_TOKEN (callers then send Authorization: Bearer TOKEN), or listen on 127.0.0.1", cfg.Addr)
	}
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

// defaultModelName is the model's name when none is given: the student
// model's for the student data's target, else the target's name in kebab
// case ("Sale Price" → "sale-price").
func defaultModelName(target string) string {
	if target == "" || target == dataset.Students.Target {
		return "student-math-score"
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(target) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "model"
	}
	return b.String()
}

func list(p *[]string) func(string) error {
	return func(v string) error {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				*p = append(*p, n)
			}
		}
		return nil
	}
}

func task(p *string) func(string) error {
	return func(v string) error {
		switch v = strings.TrimSpace(v); v {
		case "auto", dataset.Regression, dataset.Classification:
			*p = v
			return nil
		}
		return errors.New("want auto, regression or classification")
	}
}

// flags defines the command's flags over cfg's defaults.
func (cfg *config) flags(cmd string, stderr io.Writer, setModel, addr func(string) error) *flag.FlagSet {
	fs := flag.NewFlagSet("train "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cli.SetUsage(fs, "train", cmd, commands)
	fs.StringVar(&cfg.Store, "store", cfg.Store, "model store: a directory, file://DIR or s3://BUCKET/PREFIX (env MODEL_STORE)")
	fs.Func("model", "model name in the store (env MODEL_NAME; default student-math-score for the student data, else the target's name in kebab case)", setModel)
	fs.StringVar(&cfg.Target, "target", cfg.Target, "the column to predict (env TARGET; default math_score on the student data)")
	fs.StringVar(&cfg.SchemaURI, "schema", cfg.SchemaURI, "schema JSON file (a path or s3://), as train schema -out writes it (env SCHEMA_URI; default: inferred)")
	fs.Func("ignore", "comma-separated columns to leave out", list(&cfg.Ignore))
	fs.Func("categorical", "comma-separated columns to read as categories", list(&cfg.Categorical))
	fs.Func("task", "auto, regression or classification (env TASK, default auto)", task(&cfg.Task))
	fs.StringVar(&cfg.Data, "data", cfg.Data, "training CSV: a path, file://…, s3://BUCKET/KEY, sample or synthetic:N (env DATA_URI)")
	fs.StringVar(&cfg.TestData, "test-data", cfg.TestData, "held-out CSV; without it the data is split (env TEST_DATA_URI)")
	fs.Func("test-fraction", "held-out fraction when splitting (env TEST_FRACTION, default 0.2)", fraction(&cfg.TestFraction))
	fs.Func("seed", "seed of every random choice (env SEED, default 42)", seed(&cfg.Seed))
	fs.Func("min-r2", "never push a model whose held-out R² is below this (env MIN_R2, default 0.6)", r2(&cfg.MinR2))
	fs.IntVar(&cfg.Folds, "folds", cfg.Folds, "cross-validation folds")
	fs.StringVar(&cfg.Families, "families", cfg.Families, "model families to search, comma-separated: linear,knn,tree,forest,adaboost,boost or all (default all up to 2000 training rows, linear above)")
	fs.StringVar(&cfg.GridFile, "grid", cfg.GridFile, "JSON file of each family's parameter grid (default: the original's grids)")
	switch cmd {
	case "serve":
		fs.Func("addr", "listen port or address (env PORT, default 127.0.0.1:8080; a bare port is on loopback)", addr)
	case "invoke":
		fs.StringVar(&cfg.Event, "event", "", "event JSON file, or - for stdin")
	case "versions":
		fs.BoolVar(&cfg.JSON, "json", false, "print a JSON array instead of a table")
	case "schema":
		fs.StringVar(&cfg.SchemaOut, "out", "", "also write the schema as JSON to this file, for train run -schema")
	case "rollback":
		fs.StringVar(&cfg.To, "to", "", "the version to make current (default: the newest complete version older than the current one)")
	}
	return fs
}
