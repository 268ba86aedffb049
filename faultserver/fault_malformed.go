package faultserver

// malformed answers with bytes that are not HTTP, then closes the connection.
func (x *exchange) malformed() delivery {
	conn, brw, ok := x.hijack()
	if !ok {
		return delivery{}
	}
	_, _ = brw.Write(x.d.Malformed)
	_ = brw.Flush()
	_ = conn.Close()
	return delivery{}
}
