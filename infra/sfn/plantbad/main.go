// Command plantbad plants bad rows into a generated CSV for the bulk-scoring
// acceptance run (docs/bulk-scoring.md), exactly where an N-shard plan cuts
// the file: it knows the final size in advance, so it knows the planner's
// shares (header end + k/N of the rest), and at each one it plants, in
// turn,
//   - a long quoted field spanning many lines, with a bad category, that
//     the share falls inside (the planner must move the edge to its end),
//   - a bad row that the share falls inside, and a bad row right after it
//     (the last row of one shard and the first of the next).
//
// Elsewhere it plants a bad category split over two lines inside quotes.
//
//	go run ./infra/sfn/plantbad -in gen.csv -out planted.csv -shards 16
//
// The input is genbatch's CSV (one record a line, no quotes).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	in := flag.String("in", "", "input CSV (genbatch -csv)")
	out := flag.String("out", "", "output CSV")
	shards := flag.Int("shards", 16, "shards the plan will cut")
	flag.Parse()
	if err := run(*in, *out, *shards, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "plantbad: "+err.Error())
		os.Exit(1)
	}
}

// long is a record whose quoted race_ethnicity field spans many lines.
func long() string {
	var b strings.Builder
	b.WriteString(`female,"group B`)
	for i := range 4000 {
		fmt.Fprintf(&b, "\nline %04d of a quoted field, with a comma, and \"\"quotes\"\"", i)
	}
	b.WriteString("\",some college,standard,none,61,61\n")
	return b.String()
}

const twoLine = "male,\"group\nC\",high school,standard,none,70,68\n"

func run(in, out string, shards int, log io.Writer) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if bytes.IndexByte(data, '"') >= 0 {
		return errors.New("want an input without quotes (genbatch -csv)")
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	header, rows := lines[0], lines[1:]
	big, extra := long(), 0
	for k := 1; k < shards; k++ {
		if k%2 == 1 {
			extra += len(big)
		}
	}
	extra += 3 * len(twoLine)
	size := int64(len(data) + extra)
	h := int64(len(header))
	share := func(k int) int64 { return h + (size-h)*int64(k)/int64(shards) }

	var b bytes.Buffer
	b.Grow(int(size))
	b.WriteString(header)
	line := 1 // lines written
	k, twoLines := 1, 0
	for i, r := range rows {
		if twoLines < 3 && i == (twoLines+1)*len(rows)/4+7 {
			fmt.Fprintf(log, "line %d: a bad category split over two lines inside quotes\n", line+1)
			b.WriteString(twoLine)
			line += 2
			twoLines++
		}
		if k < shards && k%2 == 1 && int64(b.Len()+len(big)/2) >= share(k) {
			fmt.Fprintf(log, "share %d at byte %d: inside a quoted field of %d lines, a bad category, from line %d\n", k, share(k), strings.Count(big, "\n"), line+1)
			b.WriteString(big)
			line += strings.Count(big, "\n")
			k++
		}
		end := int64(b.Len() + len(r))
		if k < shards && k%2 == 0 && end > share(k) {
			// This row holds the share: it ends one shard; the next starts the
			// next one. Both go bad, at the same length (an unknown gender, a letter in a score).
			r = "X" + r[1:]
			r = r[:len(r)-2] + "x\n"
			fmt.Fprintf(log, "share %d at byte %d: inside bad line %d, and the next row is bad too\n", k, share(k), line+1)
			b.WriteString(r)
			line++
			k++
			next := rows[i+1]
			rows[i+1] = next[:len(next)-2] + "y\n"
			continue
		}
		b.WriteString(r)
		line++
	}
	if int64(b.Len()) != size || k != shards || twoLines != 3 {
		return fmt.Errorf("planted %d bytes, %d shares, %d two-line rows; want %d bytes, %d shares, 3", b.Len(), k, twoLines, size, shards)
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(b.Bytes())
	if err := bw.Flush(); err != nil {
		return err
	}
	return w.Close()
}
