package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/scenarios"
)

// Defaults of the run limits: generous for CI, and never unbounded.
const (
	defaultMaxDuration = 30 * time.Minute
	defaultMaxMemory   = "4GiB"
)

// limitFlags are the run limits of every command that runs scenarios.
type limitFlags struct {
	maxDuration time.Duration
	maxMemory   string
}

func (l *limitFlags) register(fl *pflag.FlagSet) {
	fl.DurationVar(&l.maxDuration, "max-duration", defaultMaxDuration, "stop a run after this much wall-clock time, and refuse a live run estimated to take longer (0 = no limit)")
	fl.StringVar(&l.maxMemory, "max-memory", defaultMaxMemory, "stop a run when the process uses more memory than this, and refuse one estimated to need more, e.g. 512MiB or 8GiB (0 = no limit)")
}

// apply validates the limits and sets them on opts.
func (l *limitFlags) apply(opts *scenarios.Options) error {
	if l.maxDuration < 0 {
		return fmt.Errorf("--max-duration %v: must not be negative (0 = no limit)", l.maxDuration)
	}
	mem, err := scenarios.ParseByteSize(l.maxMemory)
	if err != nil {
		return fmt.Errorf("--max-memory: %w", err)
	}
	opts.MaxDuration, opts.MaxMemory = l.maxDuration, mem
	return nil
}
