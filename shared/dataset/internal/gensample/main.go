// Command gensample writes the dataset package's embedded sample data,
// 1000 rows of dataset.Generate with seed 1. It is run by go generate.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/studentperf/studentperf/shared/dataset"
)

// The sample's size and seed; dataset's TestSampleIsGenerated checks the
// embedded file against the same numbers.
const (
	rows = 1000
	seed = 1
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gensample:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gensample", flag.ContinueOnError)
	out := fs.String("o", "sample.csv", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Write to a temporary file and rename, so a failure never leaves a
	// truncated sample behind.
	f, err := os.CreateTemp(filepath.Dir(*out), ".sample-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if err := dataset.Generate(f, rows, seed); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), *out)
}
