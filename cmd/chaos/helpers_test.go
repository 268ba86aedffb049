package main

import (
	"bytes"
	"context"
)

// result is what one in-process invocation of the command line produced.
type result struct {
	code   int
	stdout string
	stderr string
}

// chaos runs the command line in-process with args and captures its output.
func chaos(args ...string) result {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, streams{out: &out, err: &errb})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
