package main

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// readBody reads a size-limited body, decompressed when it says
// Content-Encoding: gzip (see readEncoded), and checks its media type
// against the allowed ones (an absent Content-Type is taken as the first).
// When application/json is allowed, a body that is a JSON object or array
// is JSON whatever its Content-Type says: curl -d labels everything
// application/x-www-form-urlencoded. It returns the body with its media
// type.
func readBody(w http.ResponseWriter, r *http.Request, limits Limits, allowed ...string) ([]byte, string, error) {
	enc, err := bodyEncoding(r)
	if err != nil {
		return nil, "", err
	}
	mt, typeErr := mediaType(r, allowed)
	body, err := readEncoded(w, r, enc, limits)
	if err != nil {
		return nil, "", err
	}
	if contains(allowed, "application/json") && mt != "application/json" && looksJSON(body) {
		return body, "application/json", nil
	}
	if typeErr != nil {
		return nil, "", typeErr
	}
	return body, mt, nil
}

// mediaType is the request's media type when it is one of allowed (the
// first when there is no Content-Type), or an error naming what is.
func mediaType(r *http.Request, allowed []string) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return allowed[0], nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !contains(allowed, mt) {
		return "", fmt.Errorf("%w: Content-Type %q; use %s", errUnsupportedMedia, clipHeader(ct), strings.Join(allowed, " or "))
	}
	return mt, nil
}

// looksJSON reports a body that is meant as a JSON object or array: its
// first byte after white space (and a BOM) opens one. Whether it is valid
// JSON is the JSON decoder's to say, with a message naming the problem.
func looksJSON(body []byte) bool {
	body = bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\uFEFF")), " \t\r\n")
	return len(body) > 0 && (body[0] == '{' || body[0] == '[')
}

// tooLarge is the 413 of a body over MAX_BODY_BYTES.
func tooLarge(limits Limits, what string) error {
	return fmt.Errorf("%w: %s over %d bytes (MAX_BODY_BYTES); one request holds at most %d rows (MAX_BATCH): split larger batches, or use predict batch", errTooLarge, what, limits.MaxBody, limits.MaxBatch)
}

// readPlain reads an unencoded body of at most MaxBody bytes.
func readPlain(w http.ResponseWriter, r *http.Request, limits Limits) ([]byte, error) {
	// A declared length within the limit sizes the buffer once, rather than
	// io.ReadAll's doublings (a 6 MiB batch: 14 growths and their copies);
	// MaxBytesReader still holds the body to the limit whatever it declared.
	size := int64(bytes.MinRead)
	if r.ContentLength > 0 && r.ContentLength <= limits.MaxBody {
		size += r.ContentLength
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limits.MaxBody))
	b := buf.Bytes()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limits, "body")
		}
		return nil, fmt.Errorf("%w: reading body: %v", errBadRequest, err)
	}
	return b, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
