package analysis

import "runtime/debug"

// BuildVersion is the harness's version as the Go toolchain recorded it: the
// module version and VCS revision ("+dirty" for uncommitted changes), or
// "unknown" for what was not recorded.
func BuildVersion() string {
	version, revision := "unknown", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					revision += "+dirty"
				}
			}
		}
	}
	return version + " (revision " + revision + ")"
}
