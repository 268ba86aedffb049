package scenarios

import "github.com/chaos-harness/chaos/faultserver"

// SetLiveServerStarted sets the hook given each live run's fault server; nil
// removes it.
func SetLiveServerStarted(f func(*faultserver.Server)) { liveServerStarted = f }

// SetMemoryInUse replaces how a run measures its memory, and returns a
// function that puts the real measure back.
func SetMemoryInUse(f func() int64) (restore func()) {
	old := memoryInUse
	memoryInUse = f
	return func() { memoryInUse = old }
}
