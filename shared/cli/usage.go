// Package cli holds what the two commands (train, predict) share: main
// (Main, Run, Report), the exit statuses of the contract (2 for a
// UsageError, a mistake in the command line or environment; 1 for a failed
// run), choosing the subcommand (Select) and a usage text that lists the
// commands before the flags, reading the configuration once with every
// bad value named in one error (Settings), opening the model store, and a
// progress display that redraws one line on a terminal and writes plain
// log lines anywhere else.
package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
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

// Select splits a command line into the subcommand and its arguments: the
// first argument when it is not a flag, else the default command. "help"
// asks for the default command's usage. An unknown name is a UsageError
// that lists the commands.
func Select(prog string, args []string, cmds []Command) (string, []string, error) {
	def, names := "", make([]string, 0, len(cmds))
	for _, c := range cmds {
		if c.Default {
			def = c.Name
		}
		names = append(names, c.Name)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return def, args, nil
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" {
		return def, []string{"-h"}, nil
	}
	for _, n := range names {
		if n == cmd {
			return cmd, rest, nil
		}
	}
	return "", nil, Usage(fmt.Errorf("unknown command %q (want %s; %s -h lists them)", cmd, orList(names), prog))
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
