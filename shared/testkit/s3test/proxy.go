package s3test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// Proxy forwards requests to a Server and lets a test see each one before
// it is forwarded, or cut it off, to inject faults at an exact point of a
// protocol (say, just before current.json is written).
type Proxy struct {
	srv    *httptest.Server
	refuse atomic.Bool
	// OnRequest, when set, sees every request before it is forwarded. It
	// returns false to cut the connection without an answer, as a network
	// failure would.
	OnRequest func(r *http.Request) bool
}

// NewProxy starts a proxy to s on 127.0.0.1; it is closed when tb ends.
// Set OnRequest before the first request.
func NewProxy(tb testing.TB, s *Server) *Proxy {
	tb.Helper()
	target, err := url.Parse(s.Endpoint())
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { cut(w) }
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.refuse.Load() || (p.OnRequest != nil && !p.OnRequest(r)) {
			cut(w)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(p.srv.Close)
	return p
}

// Endpoint is the proxy's URL, for AWS_ENDPOINT_URL_S3.
func (p *Proxy) Endpoint() string { return p.srv.URL }

// Refuse makes the proxy cut every request (true) or forward them again
// (false).
func (p *Proxy) Refuse(on bool) { p.refuse.Store(on) }

// cut closes the client's connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, not a clean close
			}
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
