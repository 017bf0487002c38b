// Package request turns prediction requests into model rows: one JSON
// record or a {"instances": […]} batch (a one-pass decoder for the common
// flat form, and the strict general decoder, a jsontext token stream from
// github.com/go-json-experiment/json, for everything else: escapes,
// non-ASCII text, any problem), CSV through dataset's RowReader, the web
// form, and Open Inference Protocol (KServe V2) requests. Every decoder
// reports every bad field at once, as features.Problems; the fast
// decoders only ever accept what the general one accepts, and decode it
// the same (fuzz targets check both). The JSON decoders store a category
// as the level it names, matched as features.Categorical.Lookup matches
// (so "FEMALE" and " female " are "female").
//
// Errors wrap ErrBadRequest or ErrTooLarge, or are features.Problems; the
// HTTP layer maps them to 400 and 413.
package request

import "errors"

// Sentinels of the decoders, wrapped with what was wrong.
var (
	ErrBadRequest = errors.New("request: bad request")
	ErrTooLarge   = errors.New("request: too large")
)
