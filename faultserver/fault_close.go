package faultserver

// closeConn closes the connection with a plain FIN and no response; the
// client reads EOF where it expected a status line.
func (x *exchange) closeConn() delivery {
	x.abort()
	return delivery{}
}
