package request

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
)

// maxDepth bounds nesting in request JSON.
const maxDepth = 32

// Request is a decoded POST /predict body.
type Request struct {
	Batch bool
	Rows  []features.Row
}

// decodePredict parses one record or {"instances": [records…]}, strictly:
// unknown or duplicate members, wrong types, non-finite numbers, missing
// fields and trailing data are errors, and every bad field is reported.
func decodePredict(body []byte, fs *Fields, maxBatch int) (Request, error) {
	var req Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, fmt.Errorf("%w: empty body; send a JSON record or {\"instances\": [records]}", ErrBadRequest)
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
			return req, fmt.Errorf("%w: duplicate member %q", ErrBadRequest, key)
		}
		keys[key] = true
		if key == "instances" {
			req.Batch = true
			if req.Rows, err = decodeInstances(dec, fs, maxBatch); err != nil {
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
	if req.Batch {
		if sawField {
			return req, fmt.Errorf("%w: \"instances\" cannot be combined with record fields", ErrBadRequest)
		}
		return req, nil
	}
	ps = append(ps, missing(fs, seen, "")...)
	if len(ps) > 0 {
		return req, ps
	}
	req.Rows = []features.Row{row}
	return req, nil
}

func decodeInstances(dec *json.Decoder, fs *Fields, maxBatch int) ([]features.Row, error) {
	if err := expectDelim(dec, '[', `"instances"`); err != nil {
		return nil, err
	}
	var rows []features.Row
	var ps features.Problems
	for i := 0; dec.More(); i++ {
		if i >= maxBatch {
			return nil, fmt.Errorf("%w: more than %d instances in one request (MAX_BATCH)", ErrTooLarge, maxBatch)
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
				return nil, fmt.Errorf("%w: duplicate member %q in %s", ErrBadRequest, key, prefix[:len(prefix)-1])
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
		return nil, fmt.Errorf("%w: \"instances\" is empty", ErrBadRequest)
	}
	return rows, nil
}

// decodeField reads one member's value into row. A problem with the value
// is returned as a Problem; a malformed body as an error.
func decodeField(dec *json.Decoder, fs *Fields, key, prefix string, row *features.Row, seen []bool) (*features.Problem, error) {
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

func missing(fs *Fields, seen []bool, prefix string) features.Problems {
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
		return "", fmt.Errorf("%w: expected a member name, found %v", ErrBadRequest, tok)
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
		return fmt.Errorf("%w: %s must be %s", ErrBadRequest, what, kind)
	}
	return nil
}

func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrBadRequest)
	}
	return nil
}

func syntaxError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: JSON ends unexpectedly", ErrBadRequest)
	}
	return fmt.Errorf("%w: invalid JSON: %v", ErrBadRequest, err)
}

// checkJSON validates a whole JSON document: one value, no trailing data,
// no duplicate member names, nesting at most maxDepth. Decoders that map
// onto structs call it first, since encoding/json keeps the last of
// duplicate members silently.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadRequest)
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
		return fmt.Errorf("%w: JSON nested deeper than %d", ErrBadRequest, maxDepth)
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
				return fmt.Errorf("%w: duplicate member %q", ErrBadRequest, key)
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
