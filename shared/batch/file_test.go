package batch

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// names lists a directory.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var ns []string
	for _, e := range es {
		ns = append(ns, e.Name())
	}
	return ns
}

// Each way of writing a local output shows nothing at the target until
// Commit, then the whole file (replacing an older one, mode 0644), and
// nothing at all after Abort.
func TestFileOutputs(t *testing.T) {
	for _, c := range []struct {
		name   string
		create func(string) (Output, error)
	}{{"default", createFile}, {"named", createNamed}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "scored.csv")
			for i, content := range []string{"first\n", "second, replacing it\n"} {
				out, err := c.create(path)
				require.NoError(t, err)
				_, err = out.Write([]byte(content))
				require.NoError(t, err)
				if i == 0 {
					_, err := os.Stat(path)
					assert.ErrorIs(t, err, os.ErrNotExist, "the target appears only at Commit")
				}
				require.NoError(t, out.Commit())
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, content, string(got))
				fi, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
				assert.Equal(t, []string{"scored.csv"}, names(t, dir), "nothing but the target")
				assert.Error(t, out.Commit(), "a second Commit")
			}
			out, err := c.create(filepath.Join(dir, "aborted.csv"))
			require.NoError(t, err)
			_, err = out.Write([]byte("partial"))
			require.NoError(t, err)
			require.NoError(t, out.Abort())
			assert.Equal(t, []string{"scored.csv"}, names(t, dir), "Abort leaves nothing")
		})
	}
}

// On Linux the output has no name at all while it is written.
func TestFileOutputUnnamedOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("O_TMPFILE is Linux only")
	}
	dir := t.TempDir()
	out, err := createFile(filepath.Join(dir, "scored.csv"))
	require.NoError(t, err)
	defer out.Abort()
	_, err = out.Write([]byte("rows\n"))
	require.NoError(t, err)
	assert.True(t, out.(*file).unnamed, "this file system takes O_TMPFILE, so the output must be unnamed")
	assert.Empty(t, names(t, dir), "an output being written has no name")
}

// The helper process of TestSweepAfterKill: it opens a named output and
// waits to be killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("BATCH_TEST_HOLD_OUTPUT"); path != "" {
		out, err := createNamed(path)
		if err != nil {
			os.Exit(3)
		}
		out.Write([]byte("partial"))
		os.Stdout.WriteString("ready\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A named temporary file whose writer was killed (SIGKILL: no cleanup)
// is removed by the next output to the same target; one whose writer is
// alive is not.
func TestSweepAfterKill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "scored.csv")
	hold := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), "BATCH_TEST_HOLD_OUTPUT="+path)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		buf := make([]byte, 6)
		_, err = stdout.Read(buf)
		require.NoError(t, err, "the helper did not start")
		require.Equal(t, "ready\n", string(buf))
		return cmd
	}
	killed, live := hold(), hold()
	t.Cleanup(func() { live.Process.Kill(); live.Wait() })
	require.NoError(t, killed.Process.Kill())
	killed.Wait()
	left := names(t, dir)
	require.Len(t, left, 2, "two temporary files, one of a dead writer")

	out, err := createFile(path)
	require.NoError(t, err)
	require.NoError(t, out.Abort())
	after := names(t, dir)
	require.Len(t, after, 1, "the dead writer's file is swept, the live one's kept: %v", after)
	assert.Contains(t, left, after[0])

	require.NoError(t, live.Process.Kill())
	live.Wait()
	out, err = createFile(path)
	require.NoError(t, err)
	require.NoError(t, out.Abort())
	assert.Empty(t, names(t, dir), "once its writer is gone, that one too")
}

func TestGlobEscape(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a[1]*.csv")
	other := filepath.Join(dir, ".a1x.csv.tmp-9")
	require.NoError(t, os.WriteFile(other, nil, 0o600))
	out, err := createFile(path)
	require.NoError(t, err)
	require.NoError(t, out.Abort())
	assert.Equal(t, []string{".a1x.csv.tmp-9"}, names(t, dir), "a pattern in the target's name matches only its own temporary files")
}
