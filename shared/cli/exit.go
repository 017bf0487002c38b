package cli

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
)

// Run is a command's whole program with its inputs made explicit, so
// that tests call it with a fake getenv and buffers; main only calls Main.
type Run func(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error

// Main runs run with the process's arguments, environment and standard
// streams, under a context cancelled by SIGINT or SIGTERM, then exits with
// the status Report gives. The first signal asks run to stop (a train stops
// between fits, a batch between rows); a second one ends the process at
// once, as it would without Main, which every output is built to survive
// (a push is one pointer write; a batch output is unnamed until done).
func Main(prog string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the signals' default action again, for the next one
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(Report(os.Stderr, prog, err))
}

// Report writes the reason err gives, as one line "PROG: reason", to w and
// returns the exit status (ExitCode). It writes nothing for nil, nor for
// flag.ErrHelp, whose usage text was printed already. A reason that starts
// with "PROG: " already (a sentinel error of the command's own) is not
// prefixed twice.
func Report(w io.Writer, prog string, err error) int {
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		msg := OneLine(err.Error())
		if !strings.HasPrefix(msg, prog+": ") {
			msg = prog + ": " + msg
		}
		fmt.Fprintln(w, msg)
	}
	return ExitCode(err)
}

// UsageError marks a mistake in the command line or the environment: the
// command was not run, and the process exits with status 2.
type UsageError struct{ Err error }

// Usage marks err as a usage error; nil stays nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return UsageError{err}
}

// Error returns the mistake's own message.
func (u UsageError) Error() string { return u.Err.Error() }

// Unwrap returns the mistake, for errors.Is and errors.As.
func (u UsageError) Unwrap() error { return u.Err }

// ExitCode maps an error to the process exit status: 0 for none and for
// -h (the usage was asked for and printed), 2 for a UsageError, 1 for
// everything else (bad data, a failed run, a store failure).
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(UsageError)):
		return 2
	}
	return 1
}

// OneLine folds s onto one line, runs of white space becoming one space,
// as the contract wants a command's reason on stderr.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
