package faultserver

// hang holds the request without answering until the hang's duration passes,
// the client goes away or the server closes, then closes the connection with
// no response.
func (x *exchange) hang() delivery {
	x.srv.hung.Add(1)
	x.srv.metrics.hung.Inc()
	x.wait(x.d.Hang)
	x.srv.hung.Add(-1)
	x.srv.metrics.hung.Dec()
	x.abort()
	return delivery{}
}
