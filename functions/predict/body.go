package main

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

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
