package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ErrS3Event reports an S3 event notification a function cannot act on.
var ErrS3Event = errors.New("runner: S3 event")

// S3ObjectCreated reads an S3 event notification: isS3 is false for any
// other event (no record from aws:s3), and otherwise uri is
// s3://BUCKET/KEY of its one ObjectCreated record, or err (wrapping
// ErrS3Event) says why it names no object: several records, another event
// type, a record that does not decode, no bucket or key.
//
// S3 sends the key URL-encoded with '+' for a space (form encoding);
// events.S3Object decodes it into URLDecodedKey with url.QueryUnescape,
// so "next+term%282%29.csv" names the object "next term(2).csv".
func S3ObjectCreated(event json.RawMessage) (uri string, isS3 bool, err error) {
	// Only the source tells an S3 notification apart; the whole record
	// is decoded once it is known to be one, so that a bad record is
	// reported rather than taken for another kind of event.
	type source struct {
		EventSource string `json:"eventSource"`
	}
	var sources struct{ Records []source }
	if json.Unmarshal(event, &sources) != nil || !slices.ContainsFunc(sources.Records, func(r source) bool { return r.EventSource == "aws:s3" }) {
		return "", false, nil
	}
	if len(sources.Records) != 1 {
		return "", true, fmt.Errorf("%w: %d records; want exactly 1 (one object per invocation)", ErrS3Event, len(sources.Records))
	}
	var n events.S3Event
	if err := json.Unmarshal(event, &n); err != nil {
		return "", true, fmt.Errorf("%w: the record does not decode: %w", ErrS3Event, err)
	}
	rec := n.Records[0]
	if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
		return "", true, fmt.Errorf("%w: record %q is not an ObjectCreated event", ErrS3Event, rec.EventName)
	}
	if rec.S3.Object.URLDecodedKey == "" || rec.S3.Bucket.Name == "" {
		return "", true, fmt.Errorf("%w: no bucket or no object key", ErrS3Event)
	}
	return "s3://" + rec.S3.Bucket.Name + "/" + rec.S3.Object.URLDecodedKey, true, nil
}
