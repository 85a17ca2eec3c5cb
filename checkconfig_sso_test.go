package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeAuthConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth_config.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const validAuthConfig = `---
social_account:
  enabled: true
  github:
    client_id: gh-id
    client_secret: gh-secret
sso:
  enabled: true
  selection_mode: email_address
  enable_pkce: true
  identity_providers:
    - id: okta-oidc
      protocol: OIDC
      name: Okta
      server_url: https://acme.okta.example/
      client_id: abc
      client_secret: def
      email_domain: acme.example
    - id: okta-saml
      protocol: SAML
      name: Okta SAML
      entity_id: http://www.okta.example/exk1
      metadata_url: https://acme.okta.example/app/exk1/sso/saml/metadata
      attribute_mapping:
        uid: uid
        email: email
`

const invalidAuthConfig = `sso:
  enabled: maybe
  selection_mode: random
  identity_providers:
    - id: one
      protocol: OIDC
      name: One
      client_id: x
    - id: one
      protocol: SAML
      name: Two
      entity_id: e
      attribute_mapping: {email: mail}
      colour: blue
`

func TestCheckConfigAuthFile(t *testing.T) {
	good := writeAuthConfig(t, validAuthConfig)
	bad := writeAuthConfig(t, invalidAuthConfig)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
		not  []string
	}{
		{"valid file argument", nil, []string{"check-config", "--base-url", "https://gh.example:8443", good}, 0, []string{
			"auth config: " + good,
			"social login: enabled (github)",
			"SSO: enabled, selection mode email_address, PKCE enabled, 2 identity provider(s)",
			"social github callback URL: https://gh.example:8443/api/auth/social/github/login/callback/",
			"OIDC okta-oidc redirect URI: https://gh.example:8443/api/auth/oidc/okta-oidc/login/callback/",
			"SAML okta-saml ACS URL: https://gh.example:8443/api/auth/saml/okta-saml/acs/",
			"SAML okta-saml SP entity ID / metadata URL: https://gh.example:8443/api/auth/saml/okta-saml/metadata/",
			"configuration is valid",
		}, nil},
		{"AUTH_CONFIG_PATH and CVAT_BASE_URL", map[string]string{"AUTH_CONFIG_PATH": good, "CVAT_BASE_URL": "http://cvat.example:8080"},
			[]string{"check-config"}, 0, []string{"http://cvat.example:8080/api/auth/oidc/okta-oidc/login/callback/"}, nil},
		{"--auth-config flag", nil, []string{"check-config", "--auth-config", good}, 0, []string{"auth config: " + good}, nil},
		{"no auth config", nil, []string{"check-config"}, 0, []string{"auth config: none"}, nil},
		{"invalid file: one line per problem", nil, []string{"check-config", bad}, 1, []string{
			bad + ": sso.enabled: must be true or false",
			bad + `: sso.selection_mode: must be email_address or lowest_weight, got "random"`,
			bad + ": sso.identity_providers[0].server_url: required for OIDC",
			bad + ": sso.identity_providers[0].client_secret: required for OIDC",
			bad + `: sso.identity_providers[1].id: "one" is used by sso.identity_providers[0] already`,
			bad + ": sso.identity_providers[1].colour: unknown key",
			bad + ": sso.identity_providers[1].metadata_url: required for SAML unless sso_url and x509_cert are given",
			"7 problem(s) found",
		}, []string{"configuration is valid"}},
		{"missing file", nil, []string{"check-config", filepath.Join(t.TempDir(), "nope.yml")}, 1, []string{"nope.yml"}, nil},
		{"serve refuses an invalid file", map[string]string{"AUTH_CONFIG_PATH": bad}, []string{"serve", "--data-dir", t.TempDir(), "--http", "127.0.0.1:0"}, 1, []string{
			"invalid auth config (7 problem(s))", "\n" + bad + ": sso.enabled: must be true or false\n",
		}, []string{"gatehouse is ready"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AUTH_CONFIG_PATH", "GATEHOUSE_BASE_URL", "CVAT_BASE_URL", "CVAT_HOST"} {
				t.Setenv(k, tc.env[k])
			}
			code, out, errOut := runCLI(t, "", tc.args...)
			all := out + errOut
			if code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(all, n) {
					t.Errorf("output has %q:\n%s", n, all)
				}
			}
		})
	}
}

func TestBaseURLPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		flag string
		want string
	}{
		{"flag wins", map[string]string{"GATEHOUSE_BASE_URL": "https://a.example", "CVAT_BASE_URL": "https://b.example"}, "https://flag.example", "base URL: https://flag.example"},
		{"GATEHOUSE_BASE_URL over CVAT_BASE_URL", map[string]string{"GATEHOUSE_BASE_URL": "https://a.example", "CVAT_BASE_URL": "https://b.example", "CVAT_HOST": "c.example"}, "", "base URL: https://a.example"},
		{"CVAT_BASE_URL over CVAT_HOST", map[string]string{"CVAT_BASE_URL": "https://b.example:8443", "CVAT_HOST": "c.example"}, "", "base URL: https://b.example:8443"},
		{"CVAT_HOST alone", map[string]string{"CVAT_HOST": "c.example"}, "", "base URL: http://c.example"},
		{"nothing set", nil, "", "base URL: http://127.0.0.1:8080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AUTH_CONFIG_PATH", "GATEHOUSE_BASE_URL", "CVAT_BASE_URL", "CVAT_HOST", "GATEHOUSE_HTTP"} {
				t.Setenv(k, tc.env[k])
			}
			args := []string{"check-config"}
			if tc.flag != "" {
				args = append(args, "--base-url", tc.flag)
			}
			code, out, errOut := runCLI(t, "", args...)
			if code != 0 || !strings.Contains(out, tc.want+"\n") {
				t.Fatalf("exit %d; output:\n%s%s\nwant %q", code, out, errOut, tc.want)
			}
		})
	}
}
