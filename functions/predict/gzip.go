package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// encoding is a request body's Content-Encoding, as far as predict reads
// it: none, or gzip.
type encoding int

const (
	encIdentity encoding = iota
	encGzip
)

// bodyEncoding reads Content-Encoding: absent or identity is a plain body,
// gzip (or x-gzip) a gzip stream; anything else, or a chain of encodings,
// is a 415 naming it.
func bodyEncoding(r *http.Request) (encoding, error) {
	vs := r.Header.Values("Content-Encoding")
	var names []string
	for _, v := range vs {
		for _, n := range strings.Split(v, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" && n != "identity" {
				names = append(names, n)
			}
		}
	}
	switch {
	case len(names) == 0:
		return encIdentity, nil
	case len(names) == 1 && (names[0] == "gzip" || names[0] == "x-gzip"):
		return encGzip, nil
	}
	return encIdentity, fmt.Errorf("%w: Content-Encoding %q; send the body plain or with Content-Encoding: gzip", errUnsupportedMedia, clipHeader(strings.Join(vs, ", ")))
}

// readEncoded reads the body in its encoding. A gzip body is limited
// twice: the compressed bytes, and the bytes it inflates to, each by
// MAX_BODY_BYTES, so a small bomb is a 413 and never fills memory.
func readEncoded(w http.ResponseWriter, r *http.Request, enc encoding, limits Limits) ([]byte, error) {
	if enc == encIdentity {
		return readPlain(w, r, limits)
	}
	compressed, err := readPlain(w, r, limits)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, gzipError(err, compressed)
	}
	b, err := io.ReadAll(io.LimitReader(zr, limits.MaxBody+1))
	if err != nil {
		return nil, gzipError(err, compressed)
	}
	if int64(len(b)) > limits.MaxBody {
		return nil, tooLarge(limits, "gzip body inflates")
	}
	return b, nil
}

// gzipError names what is wrong with a body labelled gzip: not gzip at
// all (a plain body with the wrong header), cut short, or corrupt.
func gzipError(err error, body []byte) error {
	switch {
	case len(body) == 0:
		return fmt.Errorf("%w: Content-Encoding: gzip, but the body is empty", errBadRequest)
	case len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b:
		return fmt.Errorf("%w: Content-Encoding: gzip, but the body is not gzip data (it starts %q); send it plain without Content-Encoding, or compressed", errBadRequest, clipBytesPrefix(body, 16))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: gzip body is cut short (%v)", errBadRequest, err)
	}
	return fmt.Errorf("%w: gzip body is corrupt: %v", errBadRequest, err)
}

// clipBytesPrefix is at most n bytes of b, for a message.
func clipBytesPrefix(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// maxEcho is the most bytes of a path or header value an error repeats.
const maxEcho = 64

// clipHeader is a request-supplied string cut to maxEcho bytes on a rune
// boundary, for echoing in an error.
func clipHeader(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
