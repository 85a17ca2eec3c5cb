package policies

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestScratchCPU(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, tc := range benchInputs() {
		for range 2000 {
			_, _ = e.Decide(ctx, tc.resource, tc.in)
		}
		n := 20000
		start, wall := threadCPU(), time.Now()
		for range n {
			if _, err := e.Decide(ctx, tc.resource, tc.in); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%-14s %-13s cpu %6.1fµs wall %6.1fµs", tc.resource, tc.in.Scope, float64((threadCPU()-start).Nanoseconds())/float64(n)/1e3, float64(time.Since(wall).Nanoseconds())/float64(n)/1e3)
	}
}
