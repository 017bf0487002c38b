package request

import (
	"bytes"
	"fmt"
	"io"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// maxCSVProblems bounds the problems one CSV request reports, so a
// response stays small whatever the body.
const maxCSVProblems = 1000

// CSV reads a text/csv body: a header naming the feature columns (in
// any order, extra columns ignored), then one record a line. It is the
// reader training and predict batch use (dataset.RowReader), so the same
// tolerance and messages apply; an empty cell is a missing value, imputed
// as in training. Categories go through the same rule as JSON's
// (Fields.category). Every problem of every row is reported at once,
// each with its line.
func CSV(body []byte, fs *Fields, s dataset.Schema, maxBatch int) ([]features.Row, error) {
	s.Target = ""
	rr, err := dataset.NewRowReader(bytes.NewReader(body), s)
	if err != nil {
		return nil, fmt.Errorf("%w: CSV: %w", ErrBadRequest, err)
	}
	var (
		rows     = make([]features.Row, 0, bytes.Count(body, []byte{'\n'})+1)
		problems features.Problems
		lines    = bytes.Count(body, []byte{'\n'}) + 1 // at least the rows: no regrowing
		cats     = make([]string, 0, lines*fs.nCat)
		nums     = make([]float64, 0, lines*fs.nNum)
	)
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: CSV: %w", ErrBadRequest, err)
		}
		if len(rows) == maxBatch {
			return nil, fmt.Errorf("%w: more than %d rows in one request (MAX_BATCH)", ErrTooLarge, maxBatch)
		}
		for _, p := range rec.Problems {
			problems = append(problems, features.Problem{Line: p.Line, Field: p.Column, Value: features.Clip(p.Value), Reason: p.Reason})
		}
		n := len(cats)
		cats = append(cats, rec.Cat...)
		nums = append(nums, rec.Num...)
		row := features.Row{Cat: cats[n:len(cats):len(cats)], Num: nums[len(nums)-len(rec.Num):]}
		for i := range fs.fields {
			f := &fs.fields[i]
			if f.kind != dataset.Category || row.Cat[f.slot] == "" {
				continue // numbers and dates the reader has read; a missing category is imputed
			}
			if p := fs.category(f, f.name, row.Cat[f.slot], row); p != nil {
				p.Line = rec.Line
				problems = append(problems, *p)
			}
		}
		if len(problems) >= maxCSVProblems {
			break
		}
		rows = append(rows, row)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: CSV: a header and no rows", ErrBadRequest)
	}
	return rows, nil
}
