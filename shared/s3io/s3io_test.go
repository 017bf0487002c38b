package s3io_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/s3io"
)

func TestParseURI(t *testing.T) {
	for in, want := range map[string]s3io.URI{
		"s3://my-bucket/a/b.csv":  {Bucket: "my-bucket", Key: "a/b.csv"},
		"s3://my.bucket":          {Bucket: "my.bucket"},
		"s3://abc/":               {Bucket: "abc", Key: ""},
		"s3://abc/dir/":           {Bucket: "abc", Key: "dir/"},
		"s3://abc/with space.csv": {Bucket: "abc", Key: "with space.csv"},
	} {
		got, err := s3io.ParseURI(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, why := range map[string]string{
		"":                                       "want s3://BUCKET/KEY",
		"http://abc/x":                           "want s3://BUCKET/KEY",
		"s3://":                                  "3 to 63",
		"s3://ab/x":                              "3 to 63",
		"s3://Abc/x":                             "lower-case",
		"s3://-abc/x":                            "lower-case",
		"s3://abc-/x":                            "lower-case",
		"s3://a_c/x":                             "lower-case",
		"s3://abc/x\ny":                          "control character",
		"s3://" + strings.Repeat("a", 64) + "/x": "3 to 63",
	} {
		_, err := s3io.ParseURI(in)
		require.ErrorIs(t, err, s3io.ErrBadURI, "%q", in)
		assert.Contains(t, err.Error(), why, "%q", in)
	}
}

// FuzzParseURI: any string either parses into a URI that prints back as
// itself, or is refused with ErrBadURI; never a panic.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"s3://bucket/key.csv", "s3://b", "s3://bucket/", "s3://bu.ck-et/a/b/c", "s3:/x", "S3://BUCKET/K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := s3io.ParseURI(s)
		if err != nil {
			require.ErrorIs(t, err, s3io.ErrBadURI)
			return
		}
		if strings.Count(s, "/") == 2 { // "s3://bucket": no key separator
			require.Equal(t, s+"/", u.String())
			return
		}
		require.Equal(t, s, u.String())
	})
}

// The URI says where an S3 failure comes from, so its kind is named
// without the package prefix its sentinel carries; errors.Is still finds
// the sentinel.
func TestErrorNamesURIKindAndDetail(t *testing.T) {
	err := error(&s3io.Error{URI: "s3://b/k.csv", Kind: s3io.ErrNotFound, Detail: "no such object"})
	assert.EqualError(t, err, "s3://b/k.csv: not found: no such object")
	assert.ErrorIs(t, err, s3io.ErrNotFound)
	assert.EqualError(t, s3io.ErrNotFound, "s3io: not found")
}
