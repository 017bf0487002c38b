// Command train runs the training pipeline: ingest, validate, transform,
// search the linear model family with cross-validation, evaluate, and push
// a model that is good enough and not worse than the current one into the
// versioned model store.
//
// Usage:
//
//	train [run] [flags]    one training run (the default)
//
// Flags override environment variables, which override defaults; see
// README.md or `train run -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "train: "+oneLine(err.Error()))
		}
		os.Exit(exitCode(err))
	}
}

// run is the whole program behind main, with its inputs made explicit so
// tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		cfg, err := loadConfig(args, getenv, stderr)
		if err != nil {
			return err
		}
		store, err := openStore(cfg.Store)
		if err != nil {
			return err
		}
		_, err = train(ctx, cfg, store, stdout, time.Now)
		return err
	default:
		return usageError{fmt.Errorf("unknown command %q (want run)", cmd)}
	}
}

// usageError marks a mistake in the command line or environment.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// exitCode maps an error to the process exit status: 0 for -h, 2 for usage, 1 for
// everything else (bad data, no model reaching MIN_R2, a store failure).
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

// oneLine keeps the contract's one-line reason on stderr.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
