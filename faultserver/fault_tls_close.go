package faultserver

import "github.com/chaos-harness/chaos/record"

func init() {
	registerKind(&actionKind{
		name:       record.FaultTLSClose,
		given:      func(f *FaultSpec) bool { return f.TLSClose },
		compile:    func(*FaultSpec, *action) {},
		walk:       func(int64) *walk { return walkOf(step{op: opAbort}) },
		noResponse: true,
		preRequest: true,
	})
}

// A TLS close is decided at accept time and performed there (tlsdecide.go,
// tlsaccept.go): the server reads the ClientHello and closes the connection
// (FIN) without answering it. In virtual time, where an attempt stands for
// a new connection, the client reads EOF, as from close.
