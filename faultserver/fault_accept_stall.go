package faultserver

import (
	"time"

	"github.com/chaos-harness/chaos/record"
)

// An accept stall is decided at accept time and performed there
// (tlsdecide.go, tlsaccept.go): the connection is accepted and never read
// until the stall's duration passes, then closed. Its playout in virtual
// time is a TLS stall's (stallWalk).
func init() {
	registerStall(record.FaultAcceptStall, func(f *FaultSpec) time.Duration { return f.AcceptStall })
}
