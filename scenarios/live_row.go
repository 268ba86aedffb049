package scenarios

import (
	"io"
	"net/http"

	"github.com/chaos-harness/chaos/record"
)

// rowTransport performs one attempt of an optimistic-concurrency write as the
// contention model has it: read the row's version (GET, with the attempt's
// identity headers), then send the write with If-Match. A failed read is the
// attempt's failure. The reads are logged by the server like any request;
// the live engine drops them, since in this model only writes are attempts.
type rowTransport struct {
	base http.RoundTripper
}

func (t *rowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	read, err := http.NewRequestWithContext(req.Context(), http.MethodGet, req.URL.String(), nil)
	if err != nil {
		return nil, err
	}
	for _, h := range []string{record.HeaderClient, record.HeaderRequest, record.HeaderAttempt} {
		read.Header.Set(h, req.Header.Get(h))
	}
	resp, err := t.base.RoundTrip(read)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	if resp.StatusCode >= 400 {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return resp, nil
	}
	etag := resp.Header.Get("ETag")
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	write := req.Clone(req.Context())
	write.Header.Set("If-Match", etag)
	return t.base.RoundTrip(write)
}
