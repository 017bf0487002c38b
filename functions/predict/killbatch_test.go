//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// unnamedFiles reports whether dir's file system makes unnamed files
// (O_TMPFILE), as predict batch does where it can.
func unnamedFiles(dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// openUnder counts the descriptors of process pid open on files in dir
// (an unnamed O_TMPFILE file shows as "DIR/#INODE (deleted)").
func openUnder(pid int, dir string) int {
	fds, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if err == nil && strings.HasPrefix(target, dir+"/") {
			n++
		}
	}
	return n
}

// A real predict batch killed with SIGKILL mid-run, its output and errors
// files open and half written, leaves no name behind; the next run writes
// both whole.
func TestBatchKilledLeavesNothing(t *testing.T) {
	store := batchStore(t)
	bin := buildPredict(t)
	dir := t.TempDir()
	out, errs := filepath.Join(dir, "scored.csv"), filepath.Join(dir, "bad.csv")
	data := generated(t, 20000, 3)
	data = append(data, "female,group B,bachelor's degree,standard,none,72,seventy-four,60\n"...)

	cmd := exec.Command(bin, "batch", "-in", "-", "-out", out, "-errors", errs)
	cmd.Env = append(os.Environ(), "MODEL_STORE="+store)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	// Half the rows, then the job waits on its input: mid-run for sure.
	_, err = stdin.Write(data[:len(data)/2])
	require.NoError(t, err)
	deadline := time.Now().Add(20 * time.Second)
	for openUnder(cmd.Process.Pid, dir) < 2 {
		require.False(t, time.Now().After(deadline), "predict batch did not open its two outputs within 20s: %s", stderr.String())
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	stdin.Close()
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	if unnamedFiles(dir) {
		assert.Empty(t, left, "a killed predict batch left names behind")
	} else {
		// Without O_TMPFILE: locked temporary files, swept by the next run.
		for _, e := range left {
			assert.Regexp(t, `^\.(scored|bad)\.csv\.tmp-`, e.Name(), "a killed predict batch left a name that is not its temporary file")
		}
		t.Logf("%s has no O_TMPFILE: the killed job left %d temporary files for the next run to sweep", dir, len(left))
	}

	rerun := exec.Command(bin, "batch", "-in", "-", "-out", out, "-errors", errs)
	rerun.Env = cmd.Env
	rerun.Stdin = bytes.NewReader(data)
	msg, err := rerun.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	left, err = os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range left {
		got = append(got, e.Name())
	}
	assert.Equal(t, []string{"bad.csv", "scored.csv"}, got, "the next run: the two outputs and nothing else")
	scored, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 20001, bytes.Count(scored, []byte{'\n'}), "header and every good row")
}
