//go:build unix

package main

import (
	"os"
	"strings"
	"syscall"
)

// unblockOpen ends an open of the FIFO at uri that waits for a writer (an
// open the runtime cannot interrupt): it opens the FIFO for writing, which
// lets the waiting open return, and closes it at once, so the reader sees
// the end of the data. Anything that is not a local FIFO is left alone.
func unblockOpen(uri string) {
	path := strings.TrimPrefix(uri, "file://")
	if path == "" || strings.Contains(path, "://") {
		return
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}
