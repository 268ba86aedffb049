package analysis

import "github.com/chaos-harness/chaos/internal/buildinfo"

// BuildVersion is the harness's version as the Go toolchain recorded it: the
// module version and VCS revision, as `chaos version` prints them.
func BuildVersion() string { return buildinfo.String() }
