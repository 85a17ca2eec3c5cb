package server

import (
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// TestAttackOpenRedirectThroughSSO: the next of an SSO login URL that points
// elsewhere ends the round trip on this site's home page instead.
func TestAttackOpenRedirectThroughSSO(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{}, nil)
	admin, _ := newAuditAdmin(t, env)
	for _, next := range []string{"//evil.example", "https://evil.example/x", `/\evil.example`, "javascript:alert(1)", "/\t/evil.example"} {
		t.Run(next, func(t *testing.T) {
			name, email := uniqueName("ssonext")
			idp.QueueUser(&mockoidc.MockUser{Subject: "sub-" + name, Email: email, EmailVerified: true, PreferredUsername: name})
			b := newSSOBrowser(env)
			final := ssoLogin(t, b, "/api/auth/oidc/corp/login/?next="+url.QueryEscape(next), nil)
			if final.Host != strings.TrimPrefix(env.URL, "http://") || final.Path != "/" || strings.Contains(final.String(), "evil") {
				t.Fatalf("next=%q ended at %s", next, final)
			}
			wantSignedIn(t, b, final, "/")
			// The SSO sign-in is in the audit log, with the provider.
			p := auditList(t, admin, "event="+AuditSSOLogin+"&search="+name)
			if p.Count != 1 || p.Results[0].Actor == nil || p.Results[0].Actor.Username != name || p.Results[0].Detail["provider"] != "oidc:corp" {
				t.Fatalf("audit: %+v", p.Results)
			}
		})
	}
}
