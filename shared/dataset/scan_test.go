package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// scanAll is every record, line and error the scanner yields, as text.
func scanAll(data []byte, bufSize int) []string {
	s := newScanner(bufio.NewReaderSize(bytes.NewReader(data), bufSize))
	var out []string
	for {
		f, line, err := s.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, fmt.Sprintf("%d error %v", line, err))
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return out
			}
			continue
		}
		out = append(out, fmt.Sprintf("%d %q", line, f))
	}
}

// csvAll is the same from encoding/csv itself.
func csvAll(data []byte) []string {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []string
	for {
		f, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return append(out, "error "+err.Error())
			}
			out = append(out, fmt.Sprintf("%d error %v", pe.StartLine, err))
			continue
		}
		line, _ := r.FieldPos(0)
		out = append(out, fmt.Sprintf("%d %q", line, f))
	}
}

var scanSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a, b ,c\r\n\r\n1,\"2\",3\r\n",
	"a,\"b\nc\",d\ne,f\n",
	"fe\"male,x\nnext,row\n",
	"\"open,never closed\nmore\n",
	"\"quoted\"x,y\n",
	"a,\"b\"\"c\",d\n",
	"a\r\r\nb\r",
	"   \n\t,\n",
	",,,\n",
	"\u00a0a,\u3000b\n",
	"x" + strings.Repeat("y", 5000) + ",z\n",
}

func TestScanMatchesEncodingCSV(t *testing.T) {
	for _, s := range scanSeeds {
		for _, size := range []int{16, 4096} {
			got, want := scanAll([]byte(s), size), csvAll([]byte(s))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%q (buffer %d):\ngot  %q\nwant %q", s, size, got, want)
			}
		}
	}
}

// FuzzScanMatchesEncodingCSV: for any input the scanner yields what
// encoding/csv yields: the same fields, start lines and errors.
func FuzzScanMatchesEncodingCSV(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxChunk/2 {
			t.Skip()
		}
		got, want := scanAll(data, 16), csvAll(data)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%q:\ngot  %q\nwant %q", data, got, want)
		}
	})
}
