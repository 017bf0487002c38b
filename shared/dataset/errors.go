package dataset

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error that reports a problem with the data
// itself (as opposed to a failure to read it), so callers can tell bad input
// from a broken source with errors.Is(err, ErrInvalid).
var ErrInvalid = errors.New("dataset: invalid data")

// ErrBadURI reports a data URI that names nothing readable: empty, an
// unsupported scheme, a bad synthetic row count, a directory.
var ErrBadURI = errors.New("dataset: bad data URI")

// Error is one problem found in the data. It reads like
//
//	line 7, column "reading_score", value "abc": not a number
//
// leaving out the parts that do not apply. Problems with the header name the
// column in Reason and leave Column empty, as in
//
//	line 1: missing required column "lunch"
//
// Errors unwrap to ErrInvalid.
type Error struct {
	Line   int    // 1-based physical line of the record in the CSV; 0 if none
	Column string // the column of a bad cell; "" if the problem is not a cell's
	Value  string // the bad cell's text, trimmed; "" if none
	Reason string // what is wrong
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
	}
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Column != "" {
		sep()
		b.WriteString("column ")
		b.WriteString(strconv.Quote(e.Column))
	}
	if e.Value != "" {
		sep()
		b.WriteString("value ")
		b.WriteString(strconv.Quote(e.Value))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }
