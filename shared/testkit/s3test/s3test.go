// Package s3test runs a real S3-compatible server, versitygw with its
// posix backend, on 127.0.0.1 for tests, and a fault-injecting proxy in
// front of it.
//
//	func TestOnS3(t *testing.T) {
//		srv := s3test.Start(t)       // skips locally, fails under CI=true, when versitygw is missing
//		srv.Setenv(t)                // the SDK's default chain now finds it
//		bucket := srv.Bucket(t, "models")
//		...
//	}
//
// The server is stopped when the test ends. Stop and Restart take it away
// and bring it back on the same address with the same data, for fault
// tests. The one-line install command is in the INSTALL file beside this
// package.
package s3test

import (
	"context"
	_ "embed" // for the install command
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/studentperf/studentperf/shared/modelstore"
)

// InstallCommand is the shell command that installs versitygw (the
// INSTALL file, comments removed).
//
//go:embed INSTALL
var install string

// InstallCommand returns the command line of the INSTALL file.
func InstallCommand() string {
	for line := range strings.Lines(install) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// A test binary that imports this package never asks the EC2 instance
// metadata service for credentials: the SDK's default chain would
// otherwise try 169.254.169.254, an address off this machine, whenever a
// test's environment lacks credentials.
func init() { os.Setenv("AWS_EC2_METADATA_DISABLED", "true") }

// The credentials and region of every test server.
const (
	AccessKey = "s3test-access"
	SecretKey = "s3test-secret-key"
	Region    = "us-east-1"
)

// binaryEnv names the variable that may give versitygw's path.
const binaryEnv = "VERSITYGW"

const startTimeout = 15 * time.Second

// Binary returns the path of versitygw: $VERSITYGW if set, else versitygw
// on PATH. When there is none it skips the test with a message saying how
// to install it, but fails it when CI=true.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(binaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("%s=%s: %v", binaryEnv, p, err)
		}
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	msg := fmt.Sprintf("versitygw (the S3-compatible test server) is not on PATH and %s is not set; install it with:\n\t%s",
		binaryEnv, InstallCommand())
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Server is one running versitygw.
type Server struct {
	bin  string
	addr string // 127.0.0.1:port
	root string // the posix backend's directory: one folder per bucket
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// Start starts versitygw on a free port of 127.0.0.1 with an empty data
// directory and waits until it answers. It is stopped when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{bin: Binary(tb), root: filepath.Join(tb.TempDir(), "s3")}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.addr = ln.Addr().String()
	ln.Close()
	s.log, err = os.Create(filepath.Join(tb.TempDir(), "versitygw.log"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.stop()
		s.log.Close()
	})
	s.Restart(tb)
	return s
}

// Endpoint is the server's URL, for AWS_ENDPOINT_URL_S3.
func (s *Server) Endpoint() string { return "http://" + s.addr }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Env is the environment that points the SDK's default chain at the
// server, for a child process: credentials, region, the endpoint, and no
// instance metadata or shared config lookups (they would leave this
// machine or read the developer's own profile).
func (s *Server) Env() []string {
	return s.EnvFor(s.Endpoint())
}

// EnvFor is Env with another endpoint, such as a Proxy in front of the
// server.
func (s *Server) EnvFor(endpoint string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + Region,
		"AWS_ENDPOINT_URL_S3=" + endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_PROFILE=",
	}
}

// Setenv sets Env in this process for the rest of the test (t.Setenv:
// the test cannot be parallel).
func (s *Server) Setenv(t testing.TB) {
	t.Helper()
	st, ok := t.(interface{ Setenv(k, v string) })
	if !ok {
		t.Fatal("s3test: Setenv needs a *testing.T or *testing.B")
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		st.Setenv(k, v)
	}
}

// Client returns an SDK client for the test's own setup and checks,
// with the server's credentials given explicitly.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint()),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// Store returns a model store under s3://bucket/prefix on the server,
// through Client (for a test's own setup and checks).
func (s *Server) Store(bucket, prefix string) *modelstore.S3 {
	return modelstore.NewS3(s.Client(), bucket, prefix)
}

// Bucket creates a bucket and returns its name.
func (s *Server) Bucket(tb testing.TB, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		tb.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// Put writes one object.
func (s *Server) Put(tb testing.TB, bucket, key string, body []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(string(body))}); err != nil {
		tb.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// Root is the posix backend's directory: bucket b is Root()/b, and an
// object's bytes are the file at its key below it, so a test can compare
// a store's whole tree before and after.
func (s *Server) Root() string { return s.root }

// Stop stops the server (SIGKILL: as abrupt as a crash) and waits for it.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same address with the same data
// (Start calls it first) and waits until it answers.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin, "--port", s.addr, "--access", AccessKey, "--secret", SecretKey, "--region", Region, "--quiet", "posix", s.root)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	var err error
	deadline := time.Now().Add(startTimeout)
	for {
		// The port may still be held a moment by the previous process.
		if err = cmd.Start(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("start versitygw: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	for {
		// Up once it answers anything: 403 to an unsigned request on "/".
		resp, err := http.Get(s.Endpoint() + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(s.log.Name())
			tb.Fatalf("versitygw exited at start: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("versitygw on %s did not answer within %v: %v", s.addr, startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
