package dataset

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// The rules for a cell's text, the same for CSV in training, CSV in
// serving and JSON (which hands its strings and number literals to them):
// surrounding ASCII white space is trimmed; a few markers mean missing;
// a number is plain decimal; a category matches its level exactly or with
// ASCII case folded.

// TrimCell drops surrounding ASCII white space (space, tab, CR, LF, VT,
// FF), nothing else.
func TrimCell(s string) string { return trimCell(s) }

// TrimCellBytes is TrimCell of a cell's bytes.
func TrimCellBytes(b []byte) []byte { return trimCell(b) }

func trimCell[T string | []byte](s T) T {
	i, j := 0, len(s)
	for i < j && asciiSpace(s[i]) {
		i++
	}
	for j > i && asciiSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// missingMarkers are the texts (after trimming) that mean a missing value,
// a subset of what pandas reads as NaN by default.
var missingMarkers = map[string]bool{
	"": true, "NA": true, "N/A": true, "n/a": true, "NaN": true, "nan": true, "-nan": true, "-NaN": true,
	"null": true, "NULL": true, "None": true, "<NA>": true, "#N/A": true,
}

// IsMissing reports whether a trimmed cell means a missing value: empty,
// or one of NA, N/A, n/a, NaN, nan, null, NULL, None, <NA>, #N/A.
func IsMissing(cell string) bool { return isMissing(cell) }

// IsMissingBytes is IsMissing of a trimmed cell's bytes; it allocates
// nothing.
func IsMissingBytes(cell []byte) bool { return isMissing(cell) }

// isMissing looks a cell up in missingMarkers, unless its length or first
// byte rules every marker out (TestMissingMarkersPassTheFilter).
func isMissing[T string | []byte](cell T) bool {
	if len(cell) == 0 {
		return true
	}
	if len(cell) > 4 {
		return false
	}
	switch cell[0] {
	case 'N', 'n', '-', '<', '#':
		return missingMarkers[string(cell)]
	}
	return false
}

// ErrNotNumber and ErrNumberRange are what ParseNumber returns.
var (
	ErrNotNumber   = errors.New("not a number")
	ErrNumberRange = errors.New("number out of range")
)

// ParseNumber parses a trimmed cell as a plain decimal number: an optional
// minus sign, digits with an optional point (".5" and "5." too), and an
// optional exponent. Hexadecimal, underscores, a plus sign, "Inf" and
// "NaN" are not numbers. A value too large for a float64 is
// ErrNumberRange; -0 reads as 0.
func ParseNumber(s string) (float64, error) {
	if v, ok := fastDecimal(s); ok {
		return v, nil
	}
	if !isDecimal(s) {
		return 0, ErrNotNumber
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			if v != 0 { // overflow; underflow rounds to 0 and is fine
				return 0, ErrNumberRange
			}
		} else {
			return 0, ErrNotNumber
		}
	}
	if v == 0 {
		return 0, nil // not -0
	}
	return v, nil
}

// ParseNumberBytes is ParseNumber of a trimmed cell's bytes; it allocates
// nothing for a short decimal.
func ParseNumberBytes(b []byte) (float64, error) {
	if v, ok := fastDecimal(b); ok {
		return v, nil
	}
	return ParseNumber(string(b))
}

// isDecimal reports whether s is -?(d+(.d*)?|.d+)([eE][+-]?d+)?.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsInteger reports whether a parsed number is a whole number that a
// float64 holds exactly.
func IsInteger(v float64) bool { return v == float64(int64(v)) && v > -1<<53 && v < 1<<53 }

// EqualFoldASCII reports whether a and b are equal with ASCII letters'
// case folded; other bytes must match exactly (no Unicode folding, so
// "ſ" is not "s" and the Kelvin sign is not "k").
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// dateLayouts are the ISO 8601 forms a date column may hold.
var dateLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// ParseDate parses a trimmed cell as an ISO 8601 date or timestamp
// (2024-03-01, 2024-03-01T12:30:00Z, 2024-03-01 12:30:00, …). A timestamp
// with an offset keeps its own calendar day.
func ParseDate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// DatePart returns one of DateParts of t: the year, the month (1–12), the
// day of the month (1–31) or the ISO day of the week (1 = Monday … 7).
func DatePart(t time.Time, part string) float64 {
	switch part {
	case "year":
		return float64(t.Year())
	case "month":
		return float64(t.Month())
	case "day":
		return float64(t.Day())
	case "day_of_week":
		return float64((int(t.Weekday())+6)%7 + 1)
	}
	return 0
}

// MarshalJSON writes the schema with its Columns, taking them from
// Features when only those are set.
func (s Schema) MarshalJSON() ([]byte, error) {
	type plain Schema
	p := plain(s)
	if len(p.Columns) == 0 {
		p.Columns = p.Features
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads a schema and derives its Features (see Expand).
func (s *Schema) UnmarshalJSON(b []byte) error {
	type plain Schema
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Schema(p)
	return s.Expand()
}
