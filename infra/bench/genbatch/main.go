// Command genbatch writes the inputs of the batch benchmarks: N generated
// rows (dataset.Generate, seeded) as a CSV of the feature columns, and the
// same rows as a JSON {"instances": […]} body, and with -full the rows
// with their target, as training data for the reference libraries.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/studentperf/studentperf/shared/dataset"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genbatch:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 5000, "rows")
	seed := flag.Uint64("seed", 1, "seed")
	csvOut := flag.String("csv", "", "write the CSV here")
	jsonOut := flag.String("json", "", "write the JSON body here")
	full := flag.String("full", "", "write the generated rows with their math_score here (training data, for infra/bench/reference.py)")
	flag.Parse()
	var b bytes.Buffer
	if err := dataset.Generate(&b, *n, *seed); err != nil {
		return err
	}
	if *full != "" {
		if err := os.WriteFile(*full, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		return err
	}
	drop := -1
	for i, h := range recs[0] {
		if h == dataset.Students.Target {
			drop = i
		}
	}
	if *csvOut != "" {
		f, err := os.Create(*csvOut)
		if err != nil {
			return err
		}
		w := csv.NewWriter(bufio.NewWriterSize(f, 1<<20))
		for _, r := range recs {
			out := append(append([]string{}, r[:drop]...), r[drop+1:]...)
			if err := w.Write(out); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *jsonOut != "" {
		var instances []map[string]any
		for _, r := range recs[1:] {
			inst := map[string]any{}
			for i, h := range recs[0] {
				switch {
				case i == drop:
				case h == "reading_score" || h == "writing_score":
					v, err := strconv.ParseFloat(r[i], 64)
					if err != nil {
						return err
					}
					inst[h] = v
				default:
					inst[h] = r[i]
				}
			}
			instances = append(instances, inst)
		}
		body, err := json.Marshal(map[string]any{"instances": instances})
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, body, 0o644); err != nil {
			return err
		}
	}
	return nil
}
