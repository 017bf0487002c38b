package request

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// maxDepth bounds nesting in request JSON.
const maxDepth = 32

// Request is a decoded POST /predict body.
type Request struct {
	Batch bool
	Rows  []features.Row
}

// JSON decodes a POST /predict body: one record, or {"instances": […]} of
// at most maxBatch records. The one-pass decoders take the common flat
// forms; anything else goes through the general decoder, which names every
// problem.
func JSON(body []byte, fs *Fields, maxBatch int) (Request, error) {
	if row, ok := decodeRecordFast(body, fs); ok {
		return Request{Rows: []features.Row{row}}, nil
	}
	if rows, ok := decodeInstancesFast(body, fs, maxBatch); ok {
		return Request{Batch: true, Rows: rows}, nil
	}
	return decodePredict(body, fs, maxBatch)
}

// strict is the state of decodePredict: a jsontext token stream over the
// body, where decoded rows go, and the problems found so far.
type strict struct {
	dec     *jsontext.Decoder
	fs      *Fields
	bodyLen int
	rows    rowArena
	ps      features.Problems
	name    []byte // the last member name, when it had escapes
	text    []byte // the last string value, likewise
}

// decodePredict parses one record or {"instances": [records…]}, strictly:
// duplicate members, wrong types, non-finite numbers, trailing data,
// missing required fields and (under a strict schema) unknown members are
// errors, and every bad field is reported.
// Each value is read by its field's rules (Fields.jsonValue); a category
// is stored as the level it matches (exactly, or with surrounding space
// and ASCII case folded as features.Categorical.Known does).
func decodePredict(body []byte, fs *Fields, maxBatch int) (Request, error) {
	var req Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, fmt.Errorf("%w: empty body; send a JSON record or {\"instances\": [records]}", ErrBadRequest)
	}
	// The member sets find duplicate names, knowing the fields;
	// jsontext's own check would repeat the work. Invalid UTF-8 in a
	// string is taken, as encoding/json takes it, and names no field or
	// level.
	d := &strict{dec: jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
		fs: fs, bodyLen: len(body)}
	if err := d.open('{', "body", -1); err != nil {
		return req, err
	}
	d.rows.init(fs, 1)
	row := d.rows.next()
	members := newMemberSet(fs)
	sawField := false
	for d.dec.PeekKind() != '}' {
		idx, key, err := d.member(&members, -1)
		if err != nil {
			return req, err
		}
		if idx < 0 && key == "instances" {
			req.Batch = true
			if req.Rows, err = d.instances(maxBatch); err != nil {
				return req, err
			}
			continue
		}
		sawField = true
		if err := d.value(idx, key, -1, row); err != nil {
			return req, err
		}
	}
	if err := d.close(); err != nil {
		return req, err
	}
	if err := expectEOF(d.dec); err != nil {
		return req, err
	}
	if req.Batch {
		if sawField {
			return req, fmt.Errorf("%w: \"instances\" cannot be combined with record fields", ErrBadRequest)
		}
		return req, nil
	}
	d.missing(&members, -1, row)
	if len(d.ps) > 0 {
		return req, d.ps
	}
	req.Rows = []features.Row{row}
	return req, nil
}

// instances decodes the array of records after "instances".
func (d *strict) instances(maxBatch int) ([]features.Row, error) {
	if err := d.open('[', `"instances"`, -1); err != nil {
		return nil, err
	}
	// Problems of members beside "instances" go unreported: combining
	// them is the error.
	d.ps = nil
	// A record is at least ~100 bytes: size the rows from the body.
	d.rows.init(d.fs, min(d.bodyLen/100+1, maxBatch))
	rows := make([]features.Row, 0, d.rows.size)
	members := newMemberSet(d.fs)
	for i := 0; d.dec.PeekKind() != ']'; i++ {
		if i >= maxBatch {
			return nil, fmt.Errorf("%w: more than %d instances in one request (MAX_BATCH)", ErrTooLarge, maxBatch)
		}
		if err := d.open('{', "instances", i); err != nil {
			return nil, err
		}
		row := d.rows.next()
		members.reset()
		for d.dec.PeekKind() != '}' {
			idx, key, err := d.member(&members, i)
			if err != nil {
				return nil, err
			}
			if err := d.value(idx, key, i, row); err != nil {
				return nil, err
			}
		}
		if err := d.close(); err != nil {
			return nil, err
		}
		d.missing(&members, i, row)
		rows = append(rows, row)
	}
	if err := d.close(); err != nil {
		return nil, err
	}
	if len(d.ps) > 0 {
		return nil, d.ps
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: \"instances\" is empty", ErrBadRequest)
	}
	return rows, nil
}

// open reads the '{' or '[' that must come next; what names the value
// (what[at] when at ≥ 0) in the error when something else comes.
func (d *strict) open(want jsontext.Kind, what string, at int) error {
	k := d.dec.PeekKind()
	if k == want {
		_, err := d.dec.ReadToken()
		return syntaxError(err)
	}
	if !strings.ContainsRune(`nft"0{[`, rune(k)) { // not the start of a value
		if _, err := d.dec.ReadToken(); err != nil {
			return syntaxError(err)
		}
	}
	if at >= 0 {
		what = fmt.Sprintf("%s[%d]", what, at)
	}
	kind := map[jsontext.Kind]string{'{': "an object", '[': "an array"}[want]
	return fmt.Errorf("%w: %s must be %s", ErrBadRequest, what, kind)
}

// close reads the '}' or ']' that PeekKind found.
func (d *strict) close() error {
	_, err := d.dec.ReadToken()
	return syntaxError(err)
}

// member reads a member name: the field's index, or -1 and the name for
// any other member. at is the record's index in "instances" (-1: the body).
func (d *strict) member(members *memberSet, at int) (int, string, error) {
	raw, err := d.dec.ReadValue()
	if err != nil {
		return 0, "", syntaxError(err)
	}
	name := unquote(&d.name, raw)
	idx := d.fs.fieldIndex(name)
	if !members.add(idx, name) {
		in := ""
		if at >= 0 {
			in = fmt.Sprintf(" in instances[%d]", at)
		}
		return 0, "", fmt.Errorf("%w: duplicate member %q%s", ErrBadRequest, name, in)
	}
	if idx >= 0 {
		return idx, "", nil
	}
	return -1, string(name), nil
}

// value reads the value of member idx (key when it is no field) into row,
// noting any problem with it; only a malformed body is an error.
func (d *strict) value(idx int, key string, at int, row features.Row) error {
	raw, err := d.dec.ReadValue()
	if err != nil {
		return syntaxError(err)
	}
	if idx < 0 {
		if !d.fs.accepts(key) {
			d.ps = append(d.ps, features.Problem{Field: fieldPath(at, key), Value: features.Clip(string(raw)), Reason: d.fs.unknown})
		}
		return nil
	}
	f := &d.fs.fields[idx]
	// The path in a batch ("instances[3].sqft") is made only for a problem.
	if p := d.fs.jsonValue(f, f.name, raw, &d.text, row); p != nil {
		p.Field = fieldPath(at, f.name)
		d.ps = append(d.ps, *p)
	}
	return nil
}

// jsonValue reads one JSON value of field f into row by the field's kind:
// a category takes a string, or (unless the schema is strict) a number's
// literal or true/false; a number takes a number, or (unless strict) a
// numeric string; a date takes a string; null is missing unless strict.
// buf holds an unquoted string with escapes.
func (fs *Fields) jsonValue(f *field, path string, raw jsontext.Value, buf *[]byte, row features.Row) *features.Problem {
	switch k := raw.Kind(); {
	case k == '"' && (f.kind != dataset.Numeric || !fs.strict):
		v := unquote(buf, raw)
		switch f.kind {
		case dataset.Category:
			return fs.categoryBytes(f, path, v, row)
		case dataset.Numeric:
			return numberBytes(f, path, v, row)
		}
		if plainDate(f, v, row) {
			return nil
		}
		return date(f, path, string(v), row)
	case k == '0' && f.kind == dataset.Numeric:
		return numberBytes(f, path, raw, row)
	case !fs.strict && (k == '0' || k == 't' || k == 'f') && f.kind == dataset.Category:
		return fs.categoryBytes(f, path, raw, row)
	case !fs.strict && k == 'n':
		return absent(f, path, row)
	}
	return &features.Problem{Field: path, Value: features.Clip(string(raw)), Reason: fs.typeReason(f)}
}

// typeReason says what JSON a field takes.
func (fs *Fields) typeReason(f *field) string {
	switch {
	case f.kind == dataset.Date:
		return "must be a string: " + dateFormats[len("must be "):]
	case fs.strict && f.kind == dataset.Category:
		return "must be a string"
	case fs.strict:
		return "must be a number"
	case f.kind == dataset.Category:
		return "must be a string or a number"
	}
	return "must be a number or a numeric string"
}

// missing notes every field the record did not give: a problem for a
// required one, else a missing value.
func (d *strict) missing(members *memberSet, at int, row features.Row) {
	for i, ok := range members.known {
		if !ok {
			f := &d.fs.fields[i]
			if p := absent(f, fieldPath(at, f.name), row); p != nil {
				d.ps = append(d.ps, *p)
			}
		}
	}
}

// fieldPath names a field in problems: as is in the body's record,
// "instances[at].field" in a batch.
func fieldPath(at int, field string) string {
	if at < 0 {
		return field
	}
	return "instances[" + strconv.Itoa(at) + "]." + field
}

// unquote returns the content of the JSON string raw, which jsontext has
// checked: a slice of raw itself when it is plain ASCII without escapes,
// else decoded into *buf, with invalid UTF-8 replaced by U+FFFD as
// encoding/json does (the error AppendUnquote then returns says only that).
func unquote(buf *[]byte, raw jsontext.Value) []byte {
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			*buf, _ = jsontext.AppendUnquote((*buf)[:0], raw)
			return *buf
		}
	}
	return s
}

// memberSet is the members one object has given so far.
type memberSet struct {
	known []bool              // per field, schema order
	other map[string]struct{} // any other name, made when first needed
}

func newMemberSet(fs *Fields) memberSet {
	return memberSet{known: make([]bool, len(fs.names))}
}

func (s *memberSet) reset() {
	clear(s.known)
	clear(s.other)
}

// add notes member name (field idx, or -1 when it is no field) and
// reports false when the object already gave it.
func (s *memberSet) add(idx int, name []byte) bool {
	if idx >= 0 {
		first := !s.known[idx]
		s.known[idx] = true
		return first
	}
	if _, ok := s.other[string(name)]; ok {
		return false
	}
	if s.other == nil {
		s.other = map[string]struct{}{}
	}
	s.other[string(name)] = struct{}{}
	return true
}

func expectEOF(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrBadRequest)
	}
	return nil
}

// syntaxError says what is wrong with a body jsontext refused, keeping
// its error (a *jsontext.SyntacticError says where: a JSON pointer and a
// byte offset); nil stays nil.
func syntaxError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: JSON ends unexpectedly", ErrBadRequest)
	case errors.Is(err, jsontext.ErrDuplicateName):
		return fmt.Errorf("%w: duplicate member: %w", ErrBadRequest, err)
	}
	return fmt.Errorf("%w: invalid JSON: %w", ErrBadRequest, err)
}

// checkJSON validates a whole JSON document: one value, no trailing data,
// no duplicate member names, nesting at most maxDepth. Decoders that map
// onto structs call it first, since encoding/json keeps the last of
// duplicate members silently.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadRequest)
	}
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowInvalidUTF8(true))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return syntaxError(err)
		}
		// The depth of the value tok is or opens (the body is at 0);
		// member names and closing delimiters hold no value.
		depth := dec.StackDepth()
		switch tok.Kind() {
		case '{', '[':
			depth--
		case '}', ']':
			depth = 0
		case '"':
			if k, n := dec.StackIndex(depth); k == '{' && n%2 == 1 {
				depth = 0
			}
		}
		if depth > maxDepth {
			return fmt.Errorf("%w: JSON nested deeper than %d", ErrBadRequest, maxDepth)
		}
		if dec.StackDepth() == 0 {
			return expectEOF(dec)
		}
	}
}
