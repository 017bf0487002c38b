package main

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/s3io"
)

// Defaults of what a request may ask.
const (
	// defaultServeAddr keeps train serve on loopback unless told otherwise.
	defaultServeAddr = "127.0.0.1:8080"
	// defaultSyntheticMax caps synthetic:N from a request: a million rows
	// train in about a second and a half and under half a GB.
	defaultSyntheticMax = 1_000_000
)

// Refusals of a request's options: the caller's mistake, never run.
var (
	errUnauthorized = errors.New("train: unauthorized")
	errForbidden    = errors.New("train: refused")
)

// guard is what callers of serve, invoke and Lambda may ask: the operator
// configures data sources and gates; a request may only narrow them. The
// command line (train run) is the operator and is not guarded.
type guard struct {
	token        string
	allow        []string // data URI prefixes: s3://BUCKET/PREFIX/ or /abs/dir/
	minR2        float64  // the configured MIN_R2: a floor for requests
	syntheticMax int
}

func newGuard(cfg config) guard {
	g := guard{token: cfg.Token, minR2: cfg.MinR2, syntheticMax: cfg.SyntheticMax}
	for _, a := range cfg.DataAllow {
		g.allow = append(g.allow, normalizePrefix(a))
	}
	return g
}

// defaultAllow is where requested data may come from when TRAIN_DATA_ALLOW
// is not set: the folder or bucket prefix of the configured data and test
// data. The embedded sample and capped synthetic data are always allowed.
func defaultAllow(uris ...string) []string {
	var out []string
	for _, u := range uris {
		switch {
		case u == "", u == "sample", strings.HasPrefix(u, "synthetic:"):
		case strings.HasPrefix(u, "s3://"):
			out = append(out, u[:strings.LastIndex(u, "/")+1])
		default:
			out = append(out, filepath.Dir(strings.TrimPrefix(u, "file://")))
		}
	}
	return out
}

// normalizePrefix makes an allowed prefix comparable: s3 prefixes end in
// "/" (s3://b/data/ allows s3://b/data/x.csv, not s3://b/database.csv);
// directories are absolute, clean and end in the separator.
func normalizePrefix(p string) string {
	if strings.HasPrefix(p, "s3://") {
		if strings.Count(p, "/") == 2 || !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return p
	}
	abs, err := filepath.Abs(strings.TrimPrefix(p, "file://"))
	if err != nil {
		return p
	}
	return strings.TrimSuffix(abs, string(filepath.Separator)) + string(filepath.Separator)
}

// checkOptions refuses options that reach beyond what the operator
// configured, naming the rule broken.
func (g guard) checkOptions(o options) error {
	var problems []string
	for _, d := range []struct {
		member string
		uri    *string
	}{{"data", o.Data}, {"test_data", o.TestData}, {"schema", o.Schema}} {
		if d.uri == nil || *d.uri == "" {
			continue
		}
		if err := g.checkData(*d.uri); err != nil {
			problems = append(problems, fmt.Sprintf("%s %q: %v", d.member, *d.uri, err))
		}
	}
	if o.MinR2 != nil && *o.MinR2 < g.minR2 {
		problems = append(problems, fmt.Sprintf("min_r2 %v: a request may raise MIN_R2 but not lower it below the configured %v", *o.MinR2, g.minR2))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errForbidden, strings.Join(problems, "; "))
	}
	return nil
}

// checkData allows the embedded sample, synthetic data up to the cap, and
// files or objects under an allowed prefix.
func (g guard) checkData(uri string) error {
	switch {
	case uri == "sample":
		return nil
	case strings.HasPrefix(uri, "synthetic:"):
		n, err := strconv.Atoi(strings.TrimPrefix(uri, "synthetic:"))
		if err == nil && n > g.syntheticMax {
			return fmt.Errorf("%d generated rows is over the limit of %d a request may ask for (TRAIN_SYNTHETIC_MAX)", n, g.syntheticMax)
		}
		return nil // a malformed count is the data source's error to name
	case strings.HasPrefix(uri, "s3://"):
		u, err := s3io.ParseURI(uri)
		if err != nil {
			return err
		}
		for _, a := range g.allow {
			if strings.HasPrefix(a, "s3://") && strings.HasPrefix(u.String(), a) && !strings.Contains(u.Key, "..") {
				return nil
			}
		}
	case strings.Contains(uri, "://") && !strings.HasPrefix(uri, "file://"):
		return fmt.Errorf("unsupported data source")
	default:
		abs, err := filepath.Abs(strings.TrimPrefix(uri, "file://"))
		if err != nil {
			return err
		}
		// A symbolic link is judged by where it points.
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		for _, a := range g.allow {
			if strings.HasPrefix(a, string(filepath.Separator)) && strings.HasPrefix(abs, realDir(a)) {
				return nil
			}
		}
	}
	return fmt.Errorf("outside the data sources requests may use (TRAIN_DATA_ALLOW: %s)", g.allowed())
}

// realDir resolves the links of an allowed directory, so that a prefix and
// a path resolved alike compare.
func realDir(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return strings.TrimSuffix(real, string(filepath.Separator)) + string(filepath.Separator)
	}
	return dir
}

func (g guard) allowed() string {
	list := append([]string{"sample", fmt.Sprintf("synthetic:N with N ≤ %d", g.syntheticMax)}, g.allow...)
	return strings.Join(list, ", ")
}

// authorize wraps h: with a token configured, every request but the
// health checks must carry Authorization: Bearer TOKEN (compared in
// constant time).
func (g guard) authorize(h http.Handler) http.Handler {
	if g.token == "" {
		return h
	}
	want := []byte("Bearer " + g.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			h.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="train"`)
			runner.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": errUnauthorized.Error() + ": send Authorization: Bearer <TRAIN_TOKEN>"})
			return
		}
		h.ServeHTTP(w, r)
	})
}
