package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileFlags are --cpuprofile and --memprofile, for measuring the whole
// command (docs/PERFORMANCE.md): a CPU profile of its run, and a heap
// profile at its end, for `go tool pprof`.
type profileFlags struct {
	cpu, mem string
	cpuFile  *os.File
}

func (p *profileFlags) register(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the command to FILE (go tool pprof FILE)")
	pf.StringVar(&p.mem, "memprofile", "", "write a heap profile at the command's end to FILE (go tool pprof FILE)")
}

// start begins the CPU profile, if asked for.
func (p *profileFlags) start() error {
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

// stop ends the CPU profile and writes the heap profile, if asked for;
// it runs however the command ended.
func (p *profileFlags) stop() error {
	var errs []error
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
