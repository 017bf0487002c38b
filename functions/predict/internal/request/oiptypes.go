package request

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// numberType is what an Open Inference Protocol datatype holds, for an
// input of scores: the range of its values, and whether they are whole.
type numberType struct {
	lo, hi   float64
	integer  bool
	unsigned bool
	bits     int
}

// numberTypes are the datatypes a score input may be sent as: KServe's
// request builders send INT32 or INT64 for integer columns and FP32 for
// float ones. BOOL counts as 0 and 1.
var numberTypes = map[string]numberType{
	"INT8":   {lo: math.MinInt8, hi: math.MaxInt8, integer: true, bits: 8},
	"INT16":  {lo: math.MinInt16, hi: math.MaxInt16, integer: true, bits: 16},
	"INT32":  {lo: math.MinInt32, hi: math.MaxInt32, integer: true, bits: 32},
	"INT64":  {lo: math.MinInt64, hi: math.MaxInt64, integer: true, bits: 64},
	"UINT8":  {lo: 0, hi: math.MaxUint8, integer: true, unsigned: true, bits: 8},
	"UINT16": {lo: 0, hi: math.MaxUint16, integer: true, unsigned: true, bits: 16},
	"UINT32": {lo: 0, hi: math.MaxUint32, integer: true, unsigned: true, bits: 32},
	"UINT64": {lo: 0, hi: math.MaxUint64, integer: true, unsigned: true, bits: 64},
	"FP16":   {lo: -65504, hi: 65504},
	"FP32":   {lo: -math.MaxFloat32, hi: math.MaxFloat32},
	"FP64":   {lo: -math.MaxFloat64, hi: math.MaxFloat64},
}

// Datatype reasons, the allowed datatypes of each kind of input.
const (
	numberDatatypes   = "datatype must be a number type: INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, FP16, FP32, FP64 or BOOL"
	categoryDatatypes = "datatype must be BYTES (or BOOL for a category whose levels are true and false)"
)

// checkDatatype says what is wrong with an input's datatype for field f,
// or "" when the field takes it: BYTES (or BOOL) for a category, any
// number type or BOOL for a number, BYTES for a date. Under a schema that
// is not strict a category may also come as numbers (a zip code) and a
// number as BYTES of numeric strings.
func (fs *Fields) checkDatatype(dt string, f *field) string {
	_, isNumber := numberTypes[dt]
	switch f.kind {
	case dataset.Category:
		if dt == "BYTES" || dt == "BOOL" || (isNumber && !fs.strict) {
			return ""
		}
		if !fs.strict {
			return "datatype must be BYTES, BOOL or a number type"
		}
		return categoryDatatypes
	case dataset.Date:
		if dt == "BYTES" {
			return ""
		}
		return "datatype must be BYTES (ISO 8601 dates)"
	}
	if isNumber || dt == "BOOL" || (dt == "BYTES" && !fs.strict) {
		return ""
	}
	return numberDatatypes
}

// tensorValue reads one element of an input of datatype dt into row by
// field f's kind and rules (those of JSON: Fields.category, number, date);
// null is missing unless the schema is strict.
func (fs *Fields) tensorValue(f *field, path, dt string, raw []byte, row features.Row) *features.Problem {
	if !fs.strict && string(raw) == "null" {
		return absent(f, path, row)
	}
	_, isNumber := numberTypes[dt]
	switch {
	case f.kind == dataset.Category && isNumber: // a level named by a number's literal
		if _, p := numberValue(path, dt, raw); p != nil {
			return p
		}
		return fs.categoryBytes(f, path, raw, row)
	case f.kind == dataset.Category:
		v, p := categoryValue(path, dt, raw)
		if p != nil {
			return p
		}
		return fs.category(f, path, v, row)
	case f.kind == dataset.Date, dt == "BYTES":
		v, p := categoryValue(path, dt, raw)
		if p != nil {
			return p
		}
		return fs.set(f, path, v, row)
	}
	v, p := numberValue(path, dt, raw)
	if p != nil {
		return p
	}
	if p := inBounds(f, path, string(raw), v); p != nil {
		return p
	}
	row.Num[f.slot] = v
	return nil
}

// categoryValue decodes one element of a category input: a string for
// BYTES, true or false for BOOL (a level named so).
func categoryValue(field, dt string, raw []byte) (string, *features.Problem) {
	if dt == "BOOL" {
		b, ok := boolValue(raw)
		if !ok {
			return "", &features.Problem{Field: field, Value: features.Clip(string(raw)), Reason: "must be true or false (BOOL)"}
		}
		return strconv.FormatBool(b), nil
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", &features.Problem{Field: field, Value: features.Clip(string(raw)), Reason: "must be a string (BYTES)"}
	}
	return s, nil
}

// numberValue decodes one element of a score input in its datatype: a
// JSON integer within the range of an integer type, a finite number
// within the range of a float type (kept as written, not rounded to the
// type's precision, so that FP32 and FP64 give the same prediction for
// the same text), true or false for BOOL. The column's bounds are the
// caller's to check.
func numberValue(field, dt string, raw []byte) (float64, *features.Problem) {
	bad := func(reason string) (float64, *features.Problem) {
		return 0, &features.Problem{Field: field, Value: features.Clip(string(raw)), Reason: reason}
	}
	if dt == "BOOL" {
		b, ok := boolValue(raw)
		if !ok {
			return bad("must be true or false (BOOL)")
		}
		v := 0.0
		if b {
			v = 1
		}
		return v, nil
	}
	nt := numberTypes[dt]
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) || !json.Valid(raw) {
		return bad("must be a number (" + dt + ")")
	}
	var v float64
	if nt.integer {
		var err error
		if nt.unsigned {
			var u uint64
			u, err = strconv.ParseUint(string(raw), 10, nt.bits)
			v = float64(u)
		} else {
			var n int64
			n, err = strconv.ParseInt(string(raw), 10, nt.bits)
			v = float64(n)
		}
		if err != nil {
			return bad("must be a whole number within " + dt + "'s range")
		}
		return v, nil
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) || v < nt.lo || v > nt.hi {
		return bad("must be a finite number within " + dt + "'s range")
	}
	return v, nil
}

// boolValue reads a JSON true or false.
func boolValue(raw []byte) (bool, bool) {
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}
