package cli

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var commands = []Command{
	{Name: "run", Summary: "one training run", Default: true},
	{Name: "invoke", Args: "-event FILE|-", Summary: "run the Lambda handler once"},
}

func TestUsageListsCommandsBeforeFlags(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("train run", flag.ContinueOnError)
	fs.SetOutput(&out)
	fs.String("data", "sample", "training CSV")
	SetUsage(fs, "train", "run", commands)

	err := fs.Parse([]string{"-h"})
	require.ErrorIs(t, err, flag.ErrHelp)
	text := out.String()
	run := strings.Index(text, "  run ")
	invoke := strings.Index(text, "  invoke -event FILE|-")
	data := strings.Index(text, "-data")
	require.True(t, run > 0 && invoke > run && data > invoke, "commands, one a line, then flags:\n%s", text)
	assert.Contains(t, text, "one training run (the default)")
	assert.Contains(t, text, "Flags of train run:")
	// Every command is on one line.
	for _, c := range commands {
		n := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), c.Name+" ") {
				n++
			}
		}
		assert.Equal(t, 1, n, "%s is on one line", c.Name)
	}
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestProgressPlainLinesAtTenths(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	p := NewProgress(&out, false, "search", c.now)
	for i := 1; i <= 40; i++ {
		c.t = c.t.Add(50 * time.Millisecond)
		p.Step("boost", i, 40)
	}
	p.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 10, "one line per tenth:\n%s", out.String())
	assert.NotContains(t, out.String(), "\r", "no terminal control in a log")
	assert.Equal(t, "search:  10%  4/40 done, last boost, 0.2s elapsed, about 1.8s left", lines[0])
	assert.Equal(t, "search: 100%  40/40 done, last boost, 2.0s elapsed", lines[9])
}

func TestProgressTerminalRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	c := &clock{t: time.Unix(0, 0)}
	p := NewProgress(&out, true, "search", c.now)
	for i := 1; i <= 100; i++ {
		c.t = c.t.Add(10 * time.Millisecond) // 10 steps per redraw interval
		p.Step("forest", i, 100)
	}
	text := out.String()
	assert.NotContains(t, text, "\n", "a terminal line is redrawn in place")
	draws := strings.Count(text, "\r\x1b[2K")
	assert.True(t, draws >= 10 && draws <= 11, "about one redraw per 100ms, got %d", draws)
	assert.True(t, strings.HasSuffix(text, "search: 100%  100/100 done, last forest, 1.0s elapsed"), "the last step is always drawn: %q", text[len(text)-60:])
	p.Finish()
	assert.True(t, strings.HasSuffix(out.String(), "\r\x1b[2K"), "Finish clears the line")
}

func TestProgressConcurrentSteps(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, false, "search", time.Now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 250 {
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				p.Step("knn", d, 1000)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, strings.Count(out.String(), "\n"), 10)
	assert.Contains(t, out.String(), "1000/1000")
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, IsTerminal(&bytes.Buffer{}))
	f, err := os.CreateTemp(t.TempDir(), "log")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a regular file is not a terminal")
}
