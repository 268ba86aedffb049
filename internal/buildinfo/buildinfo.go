// Package buildinfo reads what the Go toolchain recorded about this binary:
// the module version and the VCS revision, for `chaos version` and for the
// reports, which state the version that produced them.
package buildinfo

import "runtime/debug"

// Version returns the module version and the VCS revision ("+dirty" for
// uncommitted changes); "unknown" for what was not recorded (go run, tests,
// or a build with -buildvcs=false).
func Version() (version, revision string) {
	version, revision = "unknown", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
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
	return
}

// String is Version as one phrase: "v1.2.0 (revision 0a1b2c3)".
func String() string {
	version, revision := Version()
	return version + " (revision " + revision + ")"
}
