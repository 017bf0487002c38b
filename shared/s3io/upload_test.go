package s3io_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/s3io"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

func TestUpload(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "out")
	c := srv.Client()
	ctx := context.Background()
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: ptr("out"), Key: &key})
		return err == nil
	}
	data := make([]byte, 2*s3io.PartSize+12345)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(data)

	for _, size := range []int{0, 1000, len(data)} {
		key := fmt.Sprintf("part/%d.csv", size)
		u, err := s3io.NewUpload(ctx, c, "s3://out/"+key, "text/csv")
		require.NoError(t, err)
		// Odd-sized writes, so parts are cut across them.
		for rest := data[:size]; len(rest) > 0; {
			k := min(len(rest), 777_777)
			_, err := u.Write(rest[:k])
			require.NoError(t, err)
			rest = rest[k:]
		}
		assert.False(t, exists(key), "nothing appears before Commit")
		require.NoError(t, u.Commit())
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: ptr("out"), Key: &key})
		require.NoError(t, err)
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data[:size], got), "size %d: the object is the bytes written", size)
	}

	u, err := s3io.NewUpload(ctx, c, "s3://out/aborted.csv", "text/csv")
	require.NoError(t, err)
	_, err = u.Write(data)
	require.NoError(t, err)
	require.NoError(t, u.Abort())
	assert.False(t, exists("aborted.csv"), "an aborted upload leaves no object")
	_, err = u.Write([]byte("x"))
	require.Error(t, err)

	_, err = s3io.NewUpload(ctx, c, "s3://out/", "text/csv")
	require.ErrorIs(t, err, s3io.ErrBadURI)
	u, err = s3io.NewUpload(ctx, c, "s3://no-such-bucket/x.csv", "text/csv")
	require.NoError(t, err)
	u.Write([]byte("x"))
	err = u.Commit()
	require.ErrorIs(t, err, s3io.ErrNotFound)
	assert.Contains(t, err.Error(), "s3://no-such-bucket/x.csv")
}

func ptr(s string) *string { return &s }
