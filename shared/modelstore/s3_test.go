package modelstore_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/modelstore/storetest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// openS3 opens a store the way train and predict do: modelstore.Open with
// the endpoint, credentials and region from the SDK's default chain.
func openS3(t *testing.T, endpoint, uri string) modelstore.Store {
	t.Helper()
	s, err := modelstore.Open(context.Background(), uri, modelstore.Options{S3Endpoint: endpoint})
	require.NoError(t, err)
	return s
}

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "conformance")
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) modelstore.Store {
		// A fresh prefix per subtest; one bucket with a nested prefix
		// checks the key layout too.
		return openS3(t, srv.Endpoint(), fmt.Sprintf("s3://conformance/run-%d/models", n.Add(1)))
	})
	t.Run("AtTheBucketRoot", func(t *testing.T) {
		srv.Bucket(t, "rootstore")
		s := openS3(t, srv.Endpoint(), "s3://rootstore")
		require.NoError(t, s.WriteVersion(context.Background(), "m", "v1", map[string][]byte{"model.json": []byte("x")}))
		b, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: ptr("rootstore"), Key: ptr("m/versions/v1/model.json")})
		require.NoError(t, err)
		b.Body.Close()
	})
}

func ptr(s string) *string { return &s }

func TestS3Layout(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "layout")
	s := openS3(t, srv.Endpoint(), "s3://layout/prod/")
	ctx := context.Background()
	require.NoError(t, s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x"), "metrics.json": []byte("{}"), "report.html": []byte("<p>")}))
	require.NoError(t, s.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: strings.Repeat("a", 64), Model: "m"}, ""))
	out, err := srv.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: ptr("layout")})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	assert.ElementsMatch(t, []string{"prod/m/current.json", "prod/m/versions/v1/model.json", "prod/m/versions/v1/metrics.json", "prod/m/versions/v1/report.html"}, keys,
		"the same layout as a directory store")
	head, err := srv.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: ptr("layout"), Key: ptr("prod/m/versions/v1/report.html")})
	require.NoError(t, err)
	assert.Equal(t, "text/html; charset=utf-8", *head.ContentType, "the report opens in a browser")
}

// A version whose model.json was never written (a trainer that died part
// way) is not listed, cannot be made current, and does not block its name
// being deleted.
func TestS3IncompleteVersionIsNotListed(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "partial")
	s := openS3(t, srv.Endpoint(), "s3://partial/p")
	ctx := context.Background()
	srv.Put(t, "partial", "p/m/versions/v1/metrics.json", []byte("{}"))
	vs, err := s.Versions(ctx, "m")
	require.NoError(t, err)
	assert.Empty(t, vs)
	require.ErrorIs(t, s.SetCurrent(ctx, "m", modelstore.Pointer{Version: "v1", SHA256: strings.Repeat("a", 64), Model: "m"}, ""), modelstore.ErrNotFound)
	require.ErrorIs(t, s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}), modelstore.ErrExists,
		"a partial version's name is taken until it is deleted")
	require.NoError(t, s.DeleteVersion(ctx, "m", "v1"))
	require.NoError(t, s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x")}))
}

// A failed write leaves no partial version behind. The proxy cuts the
// connection on model.json, the last file; a real S3 cannot be made to
// fail one PUT of three.
func TestS3FailedWriteCleansUp(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "cleanup")
	proxy := s3test.NewProxy(t, srv)
	proxy.OnRequest = func(r *http.Request) bool {
		return !(r.Method == "PUT" && strings.HasSuffix(r.URL.Path, "/model.json"))
	}
	s := openS3(t, proxy.Endpoint(), "s3://cleanup/p")
	ctx := context.Background()
	err := s.WriteVersion(ctx, "m", "v1", map[string][]byte{"model.json": []byte("x"), "metrics.json": []byte("{}")})
	require.Error(t, err)
	out, err := srv.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: ptr("cleanup")})
	require.NoError(t, err)
	assert.Empty(t, out.Contents, "no object of the failed version is left")
}

func TestS3Errors(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	ctx := context.Background()
	s := openS3(t, srv.Endpoint(), "s3://no-such-bucket/p")
	_, err := s.Current(ctx, "m")
	require.Error(t, err)
	assert.NotErrorIs(t, err, modelstore.ErrNotFound, "a missing bucket is not an empty store")
	assert.Contains(t, err.Error(), "s3://no-such-bucket/p/m/current.json")
	assert.Contains(t, err.Error(), "bucket does not exist")

	srv.Bucket(t, "wrongkey")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	s = openS3(t, srv.Endpoint(), "s3://wrongkey/p")
	_, err = s.Current(ctx, "m")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credentials were refused")
}
