package main

import (
	"strconv"

	"github.com/studentperf/studentperf/shared/features"
)

// decodeRecordFast decodes the common request, one flat record whose
// members are known fields with plain strings (no escapes) and numbers, in
// one pass without allocating per member. It reports ok only for a body
// that is exactly such a record and fully valid; everything else (batches,
// escapes, any problem at all) returns !ok and goes through decodePredict,
// which gives the detailed errors. FuzzDecodePredict checks that the two
// agree whenever this one succeeds.
func decodeRecordFast(body []byte, fs *fieldSet) (features.Row, bool) {
	row := fs.newRow()
	var seen uint64 // one bit per field, schema order
	if len(fs.names) > 64 {
		return row, false
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return row, false
	}
	i = skipSpace(body, i+1)
	for {
		if i >= len(body) || body[i] != '"' {
			return row, false
		}
		key, next, ok := plainString(body, i)
		if !ok {
			return row, false
		}
		idx := fieldIndex(fs, key)
		if idx < 0 || seen&(1<<idx) != 0 {
			return row, false
		}
		seen |= 1 << idx
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return row, false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return row, false
		}
		slot := fs.slot[fs.names[idx]]
		if slot >= 0 {
			if body[i] != '"' {
				return row, false
			}
			v, next, ok := plainString(body, i)
			if !ok || fs.category("", slot, v) != nil {
				return row, false
			}
			row.Cat[slot] = v
			i = next
		} else {
			end := numberEnd(body, i)
			if end == i {
				return row, false
			}
			v, err := strconv.ParseFloat(string(body[i:end]), 64)
			if err != nil || !(v >= features.MinScore && v <= features.MaxScore) {
				return row, false
			}
			row.Num[-slot-1] = v
			i = end
		}
		i = skipSpace(body, i)
		if i >= len(body) {
			return row, false
		}
		if body[i] == '}' {
			i = skipSpace(body, i+1)
			if i != len(body) || seen != 1<<len(fs.names)-1 {
				return row, false
			}
			return row, true
		}
		if body[i] != ',' {
			return row, false
		}
		i = skipSpace(body, i+1)
	}
}

func fieldIndex(fs *fieldSet, key string) int {
	for i, n := range fs.names {
		if n == key {
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
func plainString(b []byte, i int) (string, int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", 0, false // escapes, control and non-ASCII bytes: the slow path checks them
		}
	}
	return "", 0, false
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
