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
	"syscall"

	"github.com/spf13/cobra"
)

// Exit statuses of the command line contract (DESIGN.md).
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
	out io.Writer
	err io.Writer
}

// subcommands is filled by the init functions of the files that implement each
// subcommand, so adding a command never touches this file.
var subcommands []func(s streams) *cobra.Command

func newRootCmd(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "chaos",
		Short: "Fault injection and resilience statistics for HTTP API clients",
		Long: `chaos serves scripted HTTP faults (429 with Retry-After, 5xx, hangs, resets,
broken bodies, overload), runs fleets of clients with retry, backoff, jitter and
circuit-breaker policies against them, live on loopback or simulated in virtual
time, and turns every attempt into statistics and reports.

Exit status: 0 success, 1 an assertion of 'chaos check' failed, 2 bad input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(s.out)
	root.SetErr(s.err)
	// Flag errors are bad input: report them with the usage hint and exit 2.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath())
	})
	for _, mk := range subcommands {
		root.AddCommand(mk(s))
	}
	return root
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, s streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], streams{out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
