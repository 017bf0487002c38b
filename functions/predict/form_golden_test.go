package main

import (
	"bytes"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/form")

// TestStudentFormUnchanged keeps the student pages byte for byte what
// they were before the form followed the model's schema: the form, the
// result with its explanation, and a page of errors. The version, which
// changes with every push, reads as VERSION.
func TestStudentFormUnchanged(t *testing.T) {
	root, version := sampleStore(t)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root})
	good := url.Values{}
	for _, f := range browserForm {
		good.Set(f.id, f.value)
	}
	bad := url.Values{"gender": {"female"}, "ethnicity": {"group Z"}, "reading_score": {"150"}}
	for _, tc := range []struct {
		name, method, body string
		status             int
	}{
		{"form", "GET", "", http.StatusOK},
		{"result", "POST", good.Encode(), http.StatusOK},
		{"errors", "POST", bad.Encode(), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+map[string]string{"GET": "/", "POST": "/predictdata"}[tc.method], strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Accept", "text/html")
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var b bytes.Buffer
			_, err = b.ReadFrom(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, "%s", b.String())
			got := strings.ReplaceAll(b.String(), version, "VERSION")
			path := filepath.Join("testdata", "form", "student-"+tc.name+".html")
			if *updateGolden {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "golden file (go test -run %s -update writes it)", t.Name())
			assert.Equal(t, string(want), got, "the student page %s changed", tc.name)
		})
	}
}
