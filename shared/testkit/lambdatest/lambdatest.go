// Package lambdatest starts the AWS Lambda Runtime Interface Emulator for tests.
//
// A test builds a function's main package for Lambda (BuildFunction), runs it under the emulator
// (Start) and posts events to the emulator's invoke route (Emulator.Invoke), the way Lambda would call
// it. Without the emulator such tests skip, except under CI=true where they fail; the one-line install
// command is in the INSTALL file beside this package:
//
//	func TestUnderEmulator(t *testing.T) {
//		lambdatest.Binary(t) // skip early, before building, when the emulator is missing
//		fn := lambdatest.BuildFunction(t, "../../functions/predict")
//		emu := lambdatest.Start(t, fn, []string{"MODEL_STORE=" + t.TempDir()})
//		status, body := emu.Invoke(t, event)
//		...
//	}
package lambdatest

import (
	"bytes"
	"context"
	_ "embed" // for the install command
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/runner"
)

// InstallCommand is the shell command that installs aws-lambda-rie (the INSTALL file).
//
//go:embed INSTALL
var InstallCommand string

// binaryEnv names the variable that may give the emulator's path.
const binaryEnv = "AWS_LAMBDA_RIE"

// Timeouts of the helpers.
const (
	buildTimeout  = 5 * time.Minute
	startTimeout  = 15 * time.Second
	invokeTimeout = 2 * time.Minute
)

// Binary returns the path of aws-lambda-rie: $AWS_LAMBDA_RIE if set, else aws-lambda-rie on PATH. When
// there is none it skips the test with a message saying how to install it, but fails it when
// CI=true, so that CI never passes without having run it.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(binaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", binaryEnv, p, err)
		}
		return p
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	msg := fmt.Sprintf("aws-lambda-rie (the AWS Lambda Runtime Interface Emulator) is not on PATH and %s is not set; install it with:\n\t%s",
		binaryEnv, strings.TrimSpace(InstallCommand))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// BuildFunction builds a Go main package (a path like "../../functions/predict", relative to the test's
// package directory, or an import path) for Lambda, with CGO_ENABLED=0 and -tags lambda.norpc, into
// t.TempDir(), and returns the binary's path. The binary is named bootstrap, as the provided runtimes
// expect.
func BuildFunction(t testing.TB, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("build %s: no go command on PATH: %v", pkg, err)
	}
	out := t.TempDir() + string(os.PathSeparator) + "bootstrap"
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, output)
	}
	trackSources(ctx, t, goTool, pkg)
	return out
}

// trackSources reads the directory of every non-standard package that pkg is built from. go test
// records the directories a test reads and reruns the test, rather than reporting a cached result,
// once a file in them changes (for those inside the module); the build itself runs in another process,
// which go test cannot see.
func trackSources(ctx context.Context, t testing.TB, goTool, pkg string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, goTool, "list", "-tags", "lambda.norpc", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	if err != nil {
		t.Fatalf("list the packages of %s: %v\n%s", pkg, err, stderr.Bytes())
	}
	for dir := range strings.Lines(string(output)) {
		dir = strings.TrimRight(dir, "\r\n")
		if dir == "" {
			continue
		}
		if _, err := os.ReadDir(dir); err != nil {
			t.Fatalf("read package directory: %v", err)
		}
	}
}

// Emulator is a running Runtime Interface Emulator with a function binary.
type Emulator struct {
	// URL is the emulator's base URL, http://127.0.0.1:PORT.
	URL string

	mu     sync.Mutex // the emulator handles one invoke at a time
	client *http.Client
}

// Start runs the emulator with functionBinary, with the test process's environment plus env (extra
// variables such as "MODEL_STORE=..."), on free loopback ports, and waits until it accepts connections.
// A cleanup stops the emulator and the function (SIGTERM, then SIGKILL) and waits for them; if the test
// failed, it logs their output. The function starts on the first invoke, as under Lambda.
func Start(t testing.TB, functionBinary string, env []string) *Emulator {
	t.Helper()
	rie := Binary(t)
	if _, err := os.Stat(functionBinary); err != nil {
		t.Fatalf("start emulator: function binary: %v", err)
	}
	// Free ports are found by listening on port 0 and closing the listener; another process may take
	// the port before the emulator does, so starting is tried a few times.
	var errs []error
	for range 3 {
		e, err := start(t, rie, functionBinary, env)
		if err == nil {
			return e
		}
		errs = append(errs, err)
	}
	t.Fatalf("start emulator: %v", errors.Join(errs...))
	return nil
}

// start makes one attempt at starting the emulator.
func start(t testing.TB, rie, functionBinary string, env []string) (*Emulator, error) {
	invokePort, err := freePort()
	if err != nil {
		return nil, err
	}
	runtimePort, err := freePort()
	if err != nil {
		return nil, err
	}
	if runtimePort == invokePort {
		return nil, fmt.Errorf("got port %d twice", invokePort)
	}
	addr := "127.0.0.1:" + strconv.Itoa(invokePort)

	logs := &syncBuffer{}
	// --runtime-api-address: the emulator's own default, 127.0.0.1:9001, would clash between tests
	// running in parallel (go test runs packages at once).
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		functionBinary)
	cmd.Env = append(withoutRuntimeAPI(os.Environ()), env...)
	cmd.Stdout = logs
	cmd.Stderr = logs
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", rie, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	// stop asks the emulator to end, which makes it kill and reap the function (which it runs in a
	// process group of its own); if it does not, it kills the emulator's group.
	stop := func() {
		if terminate(cmd) == nil {
			select {
			case <-exited:
				return
			case <-time.After(5 * time.Second):
			}
		}
		_ = killProcessGroup(cmd) // fails only when the group is already gone
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
	}

	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			break
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("emulator exited before listening on %s (%v); its output:\n%s", addr, waitErr, logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("emulator not listening on %s after %s; its output:\n%s", addr, startTimeout, logs)
		}
	}

	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", logs)
		}
	})
	return &Emulator{URL: "http://" + addr, client: &http.Client{Timeout: invokeTimeout}}, nil
}

// Invoke posts event to the emulator's invoke route, URL+runner.InvokePath, and returns the response's
// status and body. Calls are serialised, one at a time, since the emulator does not support concurrent
// invokes.
func (e *Emulator) Invoke(t testing.TB, event []byte) (int, []byte) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, e.URL+runner.InvokePath, bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke: read response: %v", err)
	}
	return resp.StatusCode, body
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// withoutRuntimeAPI drops AWS_LAMBDA_RUNTIME_API from env: the emulator sets it for the function.
func withoutRuntimeAPI(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the emulator's two output streams and the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
