// Package cli holds what the two commands' command lines share: a usage
// text that lists the commands before the flags, and a progress display
// that redraws one line on a terminal and writes plain log lines anywhere
// else.
package cli

import (
	"flag"
	"fmt"
	"io"
)

// Command is one subcommand of a program, as its usage lists it.
type Command struct {
	Name    string
	Args    string // the arguments after the name, e.g. "-event FILE|-"
	Summary string // one line
	Default bool   // run when no command is named
}

// SetUsage makes fs print, on -h or a flag error, the program's commands
// (one line each) and then the flags of the command being parsed.
func SetUsage(fs *flag.FlagSet, prog, cmd string, cmds []Command) {
	fs.Usage = func() { WriteUsage(fs.Output(), fs, prog, cmd, cmds) }
}

// WriteUsage writes the usage text of SetUsage to w.
func WriteUsage(w io.Writer, fs *flag.FlagSet, prog, cmd string, cmds []Command) {
	fmt.Fprintf(w, "Usage: %s [command] [flags]\n\nCommands:\n", prog)
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.Name)+len(c.Args)+1)
	}
	for _, c := range cmds {
		line := c.Name
		if c.Args != "" {
			line += " " + c.Args
		}
		summary := c.Summary
		if c.Default {
			summary += " (the default)"
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, line, summary)
	}
	fmt.Fprintf(w, "\nRun '%s COMMAND -h' for a command's flags. Flags of %s %s:\n", prog, prog, cmd)
	fs.PrintDefaults()
}
