package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spf13/cobra"
)

// profileFlags are --cpuprofile, --memprofile and --trace, for measuring
// the whole command (docs/PERFORMANCE.md): a CPU profile of its run and a
// heap profile at its end, for `go tool pprof`, and an execution trace, for
// `go tool trace`.
type profileFlags struct {
	cpu, mem, trace    string
	cpuFile, traceFile *os.File
}

func (p *profileFlags) register(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the command to FILE (go tool pprof FILE)")
	pf.StringVar(&p.mem, "memprofile", "", "write a heap profile at the command's end to FILE (go tool pprof FILE)")
	pf.StringVar(&p.trace, "trace", "", "write an execution trace of the command to FILE (go tool trace FILE): which goroutine ran or waited when")
}

// start begins the CPU profile and the execution trace, if asked for.
func (p *profileFlags) start() error {
	if p.trace != "" {
		f, err := os.Create(p.trace)
		if err != nil {
			return fmt.Errorf("--trace: %w", err)
		}
		if err := trace.Start(f); err != nil {
			_ = f.Close()
			return fmt.Errorf("--trace: %w", err)
		}
		p.traceFile = f
	}
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the execution trace and the CPU profile and writes the heap
// profile, if asked for; it runs however the command ended.
func (p *profileFlags) stop() error {
	var errs []error
	if p.traceFile != nil {
		trace.Stop()
		if err := p.traceFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--trace: %w", err))
		}
		p.traceFile = nil
	}
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := p.cpuFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--cpuprofile: %w", err))
		}
		p.cpuFile = nil
	}
	if p.mem != "" {
		f, err := os.Create(p.mem)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("--memprofile: %w", err))...)
		}
		runtime.GC() // the heap as the command left it, not its garbage
		if err := pprof.WriteHeapProfile(f); err != nil {
			errs = append(errs, fmt.Errorf("--memprofile: %w", err))
		}
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--memprofile: %w", err))
		}
	}
	return errors.Join(errs...)
}
