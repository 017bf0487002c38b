package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// fieldSet maps each input field of a model to its place in a
// features.Row.
type fieldSet struct {
	names []string            // schema order
	slot  map[string]int      // ≥0: category index; <0: -(score index)-1
	slots []int               // slot of each name, schema order
	exact []map[string]string // per category slot: each level to itself, for the fast decoders
	nCat  int
	nNum  int
	tr    *features.Transform // the levels categories are checked against
}

func newFieldSet(m *model.Model) *fieldSet {
	fs := &fieldSet{slot: map[string]int{}, tr: m.Transform}
	for _, f := range m.Features {
		fs.names = append(fs.names, f.Name)
		if f.Kind == "category" {
			fs.slot[f.Name] = fs.nCat
			fs.nCat++
		} else {
			fs.slot[f.Name] = -fs.nNum - 1
			fs.nNum++
		}
		fs.slots = append(fs.slots, fs.slot[f.Name])
	}
	for _, c := range m.Transform.Categorical {
		ex := make(map[string]string, len(c.Levels))
		for _, l := range c.Levels {
			ex[l] = l
		}
		fs.exact = append(fs.exact, ex)
	}
	return fs
}

func (fs *fieldSet) newRow() features.Row {
	return features.Row{Cat: make([]string, fs.nCat), Num: make([]float64, fs.nNum)}
}

// category checks a category value against the model's levels, so that
// decoders report it together with every other problem.
func (fs *fieldSet) category(field string, slot int, v string) *features.Problem {
	if strings.TrimSpace(v) == "" {
		return &features.Problem{Field: field, Value: features.Clip(v), Reason: "must not be empty"}
	}
	c := &fs.tr.Categorical[slot]
	if _, ok := c.Lookup(v); !ok {
		return &features.Problem{Field: field, Value: features.Clip(v), Reason: "unknown category", Allowed: c.Levels}
	}
	return nil
}

// score checks a score value.
func score(field, raw string, v float64) *features.Problem {
	if v < features.MinScore || v > features.MaxScore {
		return &features.Problem{Field: field, Value: features.Clip(raw), Reason: fmt.Sprintf("must be between %d and %d", features.MinScore, features.MaxScore)}
	}
	return nil
}

// maxDepth bounds nesting in request JSON.
const maxDepth = 32

// readBody reads a size-limited body, checking the media type against the
// allowed ones (an absent Content-Type is taken as the first), and returns
// the body with its media type.
func readBody(w http.ResponseWriter, r *http.Request, limits Limits, allowed ...string) ([]byte, string, error) {
	mt := allowed[0]
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		mt, _, err = mime.ParseMediaType(ct)
		if err != nil || !contains(allowed, mt) {
			return nil, "", fmt.Errorf("%w: Content-Type %q; use %s", errUnsupportedMedia, ct, strings.Join(allowed, " or "))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", fmt.Errorf("%w: body over %d bytes (MAX_BODY_BYTES); one request holds at most %d rows (MAX_BATCH): split larger batches, or use predict batch", errTooLarge, limits.MaxBody, limits.MaxBatch)
		}
		return nil, "", fmt.Errorf("%w: reading body: %v", errBadRequest, err)
	}
	return body, mt, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// predictRequest is a decoded POST /predict body.
type predictRequest struct {
	batch bool
	rows  []features.Row
}

// decodePredict parses one record or {"instances": [records…]}, strictly:
// unknown or duplicate members, wrong types, non-finite numbers, missing
// fields and trailing data are errors, and every bad field is reported.
func decodePredict(body []byte, fs *fieldSet, maxBatch int) (predictRequest, error) {
	var req predictRequest
	if len(bytes.TrimSpace(body)) == 0 {
		return req, fmt.Errorf("%w: empty body; send a JSON record or {\"instances\": [records]}", errBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := expectDelim(dec, '{', "body"); err != nil {
		return req, err
	}
	row := fs.newRow()
	seen := make([]bool, len(fs.names))
	var ps features.Problems
	sawField := false
	keys := map[string]bool{}
	for dec.More() {
		key, err := readKey(dec)
		if err != nil {
			return req, err
		}
		if keys[key] {
			return req, fmt.Errorf("%w: duplicate member %q", errBadRequest, key)
		}
		keys[key] = true
		if key == "instances" {
			req.batch = true
			if req.rows, err = decodeInstances(dec, fs, maxBatch); err != nil {
				return req, err
			}
			continue
		}
		sawField = true
		if p, err := decodeField(dec, fs, key, "", &row, seen); err != nil {
			return req, err
		} else if p != nil {
			ps = append(ps, *p)
		}
	}
	if err := expectDelim(dec, '}', "body"); err != nil {
		return req, err
	}
	if err := expectEOF(dec); err != nil {
		return req, err
	}
	if req.batch {
		if sawField {
			return req, fmt.Errorf("%w: \"instances\" cannot be combined with record fields", errBadRequest)
		}
		return req, nil
	}
	ps = append(ps, missing(fs, seen, "")...)
	if len(ps) > 0 {
		return req, ps
	}
	req.rows = []features.Row{row}
	return req, nil
}

func decodeInstances(dec *json.Decoder, fs *fieldSet, maxBatch int) ([]features.Row, error) {
	if err := expectDelim(dec, '[', `"instances"`); err != nil {
		return nil, err
	}
	var rows []features.Row
	var ps features.Problems
	for i := 0; dec.More(); i++ {
		if i >= maxBatch {
			return nil, fmt.Errorf("%w: more than %d instances in one request (MAX_BATCH)", errTooLarge, maxBatch)
		}
		prefix := fmt.Sprintf("instances[%d].", i)
		if err := expectDelim(dec, '{', prefix[:len(prefix)-1]); err != nil {
			return nil, err
		}
		row := fs.newRow()
		seen := make([]bool, len(fs.names))
		keys := map[string]bool{}
		for dec.More() {
			key, err := readKey(dec)
			if err != nil {
				return nil, err
			}
			if keys[key] {
				return nil, fmt.Errorf("%w: duplicate member %q in %s", errBadRequest, key, prefix[:len(prefix)-1])
			}
			keys[key] = true
			p, err := decodeField(dec, fs, key, prefix, &row, seen)
			if err != nil {
				return nil, err
			}
			if p != nil {
				ps = append(ps, *p)
			}
		}
		if err := expectDelim(dec, '}', prefix[:len(prefix)-1]); err != nil {
			return nil, err
		}
		ps = append(ps, missing(fs, seen, prefix)...)
		rows = append(rows, row)
	}
	if err := expectDelim(dec, ']', `"instances"`); err != nil {
		return nil, err
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: \"instances\" is empty", errBadRequest)
	}
	return rows, nil
}

// decodeField reads one member's value into row. A problem with the value
// is returned as a Problem; a malformed body as an error.
func decodeField(dec *json.Decoder, fs *fieldSet, key, prefix string, row *features.Row, seen []bool) (*features.Problem, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, syntaxError(err)
	}
	slot, ok := fs.slot[key]
	if !ok {
		return &features.Problem{Field: prefix + key, Value: features.Clip(string(raw)), Reason: "unknown field (fields: " + strings.Join(fs.names, ", ") + ")"}, nil
	}
	for i, n := range fs.names {
		if n == key {
			seen[i] = true
		}
	}
	if slot >= 0 {
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return &features.Problem{Field: prefix + key, Value: features.Clip(string(raw)), Reason: "must be a string"}, nil
		}
		row.Cat[slot] = s
		return fs.category(prefix+key, slot, s), nil
	}
	j := -slot - 1
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return &features.Problem{Field: prefix + key, Value: features.Clip(string(raw)), Reason: "must be a number"}, nil
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) {
		return &features.Problem{Field: prefix + key, Value: features.Clip(string(raw)), Reason: "must be a finite number"}, nil
	}
	row.Num[j] = v
	return score(prefix+key, string(raw), v), nil
}

func missing(fs *fieldSet, seen []bool, prefix string) features.Problems {
	var ps features.Problems
	for i, ok := range seen {
		if !ok {
			ps = append(ps, features.Problem{Field: prefix + fs.names[i], Reason: "required"})
		}
	}
	return ps
}

func readKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", syntaxError(err)
	}
	key, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: expected a member name, found %v", errBadRequest, tok)
	}
	return key, nil
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		kind := map[json.Delim]string{'{': "an object", '[': "an array", '}': "the end of an object", ']': "the end of an array"}[want]
		return fmt.Errorf("%w: %s must be %s", errBadRequest, what, kind)
	}
	return nil
}

func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", errBadRequest)
	}
	return nil
}

func syntaxError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: JSON ends unexpectedly", errBadRequest)
	}
	return fmt.Errorf("%w: invalid JSON: %v", errBadRequest, err)
}

// checkJSON validates a whole JSON document: one value, no trailing data,
// no duplicate member names, nesting at most maxDepth. Decoders that map
// onto structs call it first, since encoding/json keeps the last of
// duplicate members silently.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", errBadRequest)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := checkValue(dec, 0); err != nil {
		return err
	}
	return expectEOF(dec)
}

func checkValue(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: JSON nested deeper than %d", errBadRequest, maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		keys := map[string]bool{}
		for dec.More() {
			key, err := readKey(dec)
			if err != nil {
				return err
			}
			if keys[key] {
				return fmt.Errorf("%w: duplicate member %q", errBadRequest, key)
			}
			keys[key] = true
			if err := checkValue(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := checkValue(dec, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	if err != nil {
		return syntaxError(err)
	}
	return nil
}
