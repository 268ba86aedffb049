package faultserver

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/chaos-harness/chaos/record"
	"github.com/gorilla/mux"
	"go.yaml.in/yaml/v3"
)

// adminPrefix is where the admin API lives. Requests under it are never
// faulted nor logged.
const adminPrefix = "/_chaos/"

// maxScriptBytes bounds a script sent to PUT /_chaos/script.
const maxScriptBytes = 1 << 20

// adminRoutes registers the admin API:
//
//	GET  /_chaos/               the list of endpoints
//	GET  /_chaos/health         200 {"status":"ok",...}
//	GET  /_chaos/script         the script in force, as YAML (X-Chaos-Seed: its seed)
//	PUT  /_chaos/script[?seed=N] replace it (a bare script or a scenario file; 400 names line and field)
//	GET  /_chaos/log[?offset=N&limit=M] Records as JSON lines from offset N, streamed a page at a time
//	                             (X-Chaos-Log-First: offset of the first line, X-Chaos-Log-Next: the offset to ask next)
//	GET  /_chaos/stats          counts per phase, fault and status (Stats)
//	POST /_chaos/reset          start the script again from its first phase, clock at zero
//	GET|POST /_chaos/barrier    a live fleet's barrier (Options.FleetShards; barrier.go)
//	GET  /metrics, /_chaos/metrics  Prometheus metrics
func (s *Server) adminRoutes(r *mux.Router) {
	r.Handle(adminPrefix, s.requireToken(byMethod{http.MethodGet: adminIndex}))
	api := r.PathPrefix(adminPrefix).Subrouter()
	api.Use(s.requireToken)
	metrics := s.metrics.handler().ServeHTTP
	api.Handle("/health", byMethod{http.MethodGet: s.adminHealth, http.MethodHead: s.adminHealth})
	api.Handle("/script", byMethod{http.MethodGet: s.adminGetScript, http.MethodPut: s.adminPutScript, http.MethodPost: s.adminPutScript})
	api.Handle("/log", byMethod{http.MethodGet: s.adminLog})
	api.Handle("/stats", byMethod{http.MethodGet: s.adminStats})
	api.Handle("/reset", byMethod{http.MethodPost: s.adminReset})
	api.Handle("/barrier", byMethod{http.MethodPost: s.adminBarrier, http.MethodGet: s.adminBarrierStatus})
	api.Handle("/metrics", byMethod{http.MethodGet: metrics})
	api.NotFoundHandler = s.requireToken(http.HandlerFunc(adminNotFound))
	r.Handle("/metrics", s.requireToken(byMethod{http.MethodGet: metrics}))
}

// byMethod dispatches an admin endpoint on the request method, answering 405
// with Allow for any other.
type byMethod map[string]http.HandlerFunc

func (m byMethod) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for method := range m {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": r.Method + " is not allowed on " + r.URL.Path})
}

// requireToken checks the bearer token, when one is set, in constant time.
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := s.opts.Admin.Token
	wantSum := sha256.Sum256([]byte(want))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if want != "" {
			if !bearerMatches(r.Header.Get("Authorization"), &wantSum) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="chaos admin"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// bearerMatches reports whether an Authorization header carries the token
// whose SHA-256 is wantSum. The scheme is case-insensitive (RFC 9110); the
// credentials are compared as digests with crypto/subtle, so the time taken
// reveals neither the token's bytes nor its length.
func bearerMatches(header string, wantSum *[sha256.Size]byte) bool {
	scheme, token, _ := strings.Cut(header, " ")
	gotSum := sha256.Sum256([]byte(token))
	match := subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) == 1
	return match && strings.EqualFold(scheme, "Bearer")
}

// adminEndpoints are the endpoints of the admin API, as GET /_chaos/ and a
// 404 under it list them.
var adminEndpoints = []string{"GET /_chaos/health", "GET|PUT /_chaos/script", "GET /_chaos/log?offset=N", "GET /_chaos/stats", "POST /_chaos/reset", "GET|POST /_chaos/barrier", "GET /metrics"}

func adminIndex(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"endpoints": adminEndpoints})
}

func adminNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": "no admin endpoint " + r.URL.Path, "endpoints": adminEndpoints})
}

// adminHealth answers "ok", or "degraded" with the error when the arrival
// log has failed (Records are being dropped from it).
func (s *Server) adminHealth(w http.ResponseWriter, _ *http.Request) {
	h := map[string]any{"status": "ok", "elapsed_ms": record.Millis(s.elapsed()), "in_flight": s.inFlight.Load()}
	if _, dropped, err := s.log.status(); err != nil {
		h["status"], h["log_error"], h["log_dropped"] = "degraded", err.Error(), dropped
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) adminGetScript(w http.ResponseWriter, _ *http.Request) {
	script := s.Script()
	out, err := yaml.Marshal(script.Spec())
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("X-Chaos-Seed", strconv.FormatUint(script.Seed(), 10))
	_, _ = w.Write(out)
}

// adminPutScript replaces the script. Requests in flight keep the decisions
// they have; new requests get the new script, whose phases begin now.
func (s *Server) adminPutScript(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxScriptBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("a script is at most %d bytes", maxScriptBytes)})
		return
	case err != nil: // Limits.BodyTimeout, or the client went away
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading the script: " + err.Error()})
		return
	}
	seed := s.Script().Seed()
	if q := r.URL.Query().Get("seed"); q != "" {
		if seed, err = strconv.ParseUint(q, 10, 64); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("seed %q is not a whole number", q)})
			return
		}
	}
	spec, _, err := ParseScript("script", data)
	if err == nil {
		var script *Script
		if script, err = Compile(spec, seed); err == nil {
			err = s.checkUpstream(script)
		}
		if err == nil {
			s.Replace(script)
			writeJSON(w, http.StatusOK, map[string]any{"status": "replaced", "seed": seed})
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error(), "problems": problemStrings(err)})
}

// problemStrings lists the located problems of a parse error one by one.
func problemStrings(err error) []string {
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		var out []string
		for _, e := range list.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func (s *Server) adminLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit := int64(0), 0
	var err error
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.ParseInt(v, 10, 64); err != nil || offset < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("offset %q is not a whole number", v)})
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("limit %q is not a whole number", v)})
			return
		}
	}
	first, next := s.log.window(offset, limit)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Chaos-Log-First", strconv.FormatInt(first, 10))
	w.Header().Set("X-Chaos-Log-Next", strconv.FormatInt(next, 10))
	s.streamLog(w, first, next)
}

// logPage is how many Records a reader of GET /_chaos/log holds at a time.
const logPage = logBlock

// streamLog writes the kept Records from first up to end a page at a time,
// so that a reader holds one page, never a copy of the whole log. It stops
// early if the log drops from memory a Record it has not sent yet (the
// writers have lapped a slow reader): the response then has fewer lines than
// X-Chaos-Log-Next minus X-Chaos-Log-First, and a request from first plus the
// lines received says, in its X-Chaos-Log-First, where the kept Records
// resume.
func (s *Server) streamLog(w io.Writer, first, end int64) {
	bw := bufio.NewWriterSize(w, 32<<10)
	buf := make([]record.Record, 0, logPage)
	var line []byte
	for at := first; at < end; {
		var kept bool
		if buf, kept = s.log.page(at, end, buf[:0]); !kept || len(buf) == 0 {
			break
		}
		for i := range buf {
			var err error
			if line, err = record.AppendJSON(line[:0], &buf[i]); err != nil {
				return
			}
			if _, err := bw.Write(line); err != nil {
				return
			}
		}
		at += int64(len(buf))
	}
	_ = bw.Flush()
}

func (s *Server) adminStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) adminReset(w http.ResponseWriter, _ *http.Request) {
	if err := s.Reset(); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
