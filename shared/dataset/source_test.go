package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenSample(t *testing.T) {
	rc, err := Open(context.Background(), "sample", SourceOptions{})
	require.NoError(t, err)
	defer rc.Close()
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(got, Sample()), "Open(sample) and Sample() differ")
}

func TestSampleIsGenerated(t *testing.T) {
	var want bytes.Buffer
	require.NoError(t, Generate(&want, 1000, 1))
	require.True(t, bytes.Equal(Sample(), want.Bytes()), "sample.csv is not Generate(1000, 1); run go generate ./shared/dataset")
	s := Sample()
	s[0] = 'X'
	assert.NotEqual(t, byte('X'), Sample()[0], "Sample() returned the embedded bytes themselves; want a copy")
}

func TestOpenSyntheticMatchesGenerate(t *testing.T) {
	rc, err := Open(context.Background(), "synthetic:25000", SourceOptions{Seed: 5})
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err, "reading synthetic:25000")
	assert.NoError(t, rc.Close(), "Close")
	var want bytes.Buffer
	require.NoError(t, Generate(&want, 25000, 5))
	assert.True(t, bytes.Equal(got, want.Bytes()),
		"synthetic:25000 with seed 5: got %d bytes different from Generate(25000, 5) (%d bytes)", len(got), want.Len())
}

// waitGoroutines waits until at most want goroutines run, or fails.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		require.False(t, time.Now().After(deadline),
			"got %d goroutines; want at most %d (generator leaked?)", runtime.NumGoroutine(), want)
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenSyntheticCloseMidStream(t *testing.T) {
	before := runtime.NumGoroutine()
	rc, err := Open(context.Background(), "synthetic:10000000", SourceOptions{Seed: 1})
	require.NoError(t, err)
	buf := make([]byte, 100<<10)
	_, err = io.ReadFull(rc, buf)
	require.NoError(t, err, "reading the first 100 KiB")
	// Close waits for the generator to return, so no settling is needed;
	// waitGoroutines only tolerates unrelated runtime goroutines.
	sr := rc.(*syntheticReader)
	assert.NoError(t, rc.Close(), "Close")
	select {
	case <-sr.done:
	default:
		require.Fail(t, "generator still running after Close")
	}
	waitGoroutines(t, before)
	assert.NoError(t, rc.Close(), "second Close")
	_, err = rc.Read(buf)
	assert.Error(t, err, "Read after Close")
}

func TestOpenSyntheticContextCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := Open(ctx, "synthetic:10000000", SourceOptions{})
	require.NoError(t, err)
	defer rc.Close()
	_, err = io.ReadFull(rc, make([]byte, 1000))
	require.NoError(t, err)
	cancel()
	// The generator stops without anyone reading or closing.
	<-rc.(*syntheticReader).done
	_, err = io.Copy(io.Discard, rc)
	assert.ErrorIs(t, err, context.Canceled, "reading after cancel")
	rc.Close()
	waitGoroutines(t, before)
}

func TestOpenErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.csv")
	tests := []struct {
		uri  string
		want []string // substrings of the message
		is   error
	}{
		{"", []string{"empty data URI"}, nil},
		{"synthetic:abc", []string{`"synthetic:abc"`, "positive integer"}, nil},
		{"synthetic:0", []string{`"0"`, "positive integer"}, nil},
		{"synthetic:-1", []string{`"-1"`, "positive integer"}, nil},
		{"synthetic:", []string{"positive integer"}, nil},
		{"synthetic:99999999999999999999", []string{"positive integer"}, nil},
		{missing, []string{missing}, fs.ErrNotExist},
		{"file://" + missing, []string{missing}, fs.ErrNotExist},
		{"file://", []string{"empty path"}, nil},
		{t.TempDir(), []string{"is a directory"}, nil},
		{"gs://bucket/key.csv", []string{`unsupported data URI scheme "gs"`, "file://", "sample", "synthetic:N", "s3://"}, nil},
		{"HTTPS://example.com/x.csv", []string{`unsupported data URI scheme "https"`}, nil},
	}
	opts := SourceOptions{Openers: map[string]Opener{"s3": func(context.Context, string) (io.ReadCloser, error) {
		return nil, errors.New("not reached")
	}}}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			rc, err := Open(context.Background(), tt.uri, opts)
			if err == nil {
				rc.Close()
			}
			require.Error(t, err, "Open(%q)", tt.uri)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w, "Open(%q)", tt.uri)
			}
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is, "Open(%q)", tt.uri)
			}
			assert.NotErrorIs(t, err, ErrInvalid, "Open(%q): a bad URI is not bad data", tt.uri)
		})
	}
}

func TestOpenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, "sample", SourceOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestOpenCustomScheme(t *testing.T) {
	var gotURI string
	opts := SourceOptions{Openers: map[string]Opener{"mem": func(_ context.Context, uri string) (io.ReadCloser, error) {
		gotURI = uri
		return io.NopCloser(strings.NewReader(header + row1 + row2)), nil
	}}}
	tab, info, err := Load(context.Background(), "MEM://x/y.csv", Students, opts)
	require.NoError(t, err)
	assert.Equal(t, "MEM://x/y.csv", gotURI, "URI the opener got")
	wantRows12(t, tab)
	sum := sha256.Sum256([]byte(header + row1 + row2))
	assert.Equal(t, Info{URI: "MEM://x/y.csv", Rows: 2, SHA256: hex.EncodeToString(sum[:])}, info)
}

func TestLoadSample(t *testing.T) {
	tab, info, err := Load(context.Background(), "sample", Students, SourceOptions{})
	require.NoError(t, err)
	sum := sha256.Sum256(Sample())
	assert.Equal(t, Info{URI: "sample", Rows: 1000, SHA256: hex.EncodeToString(sum[:])}, info)
	assert.Equal(t, 1000, tab.Len())
}

func TestLoadSynthetic(t *testing.T) {
	tab, info, err := Load(context.Background(), "synthetic:3000", Students, SourceOptions{Seed: 42})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, Generate(&b, 3000, 42))
	sum := sha256.Sum256(b.Bytes())
	assert.Equal(t, Info{URI: "synthetic:3000", Rows: 3000, SHA256: hex.EncodeToString(sum[:])}, info)
	assert.Equal(t, 3000, tab.Len())
}

func TestLoadFile(t *testing.T) {
	// A file by path and as file://: the Info names the URI as given and
	// hashes the file's bytes.
	raw := []byte(header + row1 + row2)
	path := filepath.Join(t.TempDir(), "two.csv")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	sum := sha256.Sum256(raw)
	for _, uri := range []string{path, "file://" + path} {
		tab, info, err := Load(context.Background(), uri, Students, SourceOptions{})
		require.NoError(t, err, "Load(%q)", uri)
		assert.Equal(t, Info{URI: uri, Rows: 2, SHA256: hex.EncodeToString(sum[:])}, info, "Load(%q)", uri)
		wantRows12(t, tab)
	}
}

func TestLoadErrorsNameTheURI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(path, []byte(header+"female,group B,x,standard,none,72,abc,74\n"), 0o600))
	_, _, err := Load(context.Background(), path, Students, SourceOptions{})
	require.ErrorIs(t, err, ErrInvalid)
	var e *Error
	if assert.ErrorAs(t, err, &e) {
		assert.Equal(t, 2, e.Line, "line of the error")
		assert.Equal(t, "reading_score", e.Column, "column of the error")
	}
	assert.EqualError(t, err, "load "+path+`: line 2, column "reading_score", value "abc": not a number`)
	_, _, err = Load(context.Background(), "synthetic:x", Students, SourceOptions{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "load synthetic:x: "), "got %q; want an error starting with the URI", err)
}

func TestBadURIsWrapErrBadURI(t *testing.T) {
	for _, uri := range []string{"", "synthetic:x", "ftp://host/file.csv", "file://", t.TempDir()} {
		_, err := Open(context.Background(), uri, SourceOptions{})
		assert.ErrorIs(t, err, ErrBadURI, "Open(%q)", uri)
	}
}
