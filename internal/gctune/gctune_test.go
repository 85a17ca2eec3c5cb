package gctune

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	})
	tests := []struct {
		name string
		env  map[string]string
		// what the runtime had from the environment before Apply
		startPercent int
		startLimit   int64
		want         Settings
	}{
		{"nothing set: the server's defaults", nil, 100, math.MaxInt64,
			Settings{Percent: 200, Limit: 192 << 20}},
		{"GOGC set: kept", map[string]string{"GOGC": "50"}, 50, math.MaxInt64,
			Settings{Percent: 50, Limit: 192 << 20, PercentFromEnv: true}},
		{"GOGC=off: kept", map[string]string{"GOGC": "off"}, -1, math.MaxInt64,
			Settings{Percent: -1, Limit: 192 << 20, PercentFromEnv: true}},
		{"GOMEMLIMIT set: kept", map[string]string{"GOMEMLIMIT": "1GiB"}, 100, 1 << 30,
			Settings{Percent: 200, Limit: 1 << 30, LimitFromEnv: true}},
		{"both set: nothing changes", map[string]string{"GOGC": "150", "GOMEMLIMIT": "64MiB"}, 150, 64 << 20,
			Settings{Percent: 150, Limit: 64 << 20, PercentFromEnv: true, LimitFromEnv: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.startPercent)
			debug.SetMemoryLimit(tc.startLimit)
			got := Apply(func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Fatalf("Apply = %+v, want %+v", got, tc.want)
			}
			if p := debug.SetGCPercent(100); p != tc.want.Percent {
				t.Errorf("runtime GOGC = %d, want %d", p, tc.want.Percent)
			}
			if l := debug.SetMemoryLimit(-1); l != tc.want.Limit {
				t.Errorf("runtime memory limit = %d, want %d", l, tc.want.Limit)
			}
		})
	}
}
