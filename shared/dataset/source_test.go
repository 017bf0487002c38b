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
)

func TestOpenSample(t *testing.T) {
	rc, err := Open(context.Background(), "sample", SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Sample()) {
		t.Errorf("Open(sample) and Sample() differ")
	}
}

func TestSampleIsGenerated(t *testing.T) {
	var want bytes.Buffer
	if err := Generate(&want, 1000, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Sample(), want.Bytes()) {
		t.Fatalf("sample.csv is not Generate(1000, 1); run go generate ./shared/dataset")
	}
	s := Sample()
	s[0] = 'X'
	if Sample()[0] == 'X' {
		t.Errorf("Sample() returned the embedded bytes themselves; want a copy")
	}
}

func TestOpenSyntheticMatchesGenerate(t *testing.T) {
	rc, err := Open(context.Background(), "synthetic:25000", SourceOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading synthetic:25000: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	var want bytes.Buffer
	if err := Generate(&want, 25000, 5); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("synthetic:25000 with seed 5: got %d bytes different from Generate(25000, 5) (%d bytes)", len(got), want.Len())
	}
}

// waitGoroutines waits until at most want goroutines run, or fails.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("got %d goroutines; want at most %d (generator leaked?)", runtime.NumGoroutine(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenSyntheticCloseMidStream(t *testing.T) {
	before := runtime.NumGoroutine()
	rc, err := Open(context.Background(), "synthetic:10000000", SourceOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100<<10)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatalf("reading the first 100 KiB: %v", err)
	}
	// Close waits for the generator to return, so no settling is needed;
	// waitGoroutines only tolerates unrelated runtime goroutines.
	sr := rc.(*syntheticReader)
	if err := rc.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case <-sr.done:
	default:
		t.Fatalf("generator still running after Close")
	}
	waitGoroutines(t, before)
	if err := rc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := rc.Read(buf); err == nil {
		t.Errorf("Read after Close: got nil error; want one")
	}
}

func TestOpenSyntheticContextCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := Open(ctx, "synthetic:10000000", SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	cancel()
	// The generator stops without anyone reading or closing.
	<-rc.(*syntheticReader).done
	_, err = io.Copy(io.Discard, rc)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("reading after cancel: got %v; want context.Canceled", err)
	}
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
				t.Fatalf("Open(%q): got nil error; want one", tt.uri)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open(%q): got %q; want it to contain %q", tt.uri, err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Open(%q): got %v; want it to wrap %v", tt.uri, err, tt.is)
			}
			if errors.Is(err, ErrInvalid) {
				t.Errorf("Open(%q): got %v wrapping ErrInvalid; a bad URI is not bad data", tt.uri, err)
			}
		})
	}
}

func TestOpenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "sample", SourceOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want context.Canceled", err)
	}
}

func TestOpenCustomScheme(t *testing.T) {
	var gotURI string
	opts := SourceOptions{Openers: map[string]Opener{"mem": func(_ context.Context, uri string) (io.ReadCloser, error) {
		gotURI = uri
		return io.NopCloser(strings.NewReader(header + row1 + row2)), nil
	}}}
	tab, info, err := Load(context.Background(), "MEM://x/y.csv", Students, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if gotURI != "MEM://x/y.csv" {
		t.Errorf("opener got URI %q; want %q", gotURI, "MEM://x/y.csv")
	}
	wantRows12(t, tab)
	sum := sha256.Sum256([]byte(header + row1 + row2))
	want := Info{URI: "MEM://x/y.csv", Rows: 2, SHA256: hex.EncodeToString(sum[:])}
	if info != want {
		t.Errorf("got %+v; want %+v", info, want)
	}
}

func TestLoadSample(t *testing.T) {
	tab, info, err := Load(context.Background(), "sample", Students, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(Sample())
	want := Info{URI: "sample", Rows: 1000, SHA256: hex.EncodeToString(sum[:])}
	if info != want || tab.Len() != 1000 {
		t.Errorf("got %+v with %d rows; want %+v", info, tab.Len(), want)
	}
}

func TestLoadSynthetic(t *testing.T) {
	tab, info, err := Load(context.Background(), "synthetic:3000", Students, SourceOptions{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Generate(&b, 3000, 42); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b.Bytes())
	if want := (Info{URI: "synthetic:3000", Rows: 3000, SHA256: hex.EncodeToString(sum[:])}); info != want {
		t.Errorf("got %+v; want %+v", info, want)
	}
	if tab.Len() != 3000 {
		t.Errorf("got %d rows; want 3000", tab.Len())
	}
}

func TestLoadErrorsNameTheURI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, []byte(header+"female,group B,x,standard,none,72,abc,74\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(context.Background(), path, Students, SourceOptions{})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v; want ErrInvalid", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Column != "reading_score" {
		t.Errorf("got %#v; want an *Error at line 2, column reading_score", err)
	}
	want := "load " + path + `: line 2, column "reading_score", value "abc": not a number`
	if err.Error() != want {
		t.Errorf("got %q; want %q", err, want)
	}
	_, _, err = Load(context.Background(), "synthetic:x", Students, SourceOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "load synthetic:x: ") {
		t.Errorf("got %v; want an error starting with the URI", err)
	}
}

func TestBadURIsWrapErrBadURI(t *testing.T) {
	for _, uri := range []string{"", "synthetic:x", "ftp://host/file.csv", "file://", t.TempDir()} {
		_, err := Open(context.Background(), uri, SourceOptions{})
		if !errors.Is(err, ErrBadURI) {
			t.Errorf("Open(%q): got %v; want ErrBadURI", uri, err)
		}
	}
}
