package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
)

// A Span is one shard of a CSV file: the bytes [Start, End) hold whole
// records (it starts and ends at dataset Cuts), and Line lines of the file
// come before Start. Scored after the file's header with ScoreRange, the
// shards of a file give, concatenated in order, the bytes Score gives for
// the whole file, and the same errors file.
type Span struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	Line  int   `json:"line"`
}

// Layout is how Split cut one file: its header is the bytes [0, HeaderEnd)
// on HeaderLines lines, and Spans cover the rest, in order, without gaps.
type Layout struct {
	Size        int64  `json:"size"`
	HeaderEnd   int64  `json:"header_end"`
	HeaderLines int    `json:"header_lines"`
	Spans       []Span `json:"spans"`
}

// ErrNoHeader reports a file with no header record to shard by.
var ErrNoHeader = errors.New("no header record")

// Split reads a CSV file of size bytes and cuts the data after its header
// into at most n spans of about equal size, each ending at the first cut
// (see dataset.Cuts) at or after its share; spans that would be empty are
// left out, but there is always one. The reading is one pass in constant
// memory: record boundaries depend on every quote before them, so no
// shortcut that starts reading mid-file is safe for all CSV.
func Split(r io.Reader, size int64, n int) (Layout, error) {
	if n < 1 {
		return Layout{}, fmt.Errorf("split: %d shards: want at least 1", n)
	}
	l := Layout{Size: size}
	var last dataset.Cut
	var next int64 // the offset the current span should reach
	k := 0         // spans finished
	first := true
	for c, err := range dataset.Cuts(r) {
		if err != nil {
			return Layout{}, fmt.Errorf("split: %w", err)
		}
		if first {
			first = false
			l.HeaderEnd, l.HeaderLines, last = c.Offset, c.Line, c
			next = share(l.HeaderEnd, size, 1, n)
			continue
		}
		if c.Offset < next || k == n-1 {
			continue
		}
		l.Spans = append(l.Spans, Span{Start: last.Offset, End: c.Offset, Line: last.Line})
		last = c
		k++
		for k < n-1 && share(l.HeaderEnd, size, k+1, n) <= c.Offset {
			k++ // shares this record has passed too: their spans would be empty
		}
		next = share(l.HeaderEnd, size, k+1, n)
	}
	if first {
		return Layout{}, fmt.Errorf("split: %w: the file is empty", ErrNoHeader)
	}
	if last.Offset < size || len(l.Spans) == 0 {
		l.Spans = append(l.Spans, Span{Start: last.Offset, End: size, Line: last.Line})
	}
	return l, nil
}

// share is where span k of n (1-based) of the data after the header ends.
func share(headerEnd, size int64, k, n int) int64 {
	return headerEnd + (size-headerEnd)*int64(k)/int64(n)
}

// ScoreRange scores one span of a file: header is the file's header bytes
// (Layout.HeaderEnd of them) and data the span's own. Span 0 (first) writes
// the output's and errors file's header lines; the others only rows. Rows
// and problems are numbered by the whole file's lines.
func ScoreRange(ctx context.Context, m *model.Model, header []byte, data io.Reader, sp Span, first bool, w io.Writer, o Options) (Result, error) {
	o.Lines, o.NoHeader = sp.Line, !first
	return Score(ctx, m, io.MultiReader(bytes.NewReader(header), data), w, o)
}

// CheckHeader reads a file's header bytes as Score does and fails when the
// model cannot score the file (a missing column, say), or when the bytes
// hold more than the header: a malformed first record that the reader
// splits into several, which no shard could read on its own.
func CheckHeader(m *model.Model, header []byte) error {
	s := m.Schema()
	s.Target = ""
	rr, err := dataset.NewRowReader(bytes.NewReader(header), s)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRow, err)
	}
	if rec, err := rr.Next(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		return fmt.Errorf("%w: line %d: the header's lines hold a record too (malformed quotes?); score the file whole", ErrBadRow, rec.Line)
	}
	return nil
}
