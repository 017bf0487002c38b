package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Default timeouts of Server, used for the fields left zero.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
)

// DefaultAddr is the address Server listens on when Addr is empty.
const DefaultAddr = ":8080"

// Server serves a function locally: its HTTP routes, and in front of them the Lambda invoke route.
type Server struct {
	// Addr is the TCP address to listen on, such as ":8080" or "127.0.0.1:0" (see ParseAddr);
	// DefaultAddr when empty.
	Addr string
	// Handler serves the function's routes; nil answers 404 to all but the invoke route.
	Handler http.Handler
	// Events, when not nil, answers POST InvokePath (see InvokeHandler), mounted in front of Handler.
	Events EventHandler
	// Logger receives the server's start, stop and error messages and the invoke route's function
	// errors; nil discards them.
	Logger *slog.Logger

	// Timeouts of the http.Server, and how long shutdown waits for in-flight requests; each is the
	// matching Default... constant when zero.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, ShutdownTimeout time.Duration

	// MaxInvokeBody limits invoke payloads; DefaultMaxInvokeBody when <= 0.
	MaxInvokeBody int64

	// Ready, when not nil, is called once the server listens, with the address it listens on (the real
	// port when Addr asks for port 0).
	Ready func(addr net.Addr)
}

// ListenAndServe serves until ctx is cancelled (main cancels it on SIGTERM or SIGINT through
// signal.NotifyContext), then shuts down gracefully: it stops accepting connections and waits up to
// ShutdownTimeout for in-flight requests to complete. Requests do not see ctx's cancellation, so they
// can finish; its values reach them. It returns nil after a clean shutdown, and an error when it cannot
// listen, when serving fails, or when in-flight requests outlast ShutdownTimeout (they are then cut off).
func (s *Server) ListenAndServe(ctx context.Context) error {
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr := s.Addr
	if addr == "" {
		addr = DefaultAddr
	}

	mux := http.NewServeMux()
	if s.Events != nil {
		// No method in the pattern: the invoke handler answers other methods with 405 itself.
		mux.Handle(InvokePath, &invoker{h: s.Events, maxBody: s.MaxInvokeBody, log: log})
	}
	routes := s.Handler
	if routes == nil {
		routes = http.NotFoundHandler()
	}
	mux.Handle("/", routes)

	base := context.WithoutCancel(ctx)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: orDefault(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(s.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(s.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(s.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}

	ln, err := new(net.ListenConfig).Listen(base, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	if s.Ready != nil {
		s.Ready(ln.Addr())
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve returned on its own: the listener failed.
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	wait := orDefault(s.ShutdownTimeout, DefaultShutdownTimeout)
	log.Info("shutting down", "addr", ln.Addr().String(), "timeout", wait.String())
	sctx, cancel := context.WithTimeout(base, wait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		cerr := srv.Close()
		<-served
		return errors.Join(fmt.Errorf("shutdown on %s: in-flight requests did not finish within %s: %w", ln.Addr(), wait, err), cerr)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	log.Info("stopped", "addr", ln.Addr().String())
	return nil
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// ParseAddr turns a PORT value into a listen address: a bare port number such as "8080" becomes
// ":8080"; an address with a colon, such as ":9000", "127.0.0.1:0" or "[::1]:8080", is kept as is.
// It returns an error for anything else: an empty value, a port that is not a number from 0 to 65535,
// or a malformed host:port.
func ParseAddr(port string) (string, error) {
	if port == "" {
		return "", errors.New("parse address: empty")
	}
	if isDigits(port) {
		if err := checkPort(port); err != nil {
			return "", fmt.Errorf("parse address %q: %w", port, err)
		}
		return ":" + port, nil
	}
	_, p, err := net.SplitHostPort(port)
	if err != nil {
		return "", fmt.Errorf("parse address %q: want a port number or host:port: %w", port, err)
	}
	if err := checkPort(p); err != nil {
		return "", fmt.Errorf("parse address %q: %w", port, err)
	}
	return port, nil
}

// checkPort reports whether p is a decimal port number from 0 to 65535.
func checkPort(p string) error {
	if !isDigits(p) {
		return fmt.Errorf("port %q is not a number", p)
	}
	if _, err := strconv.ParseUint(p, 10, 16); err != nil {
		return fmt.Errorf("port %q is not in 0-65535", p)
	}
	return nil
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// IsLoopback reports whether a listen address (see ParseAddr) is reachable
// from this host only: localhost or a loopback IP. An empty host (":8080")
// listens on every interface and is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
