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
// as in training. Every problem of every row is reported at once, each
// with its line.
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
	catNames := make([]string, 0, fs.nCat)
	for _, n := range fs.names {
		if fs.slot[n] >= 0 {
			catNames = append(catNames, n)
		}
	}
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
		for slot, v := range rec.Cat {
			if v == "" {
				continue // missing: imputed
			}
			if _, ok := fs.tr.Categorical[slot].Lookup(v); !ok {
				problems = append(problems, features.Problem{Line: rec.Line, Field: catNames[slot], Value: features.Clip(v),
					Reason: "unknown category", Allowed: fs.tr.Categorical[slot].Levels})
			}
		}
		if len(problems) >= maxCSVProblems {
			break
		}
		n := len(cats)
		cats = append(cats, rec.Cat...)
		nums = append(nums, rec.Num...)
		rows = append(rows, features.Row{Cat: cats[n:len(cats):len(cats)], Num: nums[len(nums)-len(rec.Num):]})
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: CSV: a header and no rows", ErrBadRequest)
	}
	return rows, nil
}
