package batch

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// FuzzAppendRecord: the hand-written writer says what encoding/csv's
// Writer says, for any fields.
func FuzzAppendRecord(f *testing.F) {
	for _, s := range [][2]string{{"a", "b"}, {"", ""}, {"a,b", `c"d`}, {" x", "\ty"}, {"line\nbreak", "cr\r"}, {`\.`, "é"}, {"\u00a0nbsp", "\u0085"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		if err := w.Write([]string{a, b}); err != nil {
			t.Skip() // invalid for encoding/csv too
		}
		w.Flush()
		if got := appendRecord(nil, []string{a, b}); string(got) != want.String() {
			t.Fatalf("fields %q %q: got %q; encoding/csv writes %q", a, b, got, want.String())
		}
	})
}
