package faultserver

import "github.com/chaos-harness/chaos/record"

func init() {
	registerKind(&actionKind{
		name:       record.FaultTLSBadCert,
		given:      func(f *FaultSpec) bool { return f.TLSBadCert },
		compile:    func(*FaultSpec, *action) {},
		walk:       func(int64) *walk { return walkOf(step{op: opBadCert}) },
		noResponse: true,
		preRequest: true,
	})
}

// A bad certificate is decided at accept time and performed there
// (tlsdecide.go, tlsaccept.go): the server answers the handshake with a
// certificate from a CA made for nothing and trusted by no one
// (untrustedIdentity), which the client refuses. In virtual time, where an
// attempt stands for a new connection, the client reads the refused
// handshake (opBadCert, EndBadCert).

// badCert ends the request in virtual time as a new connection would end:
// with a certificate the client refuses.
func (v *virtual) badCert() { v.ending = EndBadCert }
