package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress is reported only for work that takes longer than progressDelay,
// and on a non-terminal (a pipe, a CI log) as a line every progressEvery, so
// quick commands and logs stay clean.
const (
	progressDelay = time.Second
	progressEvery = 5 * time.Second
)

// progress reports how far a long command has got on standard error: on a
// terminal a bar redrawn in place, elsewhere a line every progressEvery;
// each with the count done, the total, the rate and the time left (at the
// rate so far). It is safe for concurrent use.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	off      bool // --quiet
	unit     string
	now      func() time.Time
	start    time.Time
	last     time.Time // when the last line was written (non-terminal)
	lastPct  int       // the percentage last drawn (terminal)
	drawn    bool
	ended    bool // the line of the end was written (non-terminal)
}

// newProgress reports progress in unit ("logical requests") on the
// command's standard error, from now on.
func (s streams) newProgress(unit string) *progress {
	return newProgressAt(s.err, isTerminal(s.err), s.quiet(), unit, time.Now)
}

func newProgressAt(w io.Writer, terminal, quiet bool, unit string, now func() time.Time) *progress {
	return &progress{w: w, terminal: terminal, off: quiet, unit: unit, now: now, start: now(), lastPct: -1}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update takes the count done of total; it is scenarios.Options.Progress.
func (p *progress) update(done, total int64) {
	if p.off || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	elapsed := now.Sub(p.start)
	if elapsed < progressDelay {
		return
	}
	done = min(max(done, 0), total)
	pct := int(100 * done / total)
	if p.terminal {
		if pct == p.lastPct {
			return
		}
		p.lastPct, p.drawn = pct, true
		const width = 30
		filled := width * pct / 100
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), pct,
			p.figures(done, total, elapsed))
		return
	}
	switch {
	case p.ended:
		return
	case done >= total:
		if p.last.IsZero() {
			return // work that ended before its first line needs none
		}
		p.ended = true
	case p.last.IsZero() && elapsed < progressEvery:
		return // the first line comes once the work has taken progressEvery
	case !p.last.IsZero() && now.Sub(p.last) < progressEvery:
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "progress: %3d%% %s\n", pct, p.figures(done, total, elapsed))
}

// figures is "done/total unit, rate/s, ETA d".
func (p *progress) figures(done, total int64, elapsed time.Duration) string {
	rate := float64(done) / elapsed.Seconds()
	s := fmt.Sprintf("%d/%d %s, %s/s", done, total, p.unit, formatRate(rate))
	switch {
	case done >= total:
		s += ", done in " + roundDuration(elapsed).String()
	case rate > 0:
		s += ", ETA " + roundDuration(time.Duration(float64(total-done)/rate*float64(time.Second))).String()
	}
	return s
}

// finish ends the bar's line on a terminal, if it was drawn.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// formatRate writes a rate with three significant figures at most, in
// thousands (k) or millions (M) past 10,000.
func formatRate(r float64) string {
	switch {
	case r >= 1e7:
		return fmt.Sprintf("%.1fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.0fk", r/1e3)
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	default:
		return fmt.Sprintf("%.3g", r)
	}
}

// roundDuration rounds a duration for a person: to the second from ten
// seconds, else to the tenth of a second.
func roundDuration(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
