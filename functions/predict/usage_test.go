package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

func runPredictArgs(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

// predict -h (and predict help, and COMMAND -h) lists every command, one
// line each, before the flags of the command asked about, and exits 0.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"batch", "-h"}, {"invoke", "-help"}} {
		out, err := runPredictArgs(args...)
		require.ErrorIs(t, err, flag.ErrHelp, "%v", args)
		assert.Equal(t, 0, cli.ExitCode(err))
		flags := strings.Index(out, "Flags of predict ")
		require.Positive(t, flags, "%v:\n%s", args, out)
		for _, c := range commands {
			i := strings.Index(out, "\n  "+c.Name+" ")
			assert.True(t, i > 0 && i < flags, "%v: %s listed before the flags", args, c.Name)
		}
	}
	out, _ := runPredictArgs("batch", "-h")
	assert.Contains(t, out, "Flags of predict batch:")
	assert.Contains(t, out, "-errors")
}

func TestUnknownCommandPointsAtHelp(t *testing.T) {
	_, err := runPredictArgs("fly")
	require.Error(t, err)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, err.Error(), `unknown command "fly"`)
	assert.Contains(t, err.Error(), "predict -h")
}
