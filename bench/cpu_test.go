package bench

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user + system, every
// thread, the GC's included). Divided into work it gives a rate that other
// processes on a busy machine disturb far less than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
