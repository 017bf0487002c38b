package request

import (
	"strconv"

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

// parseRecordFast parses the flat record starting at body[i] == '{' into
// row and returns the index after its closing brace.
func parseRecordFast(body []byte, i int, fs *Fields, row features.Row) (int, bool) {
	var seen uint64 // one bit per field, schema order
	if len(fs.names) > 64 {
		return 0, false
	}
	if i >= len(body) || body[i] != '{' {
		return 0, false
	}
	i = skipSpace(body, i+1)
	for {
		if i >= len(body) || body[i] != '"' {
			return 0, false
		}
		key, next, ok := plainString(body, i)
		if !ok {
			return 0, false
		}
		idx := fieldIndex(fs, key)
		if idx < 0 || seen&(1<<idx) != 0 {
			return 0, false
		}
		seen |= 1 << idx
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return 0, false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return 0, false
		}
		slot := fs.slots[idx]
		if slot >= 0 {
			if body[i] != '"' {
				return 0, false
			}
			v, next, ok := plainString(body, i)
			if !ok {
				return 0, false
			}
			// A level, exactly (the common case, checked inline) or as
			// Lookup folds it, stored as the level's own string.
			level, ok := fs.level(slot, v)
			if !ok {
				if level, ok = fs.levelOf(slot, v); !ok {
					return 0, false
				}
			}
			row.Cat[slot] = level
			i = next
		} else {
			end := numberEnd(body, i)
			if end == i {
				return 0, false
			}
			v, err := strconv.ParseFloat(string(body[i:end]), 64)
			if err != nil || !(v >= features.MinScore && v <= features.MaxScore) {
				return 0, false
			}
			row.Num[-slot-1] = v
			i = end
		}
		i = skipSpace(body, i)
		if i >= len(body) {
			return 0, false
		}
		if body[i] == '}' {
			if seen != 1<<len(fs.names)-1 {
				return 0, false
			}
			return i + 1, true
		}
		if body[i] != ',' {
			return 0, false
		}
		i = skipSpace(body, i+1)
	}
}

func fieldIndex(fs *Fields, key []byte) int {
	for i, n := range fs.names {
		if n == string(key) {
			return i
		}
	}
	return -1
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

// level returns the level v is exactly, as the level's own string, so a
// decoded row holds no copy of the request.
func (fs *Fields) level(slot int, v []byte) (string, bool) {
	if levels := fs.tr.Categorical[slot].Levels; len(levels) <= 8 {
		for _, l := range levels {
			if l == string(v) {
				return l, true
			}
		}
		return "", false
	}
	l, ok := fs.exact[slot][string(v)]
	return l, ok
}
