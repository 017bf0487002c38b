package dataset

import "bytes"

// Positions returns the field index of each schema feature in the header,
// in the schema's order, -1 for an optional column the file leaves out
// (read as missing). The slice is the reader's own: do not change it.
func (rr *RowReader) Positions() []int { return rr.featPos }

// DecodeLine decodes one line of the stream as Next would return it, for a
// caller that splits the stream into lines itself: line is the line's
// bytes without its line end, n the line number Next would give it. It
// reports false, decoding nothing, for an empty line (which Next skips) or
// one with a quote (whose record may go on over the next lines); every
// other line is one record, which DecodeLine returns as Next would. The
// Record is reused as Next's is.
func (rr *RowReader) DecodeLine(line []byte, n int) (*Record, bool) {
	if len(line) == 0 || bytes.IndexByte(line, '"') >= 0 {
		return nil, false
	}
	rr.reset()
	rr.sc.fields = splitLine(string(line), rr.sc.fields[:0])
	return rr.decode(rr.sc.fields, n), true
}
