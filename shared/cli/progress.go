package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal, where a redrawn line makes
// sense; anything else (a file, a pipe, a log collector) gets plain lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// redrawEvery bounds how often a terminal line is redrawn.
const redrawEvery = 100 * time.Millisecond

// Progress shows how far a long job of counted steps is: on a terminal one
// line redrawn in place (what runs now, steps done of total, elapsed, an
// estimate of the rest), elsewhere a plain line at every tenth of the job.
// Its methods are safe for concurrent use, since the steps finish on
// several workers.
type Progress struct {
	w     io.Writer
	tty   bool
	label string
	now   func() time.Time
	start time.Time

	mu      sync.Mutex
	drawn   time.Time // last redraw on a terminal
	tenths  int       // tenths of the job reported as plain lines
	written bool      // a terminal line is showing
}

// NewProgress starts a display on w, redrawn in place when tty is true.
// label names the job ("search"); now is the clock (time.Now).
func NewProgress(w io.Writer, tty bool, label string, now func() time.Time) *Progress {
	return &Progress{w: w, tty: tty, label: label, now: now, start: now()}
}

// Step records that done of total steps are finished, the last one of
// what (e.g. a model family).
func (p *Progress) Step(what string, done, total int) {
	if total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	elapsed := t.Sub(p.start)
	if p.tty {
		if done < total && t.Sub(p.drawn) < redrawEvery {
			return
		}
		p.drawn, p.written = t, true
		// \r and "erase line" redraw in place.
		fmt.Fprintf(p.w, "\r\x1b[2K%s", p.line(what, done, total, elapsed))
		return
	}
	if tenths := 10 * done / total; tenths > p.tenths {
		p.tenths = tenths
		fmt.Fprintln(p.w, p.line(what, done, total, elapsed))
	}
}

// line is one progress report.
func (p *Progress) line(what string, done, total int, elapsed time.Duration) string {
	s := fmt.Sprintf("%s: %3d%%  %d/%d done, last %s, %.1fs elapsed", p.label, 100*done/total, done, total, what, elapsed.Seconds())
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		s += fmt.Sprintf(", about %.1fs left", left.Seconds())
	}
	return s
}

// Finish ends the display: a terminal's line is cleared, so that what is
// printed next starts on a clean line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.written {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.written = false
	}
}
