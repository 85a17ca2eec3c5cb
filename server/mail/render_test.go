package mail

import (
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	when := time.Date(2026, 5, 4, 13, 7, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name        string
		data        map[string]any
		subject     string
		textHas     []string
		htmlHas     []string
		htmlHasNot  []string
		wantErrPart string
	}{
		{name: "test", subject: "Gatehouse test message",
			textHas: []string{"mail set-up works"}, htmlHas: []string{"mail set-up works", "<title>Gatehouse test message</title>"}},
		{name: "verify_email", data: map[string]any{"Username": "alice", "Link": "https://gh.example/api/auth/account-confirm-email/k1/"},
			subject: "Confirm your email address for Gatehouse",
			textHas: []string{"Hello alice,", "https://gh.example/api/auth/account-confirm-email/k1/", "3 days"},
			htmlHas: []string{`href="https://gh.example/api/auth/account-confirm-email/k1/"`, "Confirm email address"}},
		{name: "password_reset", data: map[string]any{"Username": "bob", "Link": "https://gh.example/auth/password/reset/confirm?uid=1&token=t"},
			subject: "Reset your Gatehouse password",
			textHas: []string{"Hello bob,", "https://gh.example/auth/password/reset/confirm?uid=1&token=t", "24 hours"},
			htmlHas: []string{`href="https://gh.example/auth/password/reset/confirm?uid=1&amp;token=t"`}},
		{name: "password_changed", data: map[string]any{"Username": "carol", "When": when},
			subject: "Your Gatehouse password was changed",
			textHas: []string{"Hello carol,", "Monday 4 May 2026 at 11:07 UTC"},
			htmlHas: []string{"Monday 4 May 2026 at 11:07 UTC"}},
		{name: "invitation", data: map[string]any{"OrgName": "Acme <Labs>", "InviterName": "Dave", "Role": "owner",
			"Link": "https://gh.example/auth/register?invitation=abc", "ExpiresAt": when},
			subject:    "Dave invited you to Acme <Labs> on Gatehouse",
			textHas:    []string{`"Acme <Labs>"`, "as an owner", "https://gh.example/auth/register?invitation=abc", "Monday 4 May 2026"},
			htmlHas:    []string{"Acme &lt;Labs&gt;", "as an <strong>owner</strong>", `href="https://gh.example/auth/register?invitation=abc"`},
			htmlHasNot: []string{"Acme <Labs>"}},
		{name: "escaping", data: map[string]any{"Username": `<script>alert(1)</script>`, "Link": `javascript:alert(1)`},
			subject: "Confirm your email address for Gatehouse",
			htmlHas: []string{"&lt;script&gt;", `href="#ZgotmplZ"`}, htmlHasNot: []string{"<script>", `href="javascript:`}},
		{name: "missing key", data: map[string]any{"Username": "x"}, wantErrPart: "Link"},
		{name: "unknown", wantErrPart: `mail template "unknown" does not exist`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := tc.name
			if tc.name == "escaping" || tc.name == "missing key" {
				tmpl = "verify_email"
			}
			msg, err := Render(tmpl, tc.data)
			if tc.wantErrPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrPart) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErrPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", msg.Subject, tc.subject)
			}
			if strings.Contains(msg.Text, "subject") || strings.HasPrefix(msg.Text, "\n") {
				t.Errorf("text starts oddly: %q", msg.Text)
			}
			for _, s := range tc.textHas {
				if !strings.Contains(msg.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, msg.Text)
				}
			}
			for _, s := range tc.htmlHas {
				if !strings.Contains(msg.HTML, s) {
					t.Errorf("HTML lacks %q:\n%s", s, msg.HTML)
				}
			}
			for _, s := range tc.htmlHasNot {
				if strings.Contains(msg.HTML, s) {
					t.Errorf("HTML has %q:\n%s", s, msg.HTML)
				}
			}
			if !strings.Contains(msg.HTML, "Gatehouse") || !strings.HasPrefix(msg.HTML, "<!DOCTYPE html>") {
				t.Errorf("HTML is not a whole page with the site name")
			}
		})
	}
}

func TestEveryTemplateRenders(t *testing.T) {
	want := []string{"billing_cancel_notice", "billing_cleanup_report", "billing_invoice", "invitation", "password_changed", "password_reset", "test", "verify_email"}
	if got := strings.Join(TemplateNames(), ","); got != strings.Join(want, ",") {
		t.Fatalf("templates = %s, want %s", got, strings.Join(want, ","))
	}
	full := map[string]any{"Username": "u", "Link": "https://x.example/l", "When": time.Now(), "OrgName": "o",
		"InviterName": "i", "Role": "worker", "ExpiresAt": "tomorrow",
		"Name": "n", "Number": "INV-2026-000001", "Kind": "invoice", "Status": "open", "Total": "$1.00", "Due": "2026-12-01",
		"Workspace": "w", "Plan": "Solo", "EndedOn": "2026-12-01", "Excess": []string{"2 projects"}, "DeleteOn": "2027-01-15",
		"Count": 1, "Deleted": []string{"project p"}, "DeletedOn": "2027-01-15"}
	for _, name := range TemplateNames() {
		msg, err := Render(name, full)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if msg.Subject == "" || msg.Text == "" || msg.HTML == "" || strings.Contains(msg.Subject, "\n") {
			t.Errorf("%s: incomplete message %+v", name, msg)
		}
	}
}
