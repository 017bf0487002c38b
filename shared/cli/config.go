package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/modelstore"
)

// Settings reads a command's configuration once (defaults, then the
// environment, then flags) and gathers every bad value, so that one
// usage error names them all.
type Settings struct {
	getenv   func(string) string
	problems []string
}

// NewSettings reads the environment through getenv (os.Getenv, or a
// test's map).
func NewSettings(getenv func(string) string) *Settings {
	return &Settings{getenv: getenv}
}

// Env hands the value of the environment variable name to set when it is
// not empty; an error from set is noted with the name and the value.
func (s *Settings) Env(name string, set func(string) error) {
	if v := s.getenv(name); v != "" {
		if err := set(v); err != nil {
			s.Problemf("%s=%q: %v", name, v, err)
		}
	}
}

// Problemf notes a bad setting.
func (s *Settings) Problemf(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// Parse parses the command line into fs. It returns flag.ErrHelp as it
// is, a flag the set does not know or cannot parse as a UsageError, and
// notes arguments left over as a problem.
func (s *Settings) Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return Usage(err)
	}
	if fs.NArg() > 0 {
		s.Problemf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// Err is a UsageError naming every problem noted, or nil when there is
// none.
func (s *Settings) Err() error {
	if len(s.problems) == 0 {
		return nil
	}
	return Usage(errors.New("config: " + strings.Join(s.problems, "; ")))
}

// String sets *p to the value as it is.
func String(p *string) func(string) error {
	return func(v string) error { *p = v; return nil }
}

// Positive sets *p to a whole number of at least 1.
func Positive(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return errors.New("want a whole number of at least 1")
		}
		*p = n
		return nil
	}
}

// Positive64 sets *p to a whole number of at least 1, such as a size in
// bytes.
func Positive64(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 {
			return errors.New("want a whole number of at least 1")
		}
		*p = n
		return nil
	}
}

// OpenStore opens the model store uri names (MODEL_STORE, -store); a URI
// it cannot open is a usage error.
func OpenStore(ctx context.Context, uri string, opts modelstore.Options) (modelstore.Store, error) {
	s, err := modelstore.Open(ctx, uri, opts)
	if err != nil {
		return nil, Usage(err)
	}
	return s, nil
}
