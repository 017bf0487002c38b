package cli

import (
	"context"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/modelstore"
)

func TestSettingsNameEveryProblemInOneUsageError(t *testing.T) {
	env := map[string]string{"MAX_BATCH": "0", "MAX_BODY_BYTES": "1x", "MODEL_NAME": "m"}
	set := NewSettings(func(k string) string { return env[k] })
	var batch int
	var body int64 = 7
	var name string
	set.Env("MAX_BATCH", Positive(&batch))
	set.Env("MAX_BODY_BYTES", Positive64(&body))
	set.Env("MODEL_NAME", String(&name))
	set.Env("UNSET", func(string) error { t.Error("an unset variable is not read"); return nil })
	fs := flag.NewFlagSet("predict serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	require.NoError(t, set.Parse(fs, []string{"extra"}))
	set.Problemf("-folds %d: need at least 2", 1)

	err := set.Err()
	assert.Equal(t, 2, ExitCode(err))
	assert.EqualError(t, err, `config: MAX_BATCH="0": want a whole number of at least 1; `+
		`MAX_BODY_BYTES="1x": want a whole number of at least 1; unexpected arguments ["extra"]; -folds 1: need at least 2`)
	assert.Equal(t, "m", name)
	assert.EqualValues(t, 7, body, "a bad value leaves the default")
}

func TestSettingsParse(t *testing.T) {
	set := NewSettings(func(string) string { return "" })
	fs := flag.NewFlagSet("train run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := 0
	fs.Func("n", "rows", Positive(&n))
	assert.ErrorIs(t, set.Parse(fs, []string{"-h"}), flag.ErrHelp)
	err := set.Parse(fs, []string{"-n", "-3"})
	assert.Equal(t, 2, ExitCode(err), "a bad flag is a usage error: %v", err)
	assert.ErrorContains(t, err, "want a whole number of at least 1")
	require.NoError(t, set.Parse(fs, []string{"-n", " 12 "}))
	assert.Equal(t, 12, n)
	assert.NoError(t, set.Err())
}

func TestOpenStore(t *testing.T) {
	s, err := OpenStore(context.Background(), t.TempDir(), modelstore.Options{})
	require.NoError(t, err)
	assert.NotNil(t, s)
	_, err = OpenStore(context.Background(), "ftp://host/models", modelstore.Options{})
	assert.Equal(t, 2, ExitCode(err), "a store URI that cannot be opened is a usage error: %v", err)
}
