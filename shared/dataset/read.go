package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Read parses CSV data with a header row into a table in schema s.
//
// Columns are matched by header name, in any order; columns the schema does
// not name are ignored. A UTF-8 byte order mark, CRLF line ends, quoted
// fields and spaces around header names and cells are tolerated. An empty
// feature cell is a missing value (code -1 or NaN), left for a later step
// to impute. The target column, required unless s.Target is "", must have a
// value on every row.
//
// Read stops at the first problem with the data and returns it as an
// *Error, which wraps ErrInvalid: an empty file, a header without data
// rows, a schema column named twice in the header, a missing schema column,
// a row with more or fewer fields than the header, or a score (feature or
// target) that is not a finite number in [0, 100]. Failures of r itself are
// returned wrapped, without ErrInvalid.
func Read(r io.Reader, s Schema) (*Table, error) {
	rr, err := NewRowReader(r, s)
	if err != nil {
		return nil, err
	}
	t := &Table{Schema: s, Cols: make([]Col, len(s.Features))}
	index := make([]map[string]int32, len(s.Features)) // category level -> code
	for i, c := range s.Features {
		if c.Kind == Category {
			index[i] = make(map[string]int32)
			t.Cols[i].Codes = []int32{}
			t.Cols[i].Levels = []string{}
		} else {
			t.Cols[i].Values = []float64{}
		}
	}
	if s.Target != "" {
		t.Target = []float64{}
	}
	rows := 0
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec.Problems) > 0 {
			return nil, rec.Problems[0]
		}
		if rec.NoTarget {
			t.Dropped++
			continue
		}
		ci, ni := 0, 0
		for i, c := range s.Features {
			col := &t.Cols[i]
			if c.Kind == Category {
				cell := rec.Cat[ci]
				ci++
				code := int32(-1)
				if cell != "" {
					var ok bool
					if code, ok = index[i][cell]; !ok {
						code = int32(len(col.Levels))
						// Clone: cell is a substring of its whole record.
						level := strings.Clone(cell)
						index[i][level] = code
						col.Levels = append(col.Levels, level)
					}
				}
				col.Codes = append(col.Codes, code)
				continue
			}
			col.Values = append(col.Values, rec.Num[ni])
			ni++
		}
		if s.Target != "" {
			t.Target = append(t.Target, rec.Target)
		}
		rows++
	}
	if rows == 0 {
		if t.Dropped > 0 {
			return nil, &Error{Line: rr.HeaderLine(), Reason: fmt.Sprintf("no row has a value for the target %q (%d rows without one)", s.Target, t.Dropped)}
		}
		return nil, &Error{Line: rr.HeaderLine(), Reason: "header has no data rows"}
	}
	return t, nil
}

// parseCell parses a non-empty numeric cell of column c. It returns a
// non-empty reason if the cell is not a plain decimal number, or is
// outside the column's declared bounds.
func parseCell(cell string, c Column) (float64, string) {
	v, err := ParseNumber(cell)
	switch {
	case errors.Is(err, ErrNumberRange):
		if c.Min != nil || c.Max != nil {
			return 0, rangeReason(c)
		}
		return 0, "not a finite number"
	case err != nil:
		return 0, "not a number"
	case !c.Bounded(v):
		return 0, rangeReason(c)
	}
	return v, ""
}

// rangeReason says a value is outside c's bounds: "out of range [0, 100]".
func rangeReason(c Column) string {
	if c.Min != nil && c.Max != nil {
		return fmt.Sprintf("out of range [%v, %v]", *c.Min, *c.Max)
	}
	return "out of range: must be " + c.BoundsText()
}

// csvError turns a CSV syntax error into an *Error with the line the record
// starts on; any other error came from the underlying reader and is not a
// data problem.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		where := fmt.Sprintf("character %d", pe.Column)
		if pe.Line != pe.StartLine {
			where = fmt.Sprintf("line %d, character %d", pe.Line, pe.Column)
		}
		return &Error{Line: pe.StartLine, Reason: fmt.Sprintf("malformed CSV: %v (at %s)", pe.Err, where)}
	}
	return fmt.Errorf("read: %w", err)
}
