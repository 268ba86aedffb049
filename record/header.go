package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// HeaderKey is the key that marks a log's header line, the optional first
// line of an arrival log: {"chaos_log":1,"epoch_unix_ms":...,"server":...,
// "server_run":...}. It has no t_ms, so it is never taken for a Record;
// Reader reads it into Header and skips it.
const HeaderKey = "chaos_log"

// LogHeader is what a log's header line says of the server that wrote it,
// so that logs of several servers can be put on one clock (chaos analyze).
// `chaos serve --log` writes one.
type LogHeader struct {
	// EpochUnixMs is the wall-clock time of t_ms 0, in milliseconds since
	// the Unix epoch: a Record's absolute time is EpochUnixMs + TMs.
	EpochUnixMs float64 `json:"epoch_unix_ms"`
	// Server names the server (host and listening address), and ServerRun
	// this run of it (a fresh id each time it starts): two logs of one
	// Server with two ServerRuns are two runs, not one.
	Server    string `json:"server,omitempty"`
	ServerRun string `json:"server_run"`
}

// AppendHeader appends h's header line, with its newline, to dst.
func AppendHeader(dst []byte, h LogHeader) []byte {
	dst = append(dst, `{"`+HeaderKey+`":1,"epoch_unix_ms":`...)
	dst = strconv.AppendFloat(dst, h.EpochUnixMs, 'f', -1, 64)
	if h.Server != "" {
		dst = append(dst, `,"server":`...)
		dst = appendString(dst, h.Server)
	}
	dst = append(dst, `,"server_run":`...)
	dst = appendString(dst, h.ServerRun)
	return append(dst, "}\n"...)
}

// parseHeader reads a header line; ok is false when line is not one.
func parseHeader(line []byte) (h LogHeader, ok bool, err error) {
	if !bytes.Contains(line, []byte(`"`+HeaderKey+`"`)) {
		return h, false, nil
	}
	var probe struct {
		Version   *int     `json:"chaos_log"`
		Epoch     *float64 `json:"epoch_unix_ms"`
		Server    string   `json:"server"`
		ServerRun string   `json:"server_run"`
	}
	if json.Unmarshal(line, &probe) != nil || probe.Version == nil {
		return h, false, nil
	}
	if *probe.Version != 1 {
		return h, true, fmt.Errorf("a log header of version %d; this chaos reads version 1", *probe.Version)
	}
	if probe.Epoch == nil {
		return h, true, fmt.Errorf(`a log header with no "epoch_unix_ms"`)
	}
	h = LogHeader{EpochUnixMs: *probe.Epoch, Server: probe.Server, ServerRun: probe.ServerRun}
	return h, true, nil
}

// WriteHeader writes h's header line: call it before the first Record. It
// is not counted among the Records (Lines, Status).
func (lw *Writer) WriteHeader(h LogHeader) error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.err != nil {
		return lw.err
	}
	lw.buf = AppendHeader(lw.buf, h)
	return nil
}
