package dataset

import (
	"bufio"
	"bytes"
	"io"
	"iter"
)

// A Cut is a place in a CSV stream where the reader can start afresh: a
// line start that the reader (RowReader) reaches between records. The
// records read from Offset on by a new reader, after the header, are
// exactly the records a reader of the whole stream reads from there, with
// their lines counted Line lines earlier.
type Cut struct {
	Offset int64 // bytes before the cut, a BOM included
	Line   int   // physical lines before the cut
}

// Cuts reads a CSV stream as RowReader does and yields the cut after each
// record (or, for a malformed record, after the lines the reader gives
// it), the first being the header's end; the last is the stream's end.
// Cuts after empty lines are left out. It follows RowReader's record
// boundaries in every case, malformed CSV included (a quoted field spanning
// lines, an unterminated quote, a field spanning more than the reader
// gathers), since it uses the same line reading and quote rule; a read
// failure is yielded with a zero Cut and ends the sequence.
//
// A reader that starts at a cut needs the header before it: the bytes up
// to the first cut.
func Cuts(r io.Reader) iter.Seq2[Cut, error] {
	return func(yield func(Cut, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		var off int64
		if skipBOM(br) {
			off = 3
		}
		c := cutter{br: br, off: off}
		for {
			line, nl, err := c.readLine()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Cut{}, err)
				return
			}
			if len(line) == 0 {
				continue // an empty line: the reader skips it
			}
			if bytes.IndexByte(line, '"') >= 0 {
				if err := c.skipChunk(line, nl); err != nil {
					yield(Cut{}, err)
					return
				}
			}
			if !yield(Cut{Offset: c.off, Line: c.line}, nil) {
				return
			}
		}
	}
}

// cutter is the scanner's line reading with the bytes consumed counted.
type cutter struct {
	br   *bufio.Reader
	off  int64 // bytes consumed
	line int   // physical lines consumed
	long []byte
}

// skipChunk consumes the lines the scanner gathers with a first line
// holding a quote (see scanner.startChunk): while the quotes are open, up
// to maxChunk bytes.
func (c *cutter) skipChunk(first []byte, nl bool) error {
	n := len(first)
	open := openQuote(first, false)
	for nl && open && n < maxChunk {
		var line []byte
		var err error
		line, nl, err = c.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n += 1 + len(line)
		open = openQuote(line, true)
	}
	return nil
}

// readLine is the scanner's readLine counting what it consumes.
func (c *cutter) readLine() ([]byte, bool, error) {
	line, raw, nl, err := readLine(c.br, &c.long)
	if err != nil {
		return nil, false, err
	}
	c.off += int64(raw)
	c.line++
	return line, nl, nil
}

// SetLine counts the lines after the ones read so far as if n lines came
// before them: a reader started at a Cut, given the header and then the
// bytes from the cut on, calls SetLine(cut.Line) after NewRowReader so that
// its records and problems name the whole stream's lines.
func (rr *RowReader) SetLine(n int) { rr.sc.line = n }
