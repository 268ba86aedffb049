package faultserver

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// VersionedRow is one versioned row under optimistic concurrency (see RowSpec). It is
// safe for concurrent use.
type VersionedRow struct {
	mu      sync.Mutex
	version uint64
}

// NewVersionedRow starts a row at version (0 means 1).
func NewVersionedRow(version uint64) *VersionedRow {
	return &VersionedRow{version: max(1, version)}
}

// Read returns the current version.
func (r *VersionedRow) Read() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.version
}

// Write commits a write that read version ifMatch: when it is current, the
// version is bumped and the status is 200; when stale, 409; when 0 (the write
// carried no version), 428. It returns the version after the write.
func (r *VersionedRow) Write(ifMatch uint64) (version uint64, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case ifMatch == 0:
		return r.version, http.StatusPreconditionRequired
	case ifMatch != r.version:
		return r.version, http.StatusConflict
	}
	r.version++
	return r.version, http.StatusOK
}

// ETag is the entity tag of a row version: the version in quotes.
func ETag(version uint64) string { return `"` + strconv.FormatUint(version, 10) + `"` }

// ParseVersion reads the version of an If-Match ("N" or W/"N") or
// X-Chaos-Version (N) value; 0 when there is none or it is not a version.
func ParseVersion(v string) uint64 {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "W/")
	v = strings.Trim(v, `"`)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// rowOpFor is the row operation of a method at the row's path.
func rowOpFor(method string) RowOp {
	switch method {
	case http.MethodGet, http.MethodHead:
		return RowRead
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		return RowWrite
	}
	return RowNone
}
