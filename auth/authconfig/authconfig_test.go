package authconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func certPEM(t testing.TB) string {
	raw, err := os.ReadFile("testdata/idp-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// The seed manual's examples, as written (placeholders filled in).
func TestParseSeedExamples(t *testing.T) {
	cert := certPEM(t)
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *Config)
	}{
		{"oidc", `---
sso:
  enabled: true
  selection_mode: email_address
  identity_providers:
    - id: oidc-idp
      protocol: OIDC
      name: OIDC-based IdP
      server_url: https://example.com
      client_id: xxx
      client_secret: xxx
      email_domain: example.com
`, func(t *testing.T, c *Config) {
			p, ok := c.Provider("oidc-idp")
			if !ok || p.Protocol != ProtocolOIDC || p.Weight != DefaultWeight || p.EmailDomain != "example.com" || p.ServerURL != "https://example.com" {
				t.Fatalf("provider = %+v", p)
			}
			if c.SSO.SelectionMode != SelectByEmail || c.SSO.EnablePKCE || c.SocialAccount.Enabled {
				t.Fatalf("sso = %+v", c.SSO)
			}
		}},
		{"saml with sso_url and cert", `---
sso:
  enabled: true
  selection_mode: lowest_weight
  enable_pkce: true
  identity_providers:
  - id: saml-idp
    protocol: SAML
    name: SAML-based IdP
    entity_id: https://idp.example.com/entity
    weight: 1
    sso_url: https://idp.example.com/sso
    x509_cert: |
` + indent(cert, "      ") + `
    attribute_mapping:
      uid: uidAttribute
      email_verified: emailVerifiedAttribute
      email: emailAttribute
      last_name: lastNameAttribute
      first_name: firstNameAttribute
      username: usernameAttribute
`, func(t *testing.T, c *Config) {
			p, ok := c.Provider("saml-idp")
			if !ok || p.Protocol != ProtocolSAML || p.Weight != 1 || p.AttributeMapping.EmailVerified != "emailVerifiedAttribute" {
				t.Fatalf("provider = %+v", p)
			}
			if _, err := p.Certificate(); err != nil {
				t.Fatal(err)
			}
			if c.SSO.SelectionMode != SelectByWeight || !c.SSO.EnablePKCE {
				t.Fatalf("sso = %+v", c.SSO)
			}
			if p.AllowSHA1Signatures {
				t.Fatal("SHA-1 signatures must be refused unless allowed")
			}
		}},
		{"saml allowing sha1", `
sso:
  enabled: true
  identity_providers:
    - id: old-adfs
      protocol: SAML
      name: Old ADFS
      entity_id: https://adfs.example.com/adfs/services/trust
      metadata_url: https://adfs.example.com/FederationMetadata/2007-06/FederationMetadata.xml
      allow_sha1_signatures: true
      attribute_mapping: {email: mail}
`, func(t *testing.T, c *Config) {
			if p, _ := c.Provider("old-adfs"); !p.AllowSHA1Signatures {
				t.Fatalf("provider = %+v", p)
			}
		}},
		{"keycloak server_url with discovery path", `
sso:
  enabled: true
  identity_providers:
    - id: keycloak-oidc
      protocol: oidc
      name: Keycloak
      server_url: https://kc.example.com/realms/acme/.well-known/openid-configuration
      client_id: gatehouse
      client_secret: s3cret
      token_auth_method: client_secret_post
`, func(t *testing.T, c *Config) {
			p, _ := c.Provider("keycloak-oidc")
			if p.ServerURL != "https://kc.example.com/realms/acme" || p.TokenAuthMethod != TokenAuthPost {
				t.Fatalf("provider = %+v", p)
			}
		}},
		{"social", `---
social_account:
  enabled: true
  google:
    client_id: g-id
    client_secret: g-secret
  github:
    client_id: 12345
    client_secret: gh-secret
  amazon_cognito:
    client_id: c-id
    client_secret: c-secret
    domain: acme.auth.us-east-1.amazoncognito.com/
`, func(t *testing.T, c *Config) {
			s := c.SocialAccount
			if !s.Enabled || s.Google.ClientID != "g-id" || s.GitHub.ClientID != "12345" || s.AmazonCognito.Domain != "https://acme.auth.us-east-1.amazoncognito.com" {
				t.Fatalf("social = %+v %+v %+v", s, s.GitHub, s.AmazonCognito)
			}
			if got := strings.Join(c.SocialProviders(), ","); got != "google,github,amazon-cognito" {
				t.Fatalf("providers = %s", got)
			}
			if _, ok := c.Provider("x"); ok {
				t.Fatal("no IdP expected")
			}
		}},
		{"empty file", ``, func(t *testing.T, c *Config) {
			if c.SSO.Enabled || c.SocialAccount.Enabled {
				t.Fatalf("config = %+v", c)
			}
		}},
		{"sso disabled keeps providers out of reach", `
sso:
  enabled: false
  identity_providers:
    - {id: a, name: A, protocol: OIDC, server_url: "https://a.example", client_id: x, client_secret: y}
`, func(t *testing.T, c *Config) {
			if _, ok := c.Provider("a"); ok {
				t.Fatal("provider of a disabled sso section found")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestParseProblems(t *testing.T) {
	oidc := func(extra string) string {
		return "sso:\n  enabled: true\n  identity_providers:\n    - id: a\n      name: A\n      protocol: OIDC\n      server_url: https://a.example.com\n      client_id: x\n      client_secret: y\n" + extra
	}
	saml := func(body string) string {
		return "sso:\n  enabled: true\n  identity_providers:\n    - id: s\n      name: S\n      protocol: SAML\n      entity_id: https://idp\n      attribute_mapping: {email: mail}\n" + body
	}
	tests := []struct {
		name string
		yaml string
		want []string // every line expected, in any order: its start, or the whole line when it ends in $
	}{
		{"unknown top-level key", "ssso: {}\n", []string{"ssso: unknown key"}},
		{"unknown idp key", oidc("      colour: red\n"), []string{"sso.identity_providers[0].colour: unknown key"}},
		{"missing required keys", "sso:\n  enabled: true\n  identity_providers:\n    - protocol: OIDC\n", []string{
			"sso.identity_providers[0].id: required", "sso.identity_providers[0].name: required",
			"sso.identity_providers[0].server_url: required for OIDC", "sso.identity_providers[0].client_id: required for OIDC",
			"sso.identity_providers[0].client_secret: required for OIDC"}},
		{"missing protocol", "sso:\n  identity_providers:\n    - {id: a, name: A}\n", []string{"sso.identity_providers[0].protocol: required"}},
		{"wrong types", "sso:\n  enabled: yes please\n  enable_pkce: 1\n  identity_providers:\n    - {id: a, name: [x], protocol: OIDC, server_url: 'https://a.example', client_id: x, client_secret: y, weight: heavy}\n", []string{
			"sso.enabled: must be true or false", "sso.enable_pkce: must be true or false",
			"sso.identity_providers[0].name: must be a string", "sso.identity_providers[0].weight: must be a whole number"}},
		{"section not a mapping", "social_account: [google]\n", []string{"social_account: must be a mapping"}},
		{"providers not a list", "sso:\n  identity_providers: {id: a}\n", []string{"sso.identity_providers: must be a list"}},
		{"duplicate ids", oidc("    - {id: a, name: B, protocol: OIDC, server_url: 'https://b.example', client_id: x, client_secret: y}\n"),
			[]string{`sso.identity_providers[1].id: "a" is used by sso.identity_providers[0] already`}},
		{"bad selection mode", "sso:\n  selection_mode: random\n", []string{`sso.selection_mode: must be email_address or lowest_weight, got "random"`}},
		{"bad protocol", "sso:\n  identity_providers:\n    - {id: a, name: A, protocol: CAS}\n", []string{`sso.identity_providers[0].protocol: must be OIDC or SAML, got "CAS"`}},
		{"bad token auth method", oidc("      token_auth_method: private_key_jwt\n"), []string{"sso.identity_providers[0].token_auth_method: must be client_secret_basic or client_secret_post"}},
		{"bad server url", strings.Replace(oidc(""), "https://a.example.com", "a.example.com", 1), []string{"sso.identity_providers[0].server_url: must be an http(s) URL"}},
		{"bad id", strings.Replace(oidc(""), "id: a", "id: a/b", 1), []string{"sso.identity_providers[0].id: must be 1-64 letters"}},
		{"saml without metadata or cert", saml(""), []string{"sso.identity_providers[0].metadata_url: required for SAML unless sso_url and x509_cert are given"}},
		{"saml with metadata and sso_url", saml("      metadata_url: https://idp/meta\n      sso_url: https://idp/sso\n"), []string{"sso.identity_providers[0]: give either metadata_url or sso_url with x509_cert, not both"}},
		{"saml sso_url without cert", saml("      sso_url: https://idp/sso\n"), []string{"sso.identity_providers[0].x509_cert: required with sso_url"}},
		{"saml cert without sso_url", saml("      x509_cert: MIIB\n"), []string{"sso.identity_providers[0].sso_url: required with x509_cert", "sso.identity_providers[0].x509_cert: "}},
		{"saml needs entity id and mapping", "sso:\n  identity_providers:\n    - {id: s, name: S, protocol: SAML, metadata_url: 'https://idp/m'}\n", []string{
			"sso.identity_providers[0].entity_id: required for SAML", "sso.identity_providers[0].attribute_mapping: required for SAML"}},
		{"saml mapping without email", strings.Replace(saml("      metadata_url: https://idp/m\n"), "{email: mail}", "{uid: u, colour: c}", 1), []string{
			"sso.identity_providers[0].attribute_mapping.email: required", "sso.identity_providers[0].attribute_mapping.colour: unknown key"}},
		{"oidc key on saml", saml("      metadata_url: https://idp/m\n      client_id: x\n"), []string{"sso.identity_providers[0].client_id: not used with protocol SAML"}},
		{"saml key on oidc", oidc("      entity_id: e\n"), []string{"sso.identity_providers[0].entity_id: not used with protocol OIDC"}},
		{"sha1 switch on oidc", oidc("      allow_sha1_signatures: true\n"), []string{"sso.identity_providers[0].allow_sha1_signatures: not used with protocol OIDC"}},
		{"sha1 switch not a boolean", saml("      metadata_url: https://idp/m\n      allow_sha1_signatures: sometimes\n"), []string{"sso.identity_providers[0].allow_sha1_signatures: must be true or false"}},
		{"enabled without providers", "sso:\n  enabled: true\n", []string{"sso.identity_providers: at least one identity provider"}},
		{"social app missing secret", "social_account:\n  enabled: true\n  github:\n    client_id: x\n", []string{"social_account.github.client_secret: required"}},
		{"social app missing client_id", "social_account:\n  enabled: true\n  google:\n    client_secret: y\n", []string{"social_account.google.client_id: required$"}},
		{"cognito needs domain", "social_account:\n  amazon_cognito: {client_id: x, client_secret: y}\n", []string{"social_account.amazon_cognito.domain: required"}},
		{"unknown social provider", "social_account:\n  facebook: {client_id: x, client_secret: y}\n", []string{"social_account.facebook: unknown key"}},
		{"repeated key", "sso:\n  enabled: true\n  enabled: false\n", []string{"sso.enabled: repeated key"}},
		{"empty string", strings.Replace(oidc(""), "client_id: x", "client_id: ''", 1), []string{"sso.identity_providers[0].client_id: must not be empty"}},
		{"negative weight", oidc("      weight: -1\n"), []string{"sso.identity_providers[0].weight: must be 0 or more"}},
		{"bad email domain", oidc("      email_domain: not a domain\n"), []string{"sso.identity_providers[0].email_domain: must be a domain"}},
		{"aliases refused", "x: &a {}\nsso: *a\n", []string{"x: unknown key", "sso: YAML aliases are not supported"}},
		{"syntax error", "sso: [\n", []string{"yaml: "}},
		{"two documents", "sso: {}\n---\nsso: {}\n", []string{"(top level): the file holds more than one YAML document"}},
		{"top level not a mapping", "- a\n", []string{"(top level): must be a mapping"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", c)
			}
			probs, ok := err.(Problems)
			if !ok {
				t.Fatalf("error %T %v, want Problems", err, err)
			}
			for _, w := range tc.want {
				line, exact := strings.CutSuffix(w, "$")
				found := false
				for _, p := range probs {
					switch {
					case exact:
						found = found || p == line
					case strings.HasPrefix(p, w) || strings.Contains(p, w) && strings.HasPrefix(w, "yaml"):
						found = true
					}
				}
				if !found && exact {
					t.Errorf("no problem %q in:\n%s", line, err)
				} else if !found {
					t.Errorf("no problem starting with %q in:\n%s", w, err)
				}
			}
			for _, p := range probs {
				if strings.Contains(p, "\n") {
					t.Errorf("problem spans lines: %q", p)
				}
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Parse([]byte("sso:\n  selection_mode: x\n  identity_providers:\n    - {protocol: OIDC}\n    - {id: b, name: B, protocol: SAML}\nsocial_account:\n  google: {}\n"))
	probs, _ := err.(Problems)
	if len(probs) < 8 {
		t.Fatalf("got %d problems, want every one:\n%v", len(probs), err)
	}
}

func TestLoadAndCallbackURLs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.yml")
	body := "social_account:\n  enabled: true\n  github: {client_id: a, client_secret: b}\nsso:\n  enabled: true\n  identity_providers:\n" +
		"    - {id: corp, name: Corp, protocol: OIDC, server_url: 'https://corp.example', client_id: x, client_secret: y}\n" +
		"    - {id: sam, name: Sam, protocol: SAML, entity_id: e, metadata_url: 'https://idp/m', attribute_mapping: {email: mail}}\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := c.CallbackURLs("https://gh.example/")
	want := [][2]string{
		{"social github callback URL", "https://gh.example/api/auth/social/github/login/callback/"},
		{"OIDC corp redirect URI", "https://gh.example/api/auth/oidc/corp/login/callback/"},
		{"SAML sam ACS URL", "https://gh.example/api/auth/saml/sam/acs/"},
		{"SAML sam SP entity ID / metadata URL", "https://gh.example/api/auth/saml/sam/metadata/"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.yml")); err == nil {
		t.Fatal("missing file accepted")
	}
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big file: %v", err)
	}
}

func TestParseCertificateForms(t *testing.T) {
	pemText := certPEM(t)
	bare := strings.Join(strings.Split(strings.TrimSpace(pemText), "\n")[1:len(strings.Split(strings.TrimSpace(pemText), "\n"))-1], "\n")
	for _, s := range []string{pemText, bare} {
		if _, err := ParseCertificate(s); err != nil {
			t.Errorf("ParseCertificate: %v", err)
		}
	}
	for _, s := range []string{"", "not base64!", "QUJD", "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n"} {
		if _, err := ParseCertificate(s); err == nil {
			t.Errorf("ParseCertificate(%q) accepted", s)
		}
	}
}

func FuzzParseAuthConfig(f *testing.F) {
	f.Add([]byte("sso:\n  enabled: true\n  identity_providers:\n    - {id: a, name: A, protocol: OIDC, server_url: 'https://a', client_id: x, client_secret: y}\n"))
	f.Add([]byte("social_account: {enabled: true, github: {client_id: a, client_secret: b}}\n"))
	f.Add([]byte("x: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err == nil {
			if c == nil {
				t.Fatal("nil config without error")
			}
			for _, p := range c.SSO.IdentityProviders {
				if p.ID == "" || (p.Protocol != ProtocolOIDC && p.Protocol != ProtocolSAML) {
					t.Fatalf("accepted provider %+v", p)
				}
			}
			return
		}
		if _, ok := err.(Problems); !ok {
			t.Fatalf("error %T", err)
		}
	})
}
