package dataset

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// slowNumber is ParseNumber without its shortcut: the grammar, then
// strconv.ParseFloat.
func slowNumber(s string) (float64, bool) {
	if !isDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	if v == 0 {
		return 0, true
	}
	return v, true
}

// checkFast fails when fastDecimal decides s differently from the slow
// way: a value it returns must be ParseFloat's, bit for bit, and a text
// outside the grammar must never be taken.
func checkFast(t *testing.T, s string) {
	t.Helper()
	v, ok := fastDecimal(s)
	vb, okb := fastDecimal([]byte(s))
	if ok != okb || math.Float64bits(v) != math.Float64bits(vb) {
		t.Fatalf("fastDecimal(%q): string %v %v, bytes %v %v", s, v, ok, vb, okb)
	}
	if !ok {
		return
	}
	want, wok := slowNumber(s)
	if !wok || math.Float64bits(v) != math.Float64bits(want) {
		t.Fatalf("fastDecimal(%q) = %v (%#x); ParseFloat says %v (%#x), valid %v", s, v, math.Float64bits(v), want, math.Float64bits(want), wok)
	}
}

// checkField fails when NumberField takes a field of line that is not a
// plain decimal ending at a comma or the line's end, or reads it as
// anything but ParseNumber's value.
func checkField(t *testing.T, line string) {
	t.Helper()
	v, n, ok := NumberField([]byte(line))
	if !ok {
		return
	}
	if n < len(line) && line[n] != ',' {
		t.Fatalf("NumberField(%q) ends at %d, not at a comma", line, n)
	}
	want, wok := slowNumber(line[:n])
	if !wok || math.Float64bits(v) != math.Float64bits(want) || strings.IndexByte(line[:n], ',') >= 0 {
		t.Fatalf("NumberField(%q) = %v, %d; ParseFloat says %v of %q, valid %v", line, v, n, want, line[:n], wok)
	}
}

func TestFastDecimalMatchesParseFloat(t *testing.T) {
	fixed := []string{"0", "-0", "0.0", "-0.000", "72", "-3.5", ".5", "5.", "1e3", "1E+3", "1e-3", "-1.25e-7",
		"9007199254740992", "9007199254740993", "123456789012345678", "1234567890123456789", "0.1", "0.2", "0.3",
		"1e22", "1e23", "1e-22", "1e-23", "4.35e21", "-", ".", "e5", "1e", "1e+", "1e-", "+1", "1_0", "0x10",
		"1.2.3", "1e5.5", "Inf", "NaN", "", " 1", "1 ", "00000000000000000000001", "1e0009", "1e00009", "0e99999",
		"0.000000000000000000000000001", "12345678901234567890e-5"}
	for _, s := range fixed {
		checkFast(t, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		s := randomDecimal(r)
		checkFast(t, s)
		checkField(t, s)
		checkField(t, s+","+randomDecimal(r))
	}
	for _, s := range fixed {
		checkField(t, s)
		checkField(t, s+",1")
		checkField(t, s+"x,1")
	}
}

// randomDecimal writes a number as people and generators do, with now
// and then a digit or a sign too many.
func randomDecimal(r *rand.Rand) string {
	b := []byte{}
	if r.IntN(3) == 0 {
		b = append(b, '-')
	}
	for range r.IntN(12) {
		b = append(b, byte('0'+r.IntN(10)))
	}
	if r.IntN(2) == 0 {
		b = append(b, '.')
		for range r.IntN(12) {
			b = append(b, byte('0'+r.IntN(10)))
		}
	}
	if r.IntN(5) == 0 {
		b = append(b, "eE"[r.IntN(2)])
		if r.IntN(2) == 0 {
			b = append(b, "+-"[r.IntN(2)])
		}
		for range r.IntN(4) {
			b = append(b, byte('0'+r.IntN(10)))
		}
	}
	if r.IntN(50) == 0 {
		b = append(b, "x+-. e"[r.IntN(6)])
	}
	return string(b)
}

func FuzzFastDecimal(f *testing.F) {
	for _, s := range []string{"0", "-3.5", ".5", "5.", "1e22", "9007199254740993", "1e-23", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFast(t, s)
		checkField(t, s)
		got, gerr := ParseNumberBytes([]byte(s))
		want, werr := ParseNumber(s)
		if (gerr == nil) != (werr == nil) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("ParseNumberBytes(%q) = %v, %v; ParseNumber says %v, %v", s, got, gerr, want, werr)
		}
	})
}

func TestCellBytesAllocateNothing(t *testing.T) {
	cell := []byte("  NA ")
	num := []byte("-12.375")
	n := testing.AllocsPerRun(100, func() {
		if !IsMissingBytes(TrimCellBytes(cell)) {
			t.Fatal("NA is not missing")
		}
		if v, err := ParseNumberBytes(num); err != nil || v != -12.375 {
			t.Fatalf("ParseNumberBytes: %v, %v", v, err)
		}
	})
	if n != 0 {
		t.Errorf("got %v allocations a cell; want 0", n)
	}
}

// isMissing's filter by length and first byte lets every marker through.
func TestMissingMarkersPassTheFilter(t *testing.T) {
	for m := range missingMarkers {
		if !IsMissing(m) || !IsMissingBytes([]byte(m)) {
			t.Errorf("marker %q is not missing", m)
		}
	}
	for _, s := range []string{"N", "n", "-", "NAN", "0", "-1", "nul", "Nonee", "#N/", " NA"} {
		if IsMissing(s) || IsMissingBytes([]byte(s)) {
			t.Errorf("%q is missing; want a value", s)
		}
	}
}
