package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/runner"
)

func TestS3ObjectCreated(t *testing.T) {
	// S3 form-encodes the key: '+' is a space, "%2B" a plus.
	for key, want := range map[string]string{
		"dir/next+term%282%29.csv": "s3://b-1/dir/next term(2).csv",
		"a%2Bb+c.csv":              "s3://b-1/a+b c.csv",
		"plain/key.csv":            "s3://b-1/plain/key.csv",
	} {
		uri, isS3, err := runner.S3ObjectCreated([]byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","eventTime":"2024-01-02T03:04:05.000Z","s3":{"bucket":{"name":"b-1"},"object":{"key":"` + key + `","size":12}}}]}`))
		require.NoError(t, err, key)
		assert.True(t, isS3, key)
		assert.Equal(t, want, uri, "the key %q URL-decoded, + as space", key)
	}

	for _, ev := range []string{`{}`, `[]`, `{"Records":[{"eventSource":"aws:sqs"}]}`, `{"httpMethod":"POST"}`, `not json`} {
		_, isS3, err := runner.S3ObjectCreated([]byte(ev))
		assert.False(t, isS3, ev)
		assert.NoError(t, err, ev)
	}
	for ev, why := range map[string]string{
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"},{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}`: "2 records",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`:     "not an ObjectCreated",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]}`:      `invalid URL escape "%zz"`,
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":""},"object":{"key":"k"}}}]}`:         "no bucket",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":""}}}]}`:         "no object key",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","eventTime":"yesterday","s3":{}}]}`:                          `does not decode: parsing time "yesterday"`,
	} {
		_, isS3, err := runner.S3ObjectCreated([]byte(ev))
		assert.True(t, isS3, ev)
		require.ErrorIs(t, err, runner.ErrS3Event, ev)
		assert.Contains(t, err.Error(), why, ev)
	}
}
