package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// RowReader reads CSV records one at a time in a Schema, in constant
// memory: the one CSV reader behind Read (training) and batch scoring.
//
// The header is matched as Read documents: columns by name in any order,
// extra columns ignored, a BOM, CRLF, quotes and spaces tolerated. Each
// record comes back with its cells parsed and checked; a record with bad
// cells carries every problem found in it, and reading can go on past it.
type RowReader struct {
	sc        *scanner
	schema    Schema
	header    []string // as read, trimmed
	nfields   int
	featPos   []int // field index of each schema feature
	targetPos int   // field index of the target, or -1
	rec       Record
	line      int
}

// Record is one data row. Its slices are reused by the next call to Next:
// copy what must outlive it. The strings in them are the record's own and
// stay valid.
type Record struct {
	Line   int       // 1-based line the record starts on
	Fields []string  // every field of the record, as read (untrimmed)
	Cat    []string  // the category features in schema order, trimmed; "" is missing
	Num    []float64 // the score features in schema order; NaN is missing
	Target float64   // the target, when the schema has one
	// NoTarget: the schema has a target and the record's cell is missing.
	NoTarget bool
	// Problems lists what is wrong with the record, every bad cell; when
	// it is not empty, Cat, Num and Target are not to be used.
	Problems []*Error
}

// NewRowReader reads the header of r and returns a reader of its records.
// A header problem (empty input, a missing or duplicated schema column,
// malformed CSV) is an *Error wrapping ErrInvalid.
func NewRowReader(r io.Reader, s Schema) (*RowReader, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	// Records as encoding/csv reads them with TrimLeadingSpace (allowing
	// `a, "b"`; trailing spaces are trimmed too) and any number of fields
	// (raggedness is checked by Next, with a better message).
	sc, header, headerLine, err := openCSV(r)
	if err != nil {
		return nil, err
	}
	rr := &RowReader{sc: sc, schema: s, header: header, nfields: len(header), targetPos: -1, line: headerLine}
	want := make(map[string]bool, len(s.Features)+1)
	for _, c := range s.Features {
		if c.Source != "" {
			want[c.Source] = true
		} else {
			want[c.Name] = true
		}
	}
	if s.Target != "" {
		want[s.Target] = true
	}
	pos := make(map[string]int, len(want))
	for i, name := range header {
		if !want[name] {
			continue // an extra column, even a duplicated one, is harmless
		}
		if _, dup := pos[name]; dup {
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("duplicate column %q", name)}
		}
		pos[name] = i
	}
	ncat, nnum, found := 0, 0, 0
	for _, c := range s.Features {
		name := c.Name
		if c.Source != "" {
			name = c.Source
		}
		p, ok := pos[name]
		switch {
		case ok:
			found++
		case s.Target == "" && !c.Required:
			// Records to predict may leave out an optional column: every
			// cell of it is missing, imputed as in a JSON record.
			p = -1
		default:
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("missing required column %q", name)}
		}
		rr.featPos = append(rr.featPos, p)
		if c.Kind == Category {
			ncat++
		} else {
			nnum++
		}
	}
	if found == 0 && len(s.Features) > 0 {
		return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("no column of the schema's inputs (%s)", strings.Join(s.Inputs(), ", "))}
	}
	if s.Target != "" {
		p, ok := pos[s.Target]
		if !ok {
			return nil, &Error{Line: headerLine, Reason: fmt.Sprintf("missing required column %q", s.Target)}
		}
		rr.targetPos = p
	}
	rr.rec.Cat, rr.rec.Num = make([]string, ncat), make([]float64, nnum)
	return rr, nil
}

// Header returns the header's column names, trimmed, in file order.
func (rr *RowReader) Header() []string { return rr.header }

// HeaderLine is the line the header ends on.
func (rr *RowReader) HeaderLine() int { return rr.line }

// Next returns the next record, or io.EOF after the last. A record with bad
// cells or a malformed line comes back with its Problems, and the next call
// reads on. Any other error is a failure of the underlying reader, and
// final.
func (rr *RowReader) Next() (*Record, error) {
	rec := rr.reset()
	fields, line, err := rr.sc.next()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, fmt.Errorf("read: %w", err)
		}
		// encoding/csv reads on after a syntax error, from the next line.
		rec.Line, rec.Fields = pe.StartLine, nil
		rec.Problems = append(rec.Problems, csvError(err).(*Error))
		return rec, nil
	}
	return rr.decode(fields, line), nil
}

// reset clears rr's Record for the next one: a record whose fields cannot
// be read leaves no values from the last.
func (rr *RowReader) reset() *Record {
	rec := &rr.rec
	rec.Problems = rec.Problems[:0]
	clear(rec.Cat)
	for i := range rec.Num {
		rec.Num[i] = math.NaN()
	}
	rec.Target = math.NaN()
	rec.NoTarget = false
	return rec
}

// decode checks and parses one record's fields (as the scanner split them)
// into rr's Record, which it returns.
func (rr *RowReader) decode(fields []string, line int) *Record {
	rec := &rr.rec
	rec.Line = line
	rec.Fields = fields
	if len(fields) != rr.nfields {
		rec.Problems = append(rec.Problems, &Error{Line: rec.Line, Reason: fmt.Sprintf("has %d fields, header has %d", len(fields), rr.nfields)})
		return rec
	}
	ci, ni := 0, 0
	var date time.Time
	datePos, dateOK := -1, false
	for i, c := range rr.schema.Features {
		cell := ""
		if at := rr.featPos[i]; at >= 0 {
			cell = TrimCell(fields[at])
		}
		if IsMissing(cell) {
			cell = ""
		}
		if c.Kind == Category {
			rec.Cat[ci] = cell // a substring of the record's own string: it outlives the next call
			ci++
			continue
		}
		v := math.NaN()
		switch {
		case cell == "":
		case c.Source != "":
			if datePos != rr.featPos[i] {
				datePos = rr.featPos[i]
				date, dateOK = ParseDate(cell)
				if !dateOK {
					rec.Problems = append(rec.Problems, &Error{Line: rec.Line, Column: c.Source, Value: cell, Reason: "not an ISO 8601 date (2006-01-02 or 2006-01-02T15:04:05)"})
				}
			}
			if dateOK {
				v = DatePart(date, c.Part)
			}
		default:
			var reason string
			if v, reason = parseCell(cell, c); reason != "" {
				rec.Problems = append(rec.Problems, &Error{Line: rec.Line, Column: c.Name, Value: cell, Reason: reason})
			}
		}
		rec.Num[ni] = v
		ni++
	}
	if rr.targetPos >= 0 {
		cell := TrimCell(fields[rr.targetPos])
		if IsMissing(cell) {
			rec.NoTarget = true
		} else if v, reason := parseCell(cell, Column{Min: rr.schema.TargetMin, Max: rr.schema.TargetMax}); reason != "" {
			rec.Problems = append(rec.Problems, &Error{Line: rec.Line, Column: rr.schema.Target, Value: cell, Reason: reason})
		} else {
			rec.Target = v
		}
	}
	return rec
}
