package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ErrS3Event reports an S3 event notification a function cannot act on.
var ErrS3Event = errors.New("S3 event")

// s3Record is one record of an S3 event notification.
type s3Record struct {
	EventSource string `json:"eventSource"`
	EventName   string `json:"eventName"`
	S3          struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
	} `json:"s3"`
}

// S3ObjectCreated reads an S3 event notification: isS3 is false for any
// other event (no record from aws:s3), and otherwise uri is
// s3://BUCKET/KEY of its one ObjectCreated record, the key URL-decoded
// ('+' is a space), or err (wrapping ErrS3Event) says why it names no
// object: several records, another event type, no bucket or key.
func S3ObjectCreated(event json.RawMessage) (uri string, isS3 bool, err error) {
	var n struct {
		Records []s3Record `json:"Records"`
	}
	if json.Unmarshal(event, &n) != nil || !slices.ContainsFunc(n.Records, func(r s3Record) bool { return r.EventSource == "aws:s3" }) {
		return "", false, nil
	}
	if len(n.Records) != 1 {
		return "", true, fmt.Errorf("%w: %d records; want exactly 1 (one object per invocation)", ErrS3Event, len(n.Records))
	}
	rec := n.Records[0]
	if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
		return "", true, fmt.Errorf("%w: record %q is not an ObjectCreated event", ErrS3Event, rec.EventName)
	}
	key, err := url.QueryUnescape(rec.S3.Object.Key)
	if err != nil || key == "" || rec.S3.Bucket.Name == "" {
		return "", true, fmt.Errorf("%w: no valid bucket and key", ErrS3Event)
	}
	return "s3://" + rec.S3.Bucket.Name + "/" + key, true, nil
}
