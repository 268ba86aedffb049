package faultserver

import (
	"errors"
	"fmt"
	"net"
)

// ErrAdminExposed is what Start returns, wrapped with the address, when the
// admin API would listen without a token on an address other than loopback:
// anyone who reaches it could replace the script or read the log. Set
// AdminOptions.Token, listen on loopback, turn the admin off, or accept the
// risk with AdminOptions.Insecure.
var ErrAdminExposed = errors.New("the admin API would be reachable from other hosts without a token")

// checkBind refuses, before anything listens, an admin address that may be
// reachable beyond loopback without a token, unless the options accept the
// risk.
func (o *AdminOptions) checkBind(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err) // "localhost" without a port is no address at all
	}
	if o.Off || o.Token != "" || o.Insecure || IsLoopback(addr) {
		return nil
	}
	return fmt.Errorf("%w (on %s)", ErrAdminExposed, addr)
}

// IsLoopback reports whether a listen address (host:port) is on loopback
// only: a loopback IP or "localhost". An empty host (every interface) and any
// other name are not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
