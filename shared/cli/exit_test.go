package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"-h", fmt.Errorf("parse: %w", flag.ErrHelp), 0},
		{"usage", Usage(errors.New("config: -folds 1: need at least 2")), 2},
		{"usage wrapped", fmt.Errorf("open store: %w", Usage(errors.New("bad URI"))), 2},
		{"run failure", errors.New("search: no model reached MIN_R2"), 1},
	} {
		assert.Equal(t, tc.want, ExitCode(tc.err), tc.name)
	}
	assert.NoError(t, Usage(nil), "nil stays nil")
}

func TestReportOneLineWithProgramName(t *testing.T) {
	var w bytes.Buffer
	code := Report(&w, "train", Usage(errors.New("config: MIN_R2=\"x\":\n\twant a number")))
	assert.Equal(t, 2, code)
	assert.Equal(t, "train: config: MIN_R2=\"x\": want a number\n", w.String())

	w.Reset()
	assert.Equal(t, 1, Report(&w, "train", fmt.Errorf("train: rollback: %w", errors.New("no older version"))))
	assert.Equal(t, "train: rollback: no older version\n", w.String(), "the program is named once")

	w.Reset()
	assert.Equal(t, 0, Report(&w, "train", flag.ErrHelp))
	assert.Empty(t, w.String(), "-h printed the usage already")
	assert.Equal(t, 0, Report(&w, "train", nil))
	assert.Empty(t, w.String())
}

func TestSelect(t *testing.T) {
	cmds := []Command{{Name: "serve", Default: true}, {Name: "invoke"}, {Name: "batch"}}
	for _, tc := range []struct {
		args     []string
		cmd      string
		wantArgs []string
	}{
		{nil, "serve", nil},
		{[]string{"-addr", ":0"}, "serve", []string{"-addr", ":0"}},
		{[]string{"batch", "-in", "x"}, "batch", []string{"-in", "x"}},
		{[]string{"help", "ignored"}, "serve", []string{"-h"}},
	} {
		cmd, args, err := Select("predict", tc.args, cmds)
		assert.NoError(t, err, "%v", tc.args)
		assert.Equal(t, tc.cmd, cmd, "%v", tc.args)
		assert.Equal(t, tc.wantArgs, args, "%v", tc.args)
	}
	_, _, err := Select("predict", []string{"fly"}, cmds)
	assert.Equal(t, 2, ExitCode(err))
	assert.EqualError(t, err, `unknown command "fly" (want serve, invoke or batch; predict -h lists them)`)
}
