package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeRefusesABadPlansFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plans.yaml")
	if err := os.WriteFile(bad, []byte("plans:\n  - {id: free, name: Free, bogus: 1}\n  - {id: solo, name: Solo, scope: personal, monthly_cents: 10, annual_cents: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "serve", "--http", "127.0.0.1:0", "--data-dir", dir, "--plans-file", bad)
	all := out + errOut
	if code == 0 || !strings.Contains(all, "plans[0].bogus (line 2): unknown key") || !strings.Contains(all, "plans[1].annual_cents") {
		t.Fatalf("serve with a bad plans file: exit %d\n%s", code, all)
	}
	code, out, errOut = runCLI(t, "", "serve", "--http", "127.0.0.1:0", "--data-dir", dir, "--plans-file", filepath.Join(dir, "missing.yaml"))
	if code == 0 || !strings.Contains(out+errOut, "plans file") {
		t.Fatalf("serve with a missing plans file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "jobs", "list", "--data-dir", dir, "--billing-notice-days", "-1")
	if code == 0 || !strings.Contains(out+errOut, "--billing-notice-days -1") {
		t.Fatalf("bad notice period: exit %d\n%s%s", code, out, errOut)
	}
}

func TestBillingJobsRunFromTheCLI(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "", "jobs", "list", "--data-dir", dir)
	for _, name := range []string{"billing-renew", "billing-overdue", "billing-cancellation"} {
		if code != 0 || !strings.Contains(out, name) {
			t.Fatalf("jobs list lacks %s: %d %s", name, code, out)
		}
	}
	for _, name := range []string{"billing-renew", "billing-overdue", "billing-cancellation"} {
		for i := 0; i < 2; i++ { // a rerun at the same time is fine
			code, out, errOut := runCLI(t, "", "jobs", "run", name, "--data-dir", dir, "--at", "2027-01-28T12:00:00Z")
			if code != 0 || !strings.Contains(out, "job "+name+" ran as of 2027-01-28T12:00:00Z") {
				t.Fatalf("jobs run %s: %d %s %s", name, code, out, errOut)
			}
		}
	}
}

func TestServeRefusesABadStripeJSURL(t *testing.T) {
	for _, bad := range []string{"/v3/", "ftp://js.example/v3/", "javascript:alert(1)"} {
		t.Setenv("GATEHOUSE_STRIPE_JS_URL", bad)
		code, out, errOut := runCLI(t, "", "serve", "--http", "127.0.0.1:0", "--data-dir", t.TempDir())
		if code == 0 || !strings.Contains(out+errOut, "GATEHOUSE_STRIPE_JS_URL") {
			t.Fatalf("serve with GATEHOUSE_STRIPE_JS_URL=%q: exit %d\n%s%s", bad, code, out, errOut)
		}
	}
}
