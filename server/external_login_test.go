package server

import (
	"testing"

	"github.com/gatehouse/gatehouse/auth/authconfig"
)

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"":                      "/",
		"/":                     "/",
		"/projects?page=2#top":  "/projects?page=2#top",
		"/invitations":          "/invitations",
		"//evil.example/x":      "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"projects":              "/",
		"/a\r\nSet-Cookie: x=1": "/",
		"/%2F%2Fevil.example":   "/%2F%2Fevil.example",
		"\\\\evil.example":      "/",
		"/ok/../still-relative": "/ok/../still-relative",
	}
	for in, want := range tests {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUsernameFrom(t *testing.T) {
	tests := map[string]string{
		"jane.doe":      "jane.doe",
		"j d!":          "jd",
		"Zoë+test@corp": "Zoë+test@corp",
		"  <script>  ":  "script",
		"":              "",
	}
	for in, want := range tests {
		if got := usernameFrom(in); got != want {
			t.Errorf("usernameFrom(%q) = %q, want %q", in, got, want)
		}
	}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a'
	}
	if got := usernameFrom(string(long)); len(got) != 140 {
		t.Errorf("long name kept %d characters", len(got))
	}
}

func TestPickIdP(t *testing.T) {
	idps := []authconfig.IdentityProvider{
		{ID: "a", EmailDomain: "corp.example", Weight: 10},
		{ID: "b", EmailDomain: "corp.example", Weight: 5},
		{ID: "c", EmailDomain: "lab.example", Weight: 1},
		{ID: "d", Weight: 1},
	}
	cfg := func(mode string, enabled bool) *authconfig.Config {
		return &authconfig.Config{SSO: authconfig.SSO{Enabled: enabled, SelectionMode: mode, IdentityProviders: idps}}
	}
	tests := []struct {
		name  string
		cfg   *authconfig.Config
		email string
		want  string
	}{
		{"domain, lower weight of two", cfg(authconfig.SelectByEmail, true), "x@Corp.Example", "b"},
		{"other domain", cfg(authconfig.SelectByEmail, true), "x@lab.example", "c"},
		{"no match", cfg(authconfig.SelectByEmail, true), "x@home.example", ""},
		{"no email", cfg(authconfig.SelectByEmail, true), "", ""},
		{"lowest weight, first wins a tie", cfg(authconfig.SelectByWeight, true), "x@corp.example", "c"},
		{"disabled", cfg(authconfig.SelectByWeight, false), "x@corp.example", ""},
		{"no config", nil, "x@corp.example", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if p := pickIdP(tc.cfg, tc.email, false); p != nil {
				got = p.ID
			}
			if got != tc.want {
				t.Fatalf("picked %q, want %q", got, tc.want)
			}
		})
	}
}
