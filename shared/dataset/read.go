package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
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
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3) // cannot fail: the bytes are buffered
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // raggedness is checked below, with a better message
	cr.LazyQuotes = false
	cr.TrimLeadingSpace = true // allows `a, "b"`; trailing spaces are trimmed below

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &Error{Reason: "empty file"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	nfields := len(header)

	// Where each schema column sits in a record.
	want := make(map[string]int, len(s.Features)+1) // name -> index into s.Features, or -1 for the target
	for i, c := range s.Features {
		want[c.Name] = i
	}
	if s.Target != "" {
		want[s.Target] = -1
	}
	pos := make(map[string]int, len(want)) // name -> field index
	for i, h := range header {
		name := strings.TrimSpace(h)
		if _, ok := want[name]; !ok {
			continue // an extra column, even a duplicated one, is harmless
		}
		if _, dup := pos[name]; dup {
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("duplicate column %q", name)}
		}
		pos[name] = i
	}
	featPos := make([]int, len(s.Features))
	for i, c := range s.Features {
		p, ok := pos[c.Name]
		if !ok {
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("missing required column %q", c.Name)}
		}
		featPos[i] = p
	}
	targetPos := -1
	if s.Target != "" {
		p, ok := pos[s.Target]
		if !ok {
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("missing required column %q", s.Target)}
		}
		targetPos = p
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
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != nfields {
			return nil, &Error{Line: line, Reason: fmt.Sprintf("has %d fields, header has %d", len(rec), nfields)}
		}
		for i, c := range s.Features {
			cell := strings.TrimSpace(rec[featPos[i]])
			col := &t.Cols[i]
			if c.Kind == Category {
				code := int32(-1)
				if cell != "" {
					var ok bool
					if code, ok = index[i][cell]; !ok {
						code = int32(len(col.Levels))
						// Clone: cell points into the csv.Reader's line buffer.
						level := strings.Clone(cell)
						index[i][level] = code
						col.Levels = append(col.Levels, level)
					}
				}
				col.Codes = append(col.Codes, code)
				continue
			}
			v := math.NaN()
			if cell != "" {
				var reason string
				if v, reason = parseScore(cell); reason != "" {
					return nil, &Error{Line: line, Column: c.Name, Value: cell, Reason: reason}
				}
			}
			col.Values = append(col.Values, v)
		}
		if targetPos >= 0 {
			cell := strings.TrimSpace(rec[targetPos])
			if cell == "" {
				return nil, &Error{Line: line, Column: s.Target, Reason: "missing target value"}
			}
			v, reason := parseScore(cell)
			if reason != "" {
				return nil, &Error{Line: line, Column: s.Target, Value: cell, Reason: reason}
			}
			t.Target = append(t.Target, v)
		}
		rows++
	}
	if rows == 0 {
		return nil, &Error{Line: headerLine, Reason: "header has no data rows"}
	}
	return t, nil
}

// parseScore parses a non-empty score cell. It returns a non-empty reason
// if the cell is not a finite number in [0, 100].
func parseScore(cell string) (float64, string) {
	v, err := strconv.ParseFloat(cell, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return 0, "out of range [0, 100]"
	case err != nil:
		return 0, "not a number"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, "not a finite number"
	case v < 0 || v > 100:
		return 0, "out of range [0, 100]"
	case v == 0:
		return 0, "" // not -0
	}
	return v, ""
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
