package dataset

import (
	"strings"
	"testing"
)

// Cuts yields the offset and line after each record, a quoted field
// spanning lines, a BOM, CRLF and empty lines counted, and nothing after an
// empty line.
func TestCuts(t *testing.T) {
	in := "\uFEFFa,b\r\n\r\n1,\"x\r\ny\"\r\n2,3\n\"open\n"
	var got []Cut
	for c, err := range Cuts(strings.NewReader(in)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	want := []Cut{{Offset: 8, Line: 1}, {Offset: 20, Line: 4}, {Offset: 24, Line: 5}, {Offset: int64(len(in)), Line: 6}}
	if len(got) != len(want) {
		t.Fatalf("got %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cut %d: got %+v; want %+v (all: %v)", i, got[i], want[i], got)
		}
	}
}

// A reader started at a cut, after the header, with SetLine, reads the
// records a reader of the whole stream reads from there, on the same lines.
func TestSetLineFromACut(t *testing.T) {
	s := Schema{Features: []Column{{Name: "a", Kind: Category}}}
	in := "a\nx\n\"y\nz\"\nw\n"
	var cuts []Cut
	for c, err := range Cuts(strings.NewReader(in)) {
		if err != nil {
			t.Fatal(err)
		}
		cuts = append(cuts, c)
	}
	rr, err := NewRowReader(strings.NewReader(in[:cuts[0].Offset]+in[cuts[2].Offset:]), s)
	if err != nil {
		t.Fatal(err)
	}
	rr.SetLine(cuts[2].Line)
	rec, err := rr.Next()
	if err != nil || rec.Line != 5 || rec.Fields[0] != "w" {
		t.Fatalf("got %+v, %v; want line 5, w", rec, err)
	}
}
