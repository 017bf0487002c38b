// Package batch scores CSV files with a model, in constant memory: records
// stream in through dataset's RowReader (in the model's own schema) and
// out, with the prediction column added (see OutputColumn), through encoding/csv. Bad rows either stop the job (naming the
// line, column and value) or go to an errors file with their reasons while
// the job goes on. Outputs appear only when the whole job succeeded (see
// Create).
package batch

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// OutputColumn names the prediction column added to every row: the
// model's target, or predicted_<target> when the input's header already
// has the target column (a labelled file), so neither hides the other.
func OutputColumn(target string, header []string) string {
	if slices.Contains(header, target) {
		return "predicted_" + target
	}
	return target
}

// Options configures Score.
type Options struct {
	// Errors, when set, receives the bad rows as CSV (line, error, then the
	// row's own fields) and the job goes on; when nil the first bad row
	// stops the job.
	Errors io.Writer
	// Progress, when set, is called about every ProgressEvery with the rows
	// read so far.
	Progress      func(rows int, elapsed time.Duration)
	ProgressEvery time.Duration
	// Lines, when above 0, counts the lines after the header as if Lines
	// lines came before them, and NoHeader leaves the header lines out of
	// the output and errors file: a shard of a file (see ScoreRange) is
	// read as the file's header and its own bytes, and reports its rows
	// as the whole file's.
	Lines    int
	NoHeader bool
	// Workers and SpanBytes size ScoreParallel: the spans scored at once
	// (default GOMAXPROCS) and the bytes of each (default
	// DefaultSpanBytes). Score ignores them.
	Workers   int
	SpanBytes int
}

// Result counts what a job did.
type Result struct {
	Rows   int `json:"rows"`   // data rows read
	Scored int `json:"scored"` // rows written with a score
	Bad    int `json:"bad"`    // rows written to the errors file
}

// ErrBadRow wraps the error of a row that stopped a job.
var ErrBadRow = errors.New("batch: bad row")

// Score reads CSV with a header from r, scores every row with m and writes
// the input's columns plus the score to w. It returns when r is read to
// the end, ctx is done, or (without Options.Errors) at the first bad row.
func Score(ctx context.Context, m *model.Model, r io.Reader, w io.Writer, o Options) (Result, error) {
	var res Result
	s := m.Schema()
	s.Target = "" // a target column in the input is neither needed nor checked: an extra column
	rr, err := dataset.NewRowReader(r, s)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadRow, err)
	}
	if o.Lines > 0 {
		rr.SetLine(o.Lines)
	}
	header := rr.Header()
	col := OutputColumn(m.Target, header)
	// Rows are appended to buf as CSV (quoted as encoding/csv would) and
	// written out in large pieces.
	buf := make([]byte, 0, 128<<10)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
	buf, errs, err := startOutputs(buf, header, col, o)
	if err != nil {
		return res, err
	}
	start, last := time.Now(), time.Now()
	every := o.ProgressEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		res.Rows++
		if res.Rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if o.Progress != nil && time.Since(last) >= every {
				last = time.Now()
				o.Progress(res.Rows, last.Sub(start))
			}
		}
		y, problem := predictRecord(m, rec)
		if problem != "" {
			if err := badRow(errs, rec, problem); err != nil {
				return res, err
			}
			res.Bad++
			continue
		}
		buf = appendScored(appendFields(buf, rec.Fields), y)
		if len(buf) >= 64<<10 {
			if err := flush(); err != nil {
				return res, err
			}
		}
		res.Scored++
	}
	if err := flush(); err != nil {
		return res, err
	}
	if errs != nil {
		errs.Flush()
		if err := errs.Error(); err != nil {
			return res, fmt.Errorf("write errors: %w", err)
		}
	}
	if o.Progress != nil {
		o.Progress(res.Rows, time.Since(start))
	}
	return res, nil
}

// predictRecord predicts one record as Score does, or says what is wrong
// with it: the reader's problems, else the model's refusal.
func predictRecord(m *model.Model, rec *dataset.Record) (float64, string) {
	if problem := rowProblem(rec); problem != "" {
		return 0, problem
	}
	y, err := m.Predict(features.Row{Cat: rec.Cat, Num: rec.Num})
	if err != nil {
		return 0, lineProblem(rec.Line, err)
	}
	return y, ""
}

// badRow writes a bad record to the errors file: its line, the problem,
// then its own fields. Without an errors file it returns the error that
// stops the job.
func badRow(errs *csv.Writer, rec *dataset.Record, problem string) error {
	if errs == nil {
		return fmt.Errorf("%w: %s", ErrBadRow, problem)
	}
	if err := errs.Write(append([]string{strconv.Itoa(rec.Line), problem}, rec.Fields...)); err != nil {
		return fmt.Errorf("write errors: %w", err)
	}
	return nil
}

// appendFields appends a record's fields, each followed by a comma, as
// encoding/csv would quote them.
func appendFields(buf []byte, fields []string) []byte {
	for _, f := range fields {
		buf = append(appendField(buf, f), ',')
	}
	return buf
}

// appendScored ends an output line with its prediction.
func appendScored(buf []byte, y float64) []byte {
	return append(strconv.AppendFloat(buf, y, 'g', -1, 64), '\n')
}

// startOutputs appends the output's header to buf and writes the errors
// file's (neither under o.NoHeader), and returns the errors file's writer,
// nil without o.Errors.
func startOutputs(buf []byte, header []string, col string, o Options) ([]byte, *csv.Writer, error) {
	if !o.NoHeader {
		buf = appendRecord(buf, append(slices.Clone(header), col))
	}
	if o.Errors == nil {
		return buf, nil, nil
	}
	errs := csv.NewWriter(o.Errors)
	if !o.NoHeader {
		if err := errs.Write(append([]string{"line", "error"}, header...)); err != nil {
			return buf, nil, fmt.Errorf("write errors: %w", err)
		}
	}
	return buf, errs, nil
}

// appendRecord appends one CSV line.
func appendRecord(buf []byte, fields []string) []byte {
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendField(buf, f)
	}
	return append(buf, '\n')
}

// appendField appends one CSV field, quoted when encoding/csv would quote
// it: when it holds a comma, a quote or a line end, or starts with a
// space.
func appendField(buf []byte, f string) []byte {
	if f == "" || !strings.ContainsAny(f, ",\"\r\n") && !startsWithSpace(f) && f != `\.` {
		return append(buf, f...)
	}
	buf = append(buf, '"')
	for {
		i := strings.IndexByte(f, '"')
		if i < 0 {
			break
		}
		buf = append(append(buf, f[:i]...), '"', '"')
		f = f[i+1:]
	}
	return append(append(buf, f...), '"')
}

// rowProblem is every problem the reader found in a record, on one line.
func rowProblem(rec *dataset.Record) string {
	if len(rec.Problems) == 0 {
		return ""
	}
	parts := make([]string, len(rec.Problems))
	for i, p := range rec.Problems {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "; ")
}

// lineProblem phrases a model's refusal of a row (an unknown category, say)
// as the reader phrases its problems: line, column, value, reason.
func lineProblem(line int, err error) string {
	var ps features.Problems
	if !errors.As(err, &ps) {
		return fmt.Sprintf("line %d: %v", line, err)
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		e := &dataset.Error{Line: line, Column: p.Field, Value: p.Value, Reason: p.Reason}
		parts[i] = e.Error()
		if len(p.Allowed) > 0 {
			parts[i] += " (allowed: " + strings.Join(p.Allowed, ", ") + ")"
		}
	}
	return strings.Join(parts, "; ")
}

func startsWithSpace(f string) bool {
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
