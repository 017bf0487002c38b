package main

import (
	"context"
	"io"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// On S3 a refused run's report goes under runs/ too, and train prints its
// s3:// URI; versions/ and current.json are untouched.
func TestS3RefusedRunReport(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "models")
	getenv := s3Env(t, srv, "MODEL_STORE", "s3://models/prod")
	out, err := runTrain(t, getenv, "-families", "linear")
	require.NoError(t, err, out)
	assert.Regexp(t, `(?m)^report: s3://models/prod/student-math-score/versions/[^/]+/report\.html$`, out)
	before, _ := s3Current(t, srv, "s3://models/prod")

	out, err = runTrain(t, getenv, "-families", "linear", "-min-r2", "0.99")
	require.ErrorContains(t, err, "MIN_R2", out)
	m := regexp.MustCompile(`(?m)^report: s3://models/(prod/student-math-score/runs/[^/]+/report\.html)$`).FindStringSubmatch(out)
	require.NotNil(t, m, "the run names its report on S3:\n%s", out)
	obj, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: ptrTo("models"), Key: ptrTo(m[1])})
	require.NoError(t, err, "the report is where the run says")
	defer obj.Body.Close()
	assert.Equal(t, "text/html; charset=utf-8", *obj.ContentType)
	page, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	assert.Contains(t, string(page), "below MIN_R2 0.9900")
	assert.Contains(t, string(page), "<code>"+before.Version+"</code>", "compared with the current version")

	after, _ := s3Current(t, srv, "s3://models/prod")
	assert.Equal(t, before, after, "current.json is as it was")
	vs, err := srv.Store("models", "prod").Versions(context.Background(), "student-math-score")
	require.NoError(t, err)
	assert.Equal(t, []string{before.Version}, vs, "no new version")
}

func ptrTo(s string) *string { return &s }
