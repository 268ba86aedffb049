package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/problem"
	"github.com/chaos-harness/chaos/record"
)

func init() {
	registerStall(record.FaultTLSStall, func(f *FaultSpec) time.Duration { return f.TLSStall })
}

// registerStall registers a kind that stalls a new connection for the
// duration its field gives (tls_stall, accept_stall).
func registerStall(name string, field func(*FaultSpec) time.Duration) {
	registerKind(&actionKind{
		name:       name,
		given:      func(f *FaultSpec) bool { return field(f) != 0 },
		compile:    func(f *FaultSpec, a *action) { a.param = int64(field(f)) },
		walk:       stallWalk,
		noResponse: true,
		holding:    true,
		preRequest: true,
		problems: func(f *FaultSpec, path string, p *problem.List) {
			if field(f) < 0 {
				p.Add(path+"."+name, "must be a positive duration")
			}
		},
	})
}

// A TLS stall is decided at accept time and performed there (tlsdecide.go,
// tlsaccept.go): the server reads the ClientHello and answers nothing until
// the stall's duration passes, then closes; an accept stall
// (fault_accept_stall.go) does not even read. In virtual time, where an
// attempt stands for a new connection, both are held as a hang, then
// closed: the client's timeout fires first, or it reads EOF.
func stallWalk(param int64) *walk {
	return walkOf(step{op: opHang, wait: time.Duration(param)}, step{op: opAbort})
}
