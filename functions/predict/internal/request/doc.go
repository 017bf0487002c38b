// Package request turns prediction requests into model rows, by the
// model's own schema: one JSON record or a {"instances": […]} batch (a
// one-pass decoder for the common flat form, and the strict general
// decoder, a jsontext token stream from github.com/go-json-experiment/json,
// for everything else: escapes, non-ASCII text, any problem), CSV through
// dataset's RowReader (with or without a header), KServe V1 instances,
// the web form, and Open Inference Protocol (KServe V2) requests.
//
// Every decoder applies the same per-field rules (Fields: one function per
// kind). A category takes a string, or (unless the schema is strict) a
// number's literal, and is stored as the level it names, matched as
// features.Categorical.Known matches (so "FEMALE" and " female " are
// "female"; ASCII case only); an unseen level is refused where the column
// says "error", else kept as sent, for the model to impute and drift to
// count. A number follows dataset.ParseNumber (a numeric string too,
// unless the schema is strict) and only the column's declared bounds. A
// date is one ISO 8601 field filling its numeric parts. A missing or null
// value is refused for a required column and imputed otherwise. A member
// that is no input is refused only under a strict schema (the student
// one), which also keeps JSON types strict, so its answers are unchanged.
// Every decoder reports every bad field at once, as features.Problems;
// the fast decoders only ever accept what the general one accepts, and
// decode it the same (fuzz targets check both, on the student and a
// generated generic model).
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
