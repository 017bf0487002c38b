package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMainSecondSignalEndsTheProcess runs Main in a child process (this
// test binary, asked by the environment) with a command that never
// returns: the first SIGINT cancels its context and is survived, the
// second ends the process by the signal's default action.
func TestMainSecondSignalEndsTheProcess(t *testing.T) {
	if os.Getenv("CLI_SIGNAL_CHILD") == "1" {
		Main("child", func(ctx context.Context, _ []string, _ func(string) string, _ io.Reader, stdout, _ io.Writer) error {
			_, _ = io.WriteString(stdout, "ready\n")
			<-ctx.Done()
			_, _ = io.WriteString(stdout, "cancelled\n")
			select {} // a command that ignores its context from here on
		})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestMainSecondSignalEndsTheProcess$")
	cmd.Env = append(os.Environ(), "CLI_SIGNAL_CHILD=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 2)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				lines <- string(buf[:n])
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	wait := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			require.Contains(t, got, want)
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("no %q from the child", want)
		}
	}
	wait("ready")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	wait("cancelled")
	// Main restores the default action just after the cancel, so a signal
	// sent in that instant is still caught: send it until one lands.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	_ = cmd.Process.Signal(syscall.SIGINT)
	for range 300 {
		select {
		case err := <-done:
			done <- err
		case <-tick.C:
			_ = cmd.Process.Signal(syscall.SIGINT)
			continue
		}
		break
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "want the child ended by a signal, got %v", err)
		ws, ok := ee.Sys().(syscall.WaitStatus)
		require.True(t, ok)
		require.True(t, ws.Signaled(), "want the child ended by the signal, got %v", err)
		require.Equal(t, syscall.SIGINT, ws.Signal())
	default:
		_ = cmd.Process.Kill()
		t.Fatal("a second SIGINT did not end the process within 30 s")
	}
}
