package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/analysis"
)

// retryWindowFlag is --retry-window, on every command that analyses Records.
type retryWindowFlag struct {
	d  time.Duration
	fl *pflag.FlagSet
}

func (r *retryWindowFlag) register(fl *pflag.FlagSet) {
	r.fl = fl
	fl.DurationVar(&r.d, "retry-window", analysis.DefaultRetryWindow,
		"sliding window of the herd figures: retry_max_window is the most retries arriving within it, retry_peak_rate the same per second, peak_to_capacity the same over what the server's capacity admits in it; keep it the same for runs you compare")
}

// value is the window, refused when it is not positive.
func (r *retryWindowFlag) value() (time.Duration, error) {
	if r.d <= 0 {
		return 0, fmt.Errorf("--retry-window %v: want a positive duration, such as 16ms", r.d)
	}
	return r.d, nil
}

// words are the flag as it goes on a command line that reproduces the run:
// nothing when it was not set, as the default is one fixed window.
func (r *retryWindowFlag) words() []string {
	if r.fl == nil || !r.fl.Changed("retry-window") {
		return nil
	}
	return []string{"--retry-window", r.d.String()}
}
