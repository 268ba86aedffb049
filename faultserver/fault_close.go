package faultserver

import "github.com/chaos-harness/chaos/record"

func init() {
	registerKind(&actionKind{
		name:       record.FaultClose,
		given:      func(f *FaultSpec) bool { return f.Close },
		compile:    func(*FaultSpec, *action) {},
		noResponse: true,
	})
}

// A close closes the connection with a plain FIN and no response
// (opAbort); the client reads EOF where it expected a status line.
func (p *playout) closeConn() step { return p.last(opAbort) }
