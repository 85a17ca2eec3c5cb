package main

import (
	"strings"
	"testing"
)

func TestAuditPruneJob(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "", "jobs", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "audit-prune") || !strings.Contains(out, "older than 365 days") {
		t.Fatalf("jobs list: %d %s", code, out)
	}
	code, out, errOut := runCLI(t, "", "jobs", "run", "audit-prune", "--data-dir", dir, "--audit-retention-days", "30", "--at", "2026-12-01T03:41:00Z")
	if code != 0 || !strings.Contains(out, "job audit-prune ran") {
		t.Fatalf("jobs run: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "jobs", "list", "--data-dir", dir, "--audit-retention-days", "-1")
	if code == 0 || !strings.Contains(errOut, "--audit-retention-days") {
		t.Fatalf("negative retention: %d %s", code, errOut)
	}
}
