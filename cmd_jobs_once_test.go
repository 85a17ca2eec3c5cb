package main

import (
	"strings"
	"testing"
)

// TestJobsRunOnce: --once runs a tick only if nobody ran it yet, while a
// plain run always runs (an operator asked for it).
func TestJobsRunOnce(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"--once", "--at", "2026-12-01T03:17:42Z"}, "job cron-prune ran for the tick of 2026-12-01T03:17:00Z"},
		{[]string{"--once", "--at", "2026-12-01T03:17:05Z"}, "job cron-prune: the tick of 2026-12-01T03:17:00Z already ran; skipped"},
		{[]string{"--at", "2026-12-01T03:17:00Z"}, "job cron-prune ran as of 2026-12-01T03:17:00Z"},
		{[]string{"--once", "--at", "2026-12-01T03:18:00Z"}, "job cron-prune ran for the tick of 2026-12-01T03:18:00Z"},
	}
	for _, s := range steps {
		args := append([]string{"jobs", "run", "cron-prune", "--data-dir", dir, "--log-level", "warn"}, s.args...)
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d, output %q %q; want %q", s.args, code, out, errOut, s.want)
		}
	}
}
