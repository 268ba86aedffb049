package faultserver

// A close closes the connection with a plain FIN and no response
// (opAbort); the client reads EOF where it expected a status line.
func (p *playout) closeConn() step { return p.last(opAbort) }
