package faultserver

import "github.com/chaos-harness/chaos/record"

func init() {
	registerKind(&actionKind{
		name:    record.FaultClose,
		given:   func(f *FaultSpec) bool { return f.Close },
		compile: func(*FaultSpec, *action) {},
		// A close closes the connection with a plain FIN and no response
		// (opAbort); the client reads EOF where it expected a status line.
		walk:       func(int64) *walk { return walkOf(step{op: opAbort}) },
		noResponse: true,
	})
}
