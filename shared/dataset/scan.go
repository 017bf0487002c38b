package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner yields the records of a CSV stream exactly as encoding/csv reads
// them (TrimLeadingSpace, no LazyQuotes, any number of fields), faster for
// the common case. A line without a quote is split at its commas directly;
// a line with one, with the lines that complete its quoted fields, goes
// through encoding/csv itself. FuzzScanMatchesEncodingCSV holds the two to
// the same records, lines and errors.
type scanner struct {
	br     *bufio.Reader
	line   int    // physical lines consumed
	long   []byte // a line longer than br's buffer, gathered
	fields []string

	slow     *csv.Reader // over the lines of the current quoted chunk; nil when none
	slowBase int         // lines before the chunk's first
}

// maxChunk bounds the lines gathered to complete a quoted field: a field
// spanning more is handed to encoding/csv in pieces and reported malformed.
const maxChunk = 1 << 20

func newScanner(r *bufio.Reader) *scanner { return &scanner{br: r} }

// skipBOM drops a UTF-8 byte order mark at the start of br and reports
// whether there was one.
func skipBOM(br *bufio.Reader) bool {
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3) // cannot fail: the bytes are buffered
		return true
	}
	return false
}

// openCSV starts a scanner over r, past a byte order mark, and reads the
// header row: its names trimmed (TrimCell) and the line it ends on. An
// empty input or a malformed header is an *Error.
func openCSV(r io.Reader) (*scanner, []string, int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	skipBOM(br)
	sc := newScanner(br)
	fields, line, err := sc.next()
	if err == io.EOF {
		return nil, nil, 0, &Error{Reason: "empty file"}
	}
	if err != nil {
		return nil, nil, 0, csvError(err)
	}
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = TrimCell(f)
	}
	return sc, header, line, nil
}

// next returns the next record's fields (reused by the next call; the
// strings stay valid) and the line it starts on. A syntax error is a
// *csv.ParseError with lines counted from the start of the stream, after
// which next reads on; io.EOF ends the stream.
func (s *scanner) next() ([]string, int, error) {
	for {
		if s.slow != nil {
			rec, err := s.slow.Read()
			switch {
			case err == io.EOF:
				s.slow = nil
			case err != nil:
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					e := *pe
					e.StartLine += s.slowBase
					e.Line += s.slowBase
					return nil, e.StartLine, &e
				}
				return nil, 0, err
			default:
				line, _ := s.slow.FieldPos(0)
				return rec, s.slowBase + line, nil
			}
		}
		line, nl, err := s.readLine()
		if err != nil {
			return nil, 0, err
		}
		s.line++
		if len(line) == 0 {
			continue // encoding/csv skips empty lines
		}
		if bytes.IndexByte(line, '"') >= 0 {
			s.startChunk(line, nl)
			continue
		}
		s.fields = splitLine(string(line), s.fields[:0])
		return s.fields, s.line, nil
	}
}

// splitLine appends the fields of a line without quotes to fields: the
// text between commas, leading white space dropped (TrimLeadingSpace).
func splitLine(str string, fields []string) []string {
	for {
		i := strings.IndexByte(str, ',')
		if i < 0 {
			return append(fields, trimLeft(str))
		}
		fields = append(fields, trimLeft(str[:i]))
		str = str[i+1:]
	}
}

// startChunk gathers the line and, while its quotes are unbalanced, the
// lines after it, for encoding/csv to read.
func (s *scanner) startChunk(first []byte, nl bool) {
	s.slowBase = s.line - 1
	chunk := append([]byte(nil), first...)
	open := openQuote(first, false)
	for nl && open && len(chunk) < maxChunk {
		chunk = append(chunk, '\n')
		var line []byte
		var err error
		line, nl, err = s.readLine()
		if err != nil {
			break // EOF (or a failure, reported on the next read): encoding/csv says what is unterminated
		}
		s.line++
		chunk = append(chunk, line...)
		open = openQuote(line, true)
	}
	if nl {
		chunk = append(chunk, '\n')
	}
	cr := csv.NewReader(bytes.NewReader(chunk))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	s.slow = cr
}

// openQuote reports whether a line leaves a quoted field open, so that its
// record goes on on the next line, following encoding/csv's rules: a field
// that starts (after leading space) with a quote is quoted; in it "" is a
// quote, and a quote ends the field before a comma or the line's end; a
// quote anywhere else is an error, which ends the record at this line.
// inQuoted says the line starts inside a quoted field.
func openQuote(line []byte, inQuoted bool) bool {
	i := 0
	for {
		if !inQuoted {
			for i < len(line) {
				r, n := utf8.DecodeRune(line[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += n
			}
			if i < len(line) && line[i] == '"' {
				inQuoted, i = true, i+1
				continue
			}
			comma := bytes.IndexByte(line[i:], ',')
			end := len(line)
			if comma >= 0 {
				end = i + comma
			}
			if bytes.IndexByte(line[i:end], '"') >= 0 || comma < 0 {
				return false // a bare quote (an error), or the last field
			}
			i = end + 1
			continue
		}
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return true
		}
		i += q + 1
		switch {
		case i < len(line) && line[i] == '"':
			i++
		case i < len(line) && line[i] == ',':
			inQuoted, i = false, i+1
		default:
			return false // the record's end, or an error that ends it
		}
	}
}

// readLine returns the next line without its line end ("\n" or "\r\n"; a
// lone "\r" at the end of the stream too, as encoding/csv drops it), and
// whether it ended in "\n".
func (s *scanner) readLine() ([]byte, bool, error) {
	line, _, nl, err := readLine(s.br, &s.long)
	return line, nl, err
}

// readLine reads the next line of br, a line longer than br's buffer
// gathered in *long, and returns it without its line end, the bytes it
// took from the stream, and whether it ended in "\n". The scanner and the
// cutter read lines through it, so that cuts fall where the scanner sees
// record boundaries.
func readLine(br *bufio.Reader, long *[]byte) ([]byte, int, bool, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*long = append((*long)[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = br.ReadSlice('\n')
			*long = append(*long, line...)
		}
		line = *long
	}
	if err == io.EOF {
		if len(line) == 0 {
			return nil, 0, false, io.EOF
		}
		err = nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	raw := len(line)
	nl := false
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line, nl = line[:n-1], true
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, raw, nl, nil
}

// trimLeft drops leading white space, as TrimLeadingSpace does.
func trimLeft(f string) string {
	if f == "" {
		return f
	}
	if c := f[0]; c != ' ' && c != '\t' && c != '\v' && c != '\f' && c != '\r' && c < utf8.RuneSelf {
		return f
	}
	return strings.TrimLeftFunc(f, unicode.IsSpace)
}
