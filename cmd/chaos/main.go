// Command chaos is the command line of the chaos fault-injection harness: it serves
// scripted faults, runs scenarios in live or simulated time, compares strategies,
// analyses arrival logs and gates CI builds.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/internal/buildinfo"
)

// Exit statuses of the command line contract (docs/DESIGN.md).
const (
	exitOK       = 0
	exitFailed   = 1 // an assertion of `chaos check` failed
	exitBadInput = 2 // unknown flag, invalid scenario, unreadable file
)

// exitError carries an explicit exit status; any other error is bad input.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// failed marks an error as a failed check (exit 1) rather than bad input.
func failed(err error) error { return &exitError{code: exitFailed, err: err} }

// streams are where a command writes; tests replace them with buffers.
type streams struct {
	out    io.Writer
	err    io.Writer
	global *globalFlags // the root's flags; nil in tests that build a command alone
}

// globalFlags are the flags of every command.
type globalFlags struct {
	quiet   bool
	profile profileFlags
}

// quiet is --quiet: no progress, no summary on standard error.
func (s streams) quiet() bool { return s.global != nil && s.global.quiet }

// subcommands is filled by the init functions of the files that implement each
// subcommand, so adding a command never touches this file.
var subcommands []func(s streams) *cobra.Command

func newRootCmd(s streams) (*cobra.Command, *globalFlags) {
	root := &cobra.Command{
		Use:   "chaos",
		Short: "Fault injection and resilience statistics for HTTP API clients",
		Long: `chaos serves scripted HTTP faults (429 with Retry-After, 5xx, hangs, resets,
broken bodies, overload), runs fleets of clients with retry, backoff, jitter and
circuit-breaker policies against them, live on loopback or simulated in virtual
time, and turns every attempt into statistics and reports.

Exit status: 0 success, 1 an assertion of 'chaos check' failed or a run
failed, 2 bad input, 130 interrupted (SIGINT, Ctrl-C), 143 terminated
(SIGTERM).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.Version = buildinfo.String()
	root.SetVersionTemplate("chaos {{.Version}}\n")
	s.global = &globalFlags{}
	root.PersistentFlags().BoolVarP(&s.global.quiet, "quiet", "q", false, "print no progress on standard error (results, warnings and errors still are)")
	s.global.profile.register(root)
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return s.global.profile.start() }
	// Flag errors are bad input: report them with the usage hint and exit 2.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for usage", plainFlagError(err), c.CommandPath())
	})
	for _, mk := range subcommands {
		root.AddCommand(mk(s))
	}
	registerCompletions(root)
	return root, s.global
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, s streams) int {
	root, global := newRootCmd(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if perr := global.profile.stop(); err == nil {
		err = perr
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(s.err, "chaos:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitBadInput
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, status := interruptible(context.Background(), sigs, func() { signal.Stop(sigs) })
	code := run(ctx, os.Args[1:], streams{out: os.Stdout, err: os.Stderr})
	os.Exit(status(code))
}

// interruptible returns a context canceled by the first signal from sigs,
// and the exit status to use for a command's: 128+N when signal N came and
// the command did not succeed (130 for SIGINT, 143 for SIGTERM, as a shell
// reports a process the signal killed), the command's own otherwise (a
// server that shut down cleanly on SIGTERM exits 0). unhook runs at the
// first signal, so that a second one kills the process at once.
func interruptible(parent context.Context, sigs <-chan os.Signal, unhook func()) (context.Context, func(code int) int) {
	ctx, cancel := context.WithCancel(parent)
	var got atomic.Value // the syscall.Signal received
	go func() {
		select {
		case sig := <-sigs:
			if n, ok := sig.(syscall.Signal); ok {
				got.Store(n)
			}
			unhook()
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func(code int) int {
		if n, ok := got.Load().(syscall.Signal); ok && code != exitOK {
			return 128 + int(n)
		}
		return code
	}
}
