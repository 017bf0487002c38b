// Command gentable writes the wide benchmark table of issue 18 (package
// infra/bench/table) as CSV, for infra/bench/reference.py:
//
//	go run ./infra/bench/gentable -n 1000000 -seed 42 -out /tmp/wide-1m.csv
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/studentperf/studentperf/infra/bench/table"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gentable:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 1_000_000, "rows")
	seed := flag.Uint64("seed", 42, "seed")
	out := flag.String("out", "", "write the CSV here")
	flag.Parse()
	if *out == "" || *n < 1 {
		return errors.New("need -out FILE and -n ≥ 1")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := table.Generate(*n, *seed).WriteCSV(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
