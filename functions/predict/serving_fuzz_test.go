package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzInvocations posts any body, in any declared encoding and content
// type, to SageMaker's /invocations and KServe's :predict: never a 5xx, a
// JSON error naming the problem on every refusal, and predictions on every
// 200. A body marked "gz" is sent gzip-compressed.
func FuzzInvocations(f *testing.F) {
	for _, s := range []struct {
		body             string
		ct, enc, path    string
		compress, accept bool
	}{
		{body: "female,group B,bachelor's degree,standard,none,72,74\n", ct: "text/csv", path: "/invocations"},
		{body: "female,group B,bachelor's degree,standard,none,72,74\n", ct: "text/csv", enc: "gzip", compress: true, path: "/invocations", accept: true},
		{body: "female,group B,bachelor's degree,standard,none,72,74\n", ct: "text/csv", enc: "gzip", path: "/invocations"},
		{body: referenceJSON, ct: "application/x-www-form-urlencoded", path: "/invocations"},
		{body: `{"instances":[["female","group B","bachelor's degree","standard","none",72,74]]}`, ct: "", path: "/v1/models/" + modelName + ":predict"},
		{body: strings.Repeat("0", 1<<16), ct: "text/csv", enc: "gzip", compress: true, path: "/invocations"},
		{body: "x", ct: "text/csv", enc: "br", path: "/invocations"},
		{body: referenceJSON, ct: "application/json", enc: "gzip, gzip", path: "/predict"},
	} {
		f.Add([]byte(s.body), s.ct, s.enc, s.path, s.compress, s.accept)
	}
	h, version := fuzzServer(f, 16<<10)

	f.Fuzz(func(t *testing.T, body []byte, ct, enc, path string, compress, acceptJSON bool) {
		switch path {
		case "/invocations", "/predict", "/v1/models/" + modelName + ":predict":
		default:
			return
		}
		if compress {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
		}
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if enc != "" {
			r.Header.Set("Content-Encoding", enc)
		}
		if acceptJSON {
			r.Header.Set("Accept", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q: got status %d; want < 500: %s", path, body, w.Code, w.Body)
		}
		if w.Code != http.StatusOK {
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("POST %s %q: got %d %q; want a JSON error", path, body, w.Code, w.Body)
			}
			return
		}
		if w.Header().Get("X-Model-Version") != version {
			t.Fatalf("POST %s: 200 with X-Model-Version %q; want %q", path, w.Header().Get("X-Model-Version"), version)
		}
		if w.Body.Len() == 0 {
			t.Fatalf("POST %s %q: an empty 200", path, body)
		}
	})
}
