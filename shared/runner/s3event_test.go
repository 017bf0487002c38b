package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/runner"
)

func TestS3ObjectCreated(t *testing.T) {
	uri, isS3, err := runner.S3ObjectCreated([]byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b-1"},"object":{"key":"dir/next+term%282%29.csv"}}}]}`))
	require.NoError(t, err)
	assert.True(t, isS3)
	assert.Equal(t, "s3://b-1/dir/next term(2).csv", uri, "the key URL-decoded, + as space")

	for _, ev := range []string{`{}`, `[]`, `{"Records":[{"eventSource":"aws:sqs"}]}`, `{"httpMethod":"POST"}`, `not json`} {
		_, isS3, err := runner.S3ObjectCreated([]byte(ev))
		assert.False(t, isS3, ev)
		assert.NoError(t, err, ev)
	}
	for ev, why := range map[string]string{
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"},{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}`: "2 records",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`:     "not an ObjectCreated",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]}`:      "no valid bucket and key",
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":""},"object":{"key":"k"}}}]}`:         "no valid bucket and key",
	} {
		_, isS3, err := runner.S3ObjectCreated([]byte(ev))
		assert.True(t, isS3, ev)
		require.ErrorIs(t, err, runner.ErrS3Event, ev)
		assert.Contains(t, err.Error(), why, ev)
	}
}
