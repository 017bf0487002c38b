package request

import (
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// decodeRecordFast decodes the common request, one flat record whose
// members are known fields with plain strings (no escapes) and numbers, in
// one pass without allocating per member. It reports ok only for a body
// that is exactly such a record and fully valid; everything else (escapes,
// non-ASCII text, any problem at all) returns !ok
// and goes through decodePredict, which gives the detailed errors.
// FuzzDecodePredict checks that the two agree whenever this one succeeds.
func decodeRecordFast(body []byte, fs *Fields) (features.Row, bool) {
	row := fs.newRow()
	i, ok := parseRecordFast(body, skipSpace(body, 0), fs, row)
	if !ok || skipSpace(body, i) != len(body) {
		return row, false
	}
	return row, true
}

// decodeInstancesFast decodes {"instances": [record, …]} of flat records
// (see decodeRecordFast) in one pass, the rows sharing two backing arrays.
// Anything else, including more than maxBatch rows (for the slow path's
// 413), returns !ok.
func decodeInstancesFast(body []byte, fs *Fields, maxBatch int) ([]features.Row, bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	if i >= len(body) || body[i] != '"' {
		return nil, false
	}
	key, next, ok := plainString(body, i)
	if !ok || string(key) != "instances" {
		return nil, false
	}
	i = skipSpace(body, next)
	if i >= len(body) || body[i] != ':' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	if i >= len(body) || body[i] != '[' {
		return nil, false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return nil, false // an empty batch: the slow path names the problem
	}
	// A record is at least ~100 bytes: size the rows from the body.
	var arena rowArena
	arena.init(fs, min(len(body)/100+1, maxBatch))
	rows := make([]features.Row, 0, min(len(body)/100+1, maxBatch))
	for {
		if len(rows) == maxBatch {
			return nil, false
		}
		row := arena.next()
		if i, ok = parseRecordFast(body, i, fs, row); !ok {
			return nil, false
		}
		rows = append(rows, row)
		i = skipSpace(body, i)
		if i >= len(body) {
			return nil, false
		}
		if body[i] == ']' {
			break
		}
		if body[i] != ',' {
			return nil, false
		}
		i = skipSpace(body, i+1)
	}
	i = skipSpace(body, i+1)
	if i >= len(body) || body[i] != '}' || skipSpace(body, i+1) != len(body) {
		return nil, false
	}
	return rows, true
}

// maxFastFields bounds the fields a record of the one-pass decoder may
// have (the bits of its member set); wider schemas take the general one.
const maxFastFields = 256

// parseRecordFast parses the flat record starting at body[i] == '{' into
// row and returns the index after its closing brace. Each member is a
// field of the schema with a value the field takes as it is: a level
// (exact or as Known matches it) as a string, or as a number under a
// schema that is not strict; a number within the column's bounds; a date.
// Fields not given are missing unless required. Anything else returns !ok.
func parseRecordFast(body []byte, i int, fs *Fields, row features.Row) (int, bool) {
	var seen [maxFastFields / 64]uint64 // one bit per field, schema order
	if len(fs.names) > maxFastFields {
		return 0, false
	}
	if i >= len(body) || body[i] != '{' {
		return 0, false
	}
	i = skipSpace(body, i+1)
	given := 0
	for {
		if i >= len(body) {
			return 0, false
		}
		if body[i] == '}' && given == 0 {
			break // {}: every field missing
		}
		if body[i] != '"' {
			return 0, false
		}
		key, next, ok := plainString(body, i)
		if !ok {
			return 0, false
		}
		idx := fs.fieldIndex(key)
		if idx < 0 || seen[idx>>6]&(1<<(idx&63)) != 0 {
			return 0, false
		}
		seen[idx>>6] |= 1 << (idx & 63)
		given++
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return 0, false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return 0, false
		}
		if i, ok = fastValue(body, i, fs, &fs.fields[idx], row); !ok {
			return 0, false
		}
		i = skipSpace(body, i)
		if i >= len(body) {
			return 0, false
		}
		if body[i] == '}' {
			break
		}
		if body[i] != ',' {
			return 0, false
		}
		i = skipSpace(body, i+1)
	}
	if given != len(fs.names) {
		for idx := range fs.fields {
			if seen[idx>>6]&(1<<(idx&63)) == 0 {
				f := &fs.fields[idx]
				if f.required {
					return 0, false
				}
				setMissing(f, row)
			}
		}
	}
	return i + 1, true
}

// fastValue reads the value at body[i] of field f into row, when it is
// one the field takes as it is; it returns the index after it.
func fastValue(body []byte, i int, fs *Fields, f *field, row features.Row) (int, bool) {
	if body[i] == '"' {
		v, next, ok := plainString(body, i)
		if !ok {
			return 0, false
		}
		switch f.kind {
		case dataset.Category:
			// A level, exactly (the common case, checked inline) or as
			// Known folds it, stored as the level's own string.
			level, ok := fs.level(f, v)
			if !ok {
				if level, ok = fs.levelOf(f, v); !ok {
					return 0, false
				}
			}
			row.Cat[f.slot] = level
		case dataset.Date:
			if !plainDate(f, v, row) {
				if t := dataset.TrimCell(string(v)); dataset.IsMissing(t) || date(f, "", t, row) != nil {
					return 0, false
				}
			}
		default:
			return 0, false // a numeric string: the general decoder reads it
		}
		return next, true
	}
	end := numberEnd(body, i)
	if end == i {
		return 0, false
	}
	switch f.kind {
	case dataset.Numeric:
		v, err := dataset.ParseNumber(string(body[i:end]))
		if err != nil || !f.num.InRange(v) {
			return 0, false
		}
		row.Num[f.slot] = v
	case dataset.Category:
		if fs.strict {
			return 0, false
		}
		level, ok := fs.level(f, body[i:end])
		if !ok {
			return 0, false
		}
		row.Cat[f.slot] = level
	default:
		return 0, false
	}
	return end, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string starting at the quote b[i] that has no
// escapes and only printable ASCII or valid-looking UTF-8 bytes (≥ 0x20);
// it returns the content and the index after the closing quote.
func plainString(b []byte, i int) ([]byte, int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, 0, false // escapes, control and non-ASCII bytes: the slow path checks them
		}
	}
	return nil, 0, false
}

// numberEnd returns the end of a JSON number starting at b[i] (i itself
// when there is none), following the JSON grammar exactly.
func numberEnd(b []byte, i int) int {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return i
	}
	if j < len(b) && b[j] == '.' {
		k := j + 1
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k == j+1 {
			return i
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		d := k
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k == d {
			return i
		}
		j = k
	}
	return j
}

// plainDate reads a date written exactly as 2006-01-02 (the common form)
// into f's parts without copying it, as dataset.ParseDate would read it;
// it reports false for anything else, which date then reads.
func plainDate(f *field, v []byte, row features.Row) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	n := func(b []byte) int {
		x := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, m, d := n(v[:4]), n(v[5:7]), n(v[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // past the month's end
		return false
	}
	for i, part := range f.parts {
		row.Num[f.partSlot[i]] = dataset.DatePart(t, part)
	}
	return true
}
