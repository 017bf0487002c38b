package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/runner"
)

func TestReadEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"a":1}`), 0o644))
	b, err := runner.ReadEvent(path, nil)
	require.NoError(t, err, "file")
	assert.Equal(t, `{"a":1}`, string(b), "file")

	b, err = runner.ReadEvent("-", strings.NewReader(`{"b":2}`))
	require.NoError(t, err, "stdin")
	assert.Equal(t, `{"b":2}`, string(b), "stdin")

	_, err = runner.ReadEvent(filepath.Join(t.TempDir(), "missing.json"), nil)
	assert.ErrorContains(t, err, "missing.json", "missing file: want an error naming it")
	_, err = runner.ReadEvent("-", nil)
	assert.Error(t, err, "no stdin")
	big := strings.NewReader(strings.Repeat(" ", int(runner.DefaultMaxInvokeBody)+1))
	_, err = runner.ReadEvent("-", big)
	assert.ErrorContains(t, err, "over", "oversize event")
}
