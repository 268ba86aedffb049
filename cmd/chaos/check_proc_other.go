//go:build !unix

package main

import "os/exec"

// inOwnProcessGroup leaves cmd as it is where there are no process groups:
// cancellation kills sh alone.
func inOwnProcessGroup(*exec.Cmd) {}
