package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
)

// train -h (and train help, and COMMAND -h) lists every command, one line
// each, before the flags of the command asked about, and exits 0.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"versions", "-h"}, {"run", "-help"}} {
		out, err := runTrain(t, env(), args...)
		require.ErrorIs(t, err, flag.ErrHelp, "%v", args)
		assert.Equal(t, 0, cli.ExitCode(err))
		flags := strings.Index(out, "Flags of train ")
		require.Positive(t, flags, "%v:\n%s", args, out)
		for _, c := range commands {
			i := strings.Index(out, "\n  "+c.Name+" ")
			assert.True(t, i > 0 && i < flags, "%v: %s listed before the flags", args, c.Name)
		}
	}
	out, _ := runTrain(t, env(), "versions", "-h")
	assert.Contains(t, out, "Flags of train versions:")
	assert.Contains(t, out, "-json")
}

func TestUnknownCommandPointsAtHelp(t *testing.T) {
	_, err := runTrain(t, env(), "fly")
	require.Error(t, err)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, err.Error(), `unknown command "fly"`)
	assert.Contains(t, err.Error(), "train -h")
}
