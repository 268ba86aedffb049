//go:build race

package faultserver_test

// raceEnabled: under the race detector sync.Pool drops what it is given at
// random, so encoding/json allocates anew per Record, and allocation bounds
// are not asserted.
const raceEnabled = true
