// Package authconfig reads the single sign-on and social login settings from
// the YAML file named by AUTH_CONFIG_PATH (the layout of the seed manual:
// social_account and sso sections).
//
// Parsing is strict: unknown keys, wrong types and missing required keys are
// all reported at once, one line per problem, each naming the key path.
package authconfig

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Protocols of an identity provider (normalized to lower case).
const (
	ProtocolOIDC = "oidc"
	ProtocolSAML = "saml"
)

// Selection modes of sso.selection_mode.
const (
	SelectByEmail  = "email_address"
	SelectByWeight = "lowest_weight"
)

// Token endpoint authentication methods an OIDC provider may be given.
const (
	TokenAuthBasic = "client_secret_basic"
	TokenAuthPost  = "client_secret_post"
)

// DefaultWeight is the weight of an IdP that names none.
const DefaultWeight = 10

// maxFileSize bounds what Load reads.
const maxFileSize = 1 << 20

// Config is the whole file. The zero value has everything disabled.
type Config struct {
	SocialAccount SocialAccount
	SSO           SSO
}

// SocialAccount is the social_account section.
type SocialAccount struct {
	Enabled       bool
	Google        *OAuthApp // nil when not configured
	GitHub        *OAuthApp
	AmazonCognito *CognitoApp
}

// OAuthApp are the credentials of an OAuth2 application.
type OAuthApp struct {
	ClientID     string
	ClientSecret string
}

// CognitoApp is an Amazon Cognito app client.
type CognitoApp struct {
	ClientID     string
	ClientSecret string
	// Domain is the hosted UI base URL, always with a scheme and without a
	// trailing slash (a bare host in the file gets https://).
	Domain string
}

// SSO is the sso section.
type SSO struct {
	Enabled           bool
	SelectionMode     string // SelectByEmail (default) or SelectByWeight
	EnablePKCE        bool
	IdentityProviders []IdentityProvider
}

// IdentityProvider is one entry of sso.identity_providers.
type IdentityProvider struct {
	ID          string
	Name        string
	Protocol    string // ProtocolOIDC or ProtocolSAML
	EmailDomain string // lower case, without "@"; "" when not set
	Weight      int    // DefaultWeight when not set

	// OIDC
	ServerURL       string // issuer URL (a trailing /.well-known/openid-configuration is removed)
	ClientID        string
	ClientSecret    string
	TokenAuthMethod string // "" = the first method the provider supports

	// SAML
	EntityID         string
	MetadataURL      string
	SSOURL           string
	X509Cert         string // PEM or bare base64 DER, as written
	AttributeMapping AttributeMapping
	// AllowSHA1Signatures accepts responses signed with SHA-1 (refused by
	// default), for IdPs that cannot sign with SHA-256.
	AllowSHA1Signatures bool
}

// AttributeMapping names the SAML attributes that carry each account field.
type AttributeMapping struct {
	UID           string
	Username      string
	Email         string
	FirstName     string
	LastName      string
	EmailVerified string
}

// Certificate parses X509Cert (PEM, or the bare base64 DER that IdP
// metadata and consoles show).
func (p *IdentityProvider) Certificate() (*x509.Certificate, error) {
	return ParseCertificate(p.X509Cert)
}

// ParseCertificate reads one X.509 certificate in PEM or bare base64 DER.
func ParseCertificate(s string) (*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty certificate")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", block.Type)
		}
		der = block.Bytes
	} else {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errors.New("neither PEM nor base64")
		}
		der = raw
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %w", err)
	}
	return cert, nil
}

// Provider finds an enabled IdP by id.
func (c *Config) Provider(id string) (*IdentityProvider, bool) {
	if c == nil || !c.SSO.Enabled {
		return nil, false
	}
	for i := range c.SSO.IdentityProviders {
		if c.SSO.IdentityProviders[i].ID == id {
			return &c.SSO.IdentityProviders[i], true
		}
	}
	return nil, false
}

// Problems is every problem found in a file, one line each.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// Load reads and validates the file at path. Validation problems come back
// as Problems.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth config: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxFileSize+1)); err != nil {
		return nil, fmt.Errorf("auth config %s: %w", path, err)
	}
	if buf.Len() > maxFileSize {
		return nil, Problems{fmt.Sprintf("%s: file is larger than %d bytes", path, maxFileSize)}
	}
	return Parse(buf.Bytes())
}

// Parse validates the YAML text of an auth config.
func Parse(data []byte) (*Config, error) {
	if len(data) > maxFileSize {
		return nil, Problems{fmt.Sprintf("file is larger than %d bytes", maxFileSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &Config{SSO: SSO{SelectionMode: SelectByEmail}}, nil // empty file: nothing enabled
		}
		return nil, Problems{"yaml: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Problems{"(top level): the file holds more than one YAML document"}
	}
	w := &walker{}
	cfg := &Config{SSO: SSO{SelectionMode: SelectByEmail}}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return cfg, nil
	}
	w.mapping("", root, fields{
		"social_account": func(p string, n *yaml.Node) { w.social(p, n, &cfg.SocialAccount) },
		"sso":            func(p string, n *yaml.Node) { w.sso(p, n, &cfg.SSO) },
	}, nil)
	if len(w.problems) > 0 {
		return nil, w.problems
	}
	return cfg, nil
}

type fields map[string]func(path string, n *yaml.Node)

type walker struct{ problems Problems }

func (w *walker) add(path, format string, args ...any) {
	if path == "" {
		path = "(top level)"
	}
	w.problems = append(w.problems, path+": "+fmt.Sprintf(format, args...))
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// mapping walks a YAML mapping: unknown and repeated keys are problems,
// every key in required must be present. It reports which keys were seen.
func (w *walker) mapping(path string, n *yaml.Node, known fields, required []string) map[string]bool {
	seen := map[string]bool{}
	if n.Kind == yaml.AliasNode {
		w.add(path, "YAML aliases are not supported")
		return seen
	}
	if n.Kind != yaml.MappingNode {
		w.add(path, "must be a mapping of keys to values")
		return seen
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		kp := join(path, key)
		if k.Kind != yaml.ScalarNode {
			w.add(path, "keys must be plain names")
			continue
		}
		if seen[key] {
			w.add(kp, "repeated key")
			continue
		}
		seen[key] = true
		f, ok := known[key]
		if !ok {
			w.add(kp, "unknown key (known: %s)", knownList(known))
			continue
		}
		if v.Kind == yaml.AliasNode {
			w.add(kp, "YAML aliases are not supported")
			continue
		}
		f(kp, v)
	}
	for _, r := range required {
		if !seen[r] {
			w.add(join(path, r), "required")
		}
	}
	return seen
}

func knownList(f fields) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// str reads a scalar as text; numbers are taken as written (a numeric
// client id), booleans and nulls are refused.
func (w *walker) str(dst *string) func(string, *yaml.Node) {
	return func(p string, n *yaml.Node) {
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float") {
			w.add(p, "must be a string")
			return
		}
		*dst = strings.TrimSpace(n.Value)
		if *dst == "" {
			w.add(p, "must not be empty")
		}
	}
}

func (w *walker) boolean(dst *bool) func(string, *yaml.Node) {
	return func(p string, n *yaml.Node) {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			w.add(p, "must be true or false")
			return
		}
		if err := n.Decode(dst); err != nil {
			w.add(p, "must be true or false")
		}
	}
}

func (w *walker) integer(dst *int) func(string, *yaml.Node) {
	return func(p string, n *yaml.Node) {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			w.add(p, "must be a whole number")
			return
		}
		if err := n.Decode(dst); err != nil {
			w.add(p, "must be a whole number")
		}
	}
}

func (w *walker) httpURL(p, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		w.add(p, "must be an http(s) URL, got %q", s)
	}
}

func (w *walker) social(path string, n *yaml.Node, s *SocialAccount) {
	if isNull(n) {
		return
	}
	app := func(dst **OAuthApp) func(string, *yaml.Node) {
		return func(p string, n *yaml.Node) {
			if isNull(n) {
				return
			}
			a := &OAuthApp{}
			w.mapping(p, n, fields{"client_id": w.str(&a.ClientID), "client_secret": w.str(&a.ClientSecret)},
				[]string{"client_id", "client_secret"})
			*dst = a
		}
	}
	w.mapping(path, n, fields{
		"enabled": w.boolean(&s.Enabled),
		"google":  app(&s.Google),
		"github":  app(&s.GitHub),
		"amazon_cognito": func(p string, n *yaml.Node) {
			if isNull(n) {
				return
			}
			a := &CognitoApp{}
			seen := w.mapping(p, n, fields{"client_id": w.str(&a.ClientID), "client_secret": w.str(&a.ClientSecret), "domain": w.str(&a.Domain)},
				[]string{"client_id", "client_secret", "domain"})
			if seen["domain"] && a.Domain != "" {
				if !strings.Contains(a.Domain, "://") {
					a.Domain = "https://" + a.Domain
				}
				a.Domain = strings.TrimRight(a.Domain, "/")
				w.httpURL(join(p, "domain"), a.Domain)
			}
			s.AmazonCognito = a
		},
	}, nil)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Keys that only one protocol uses.
var (
	oidcOnly = []string{"server_url", "client_id", "client_secret", "token_auth_method"}
	samlOnly = []string{"entity_id", "metadata_url", "sso_url", "x509_cert", "attribute_mapping", "allow_sha1_signatures"}
)

func (w *walker) sso(path string, n *yaml.Node, s *SSO) {
	if isNull(n) {
		return
	}
	var mode string
	seen := w.mapping(path, n, fields{
		"enabled":        w.boolean(&s.Enabled),
		"selection_mode": w.str(&mode),
		"enable_pkce":    w.boolean(&s.EnablePKCE),
		"identity_providers": func(p string, n *yaml.Node) {
			if isNull(n) {
				return
			}
			if n.Kind != yaml.SequenceNode {
				w.add(p, "must be a list")
				return
			}
			ids := map[string]int{}
			for i, item := range n.Content {
				ip := fmt.Sprintf("%s[%d]", p, i)
				idp := w.identityProvider(ip, item)
				if idp.ID != "" {
					if first, dup := ids[idp.ID]; dup {
						w.add(join(ip, "id"), "%q is used by %s[%d] already", idp.ID, p, first)
					} else {
						ids[idp.ID] = i
					}
				}
				s.IdentityProviders = append(s.IdentityProviders, idp)
			}
		},
	}, nil)
	if seen["selection_mode"] && mode != "" {
		switch mode {
		case SelectByEmail, SelectByWeight:
			s.SelectionMode = mode
		default:
			w.add(join(path, "selection_mode"), "must be %s or %s, got %q", SelectByEmail, SelectByWeight, mode)
		}
	}
	if s.Enabled && len(s.IdentityProviders) == 0 {
		w.add(join(path, "identity_providers"), "at least one identity provider is needed when sso.enabled is true")
	}
}

func (w *walker) identityProvider(p string, n *yaml.Node) IdentityProvider {
	idp := IdentityProvider{Weight: DefaultWeight}
	var protocol string
	am := &idp.AttributeMapping
	seen := w.mapping(p, n, fields{
		"id":                    w.str(&idp.ID),
		"name":                  w.str(&idp.Name),
		"protocol":              w.str(&protocol),
		"email_domain":          w.str(&idp.EmailDomain),
		"weight":                w.integer(&idp.Weight),
		"server_url":            w.str(&idp.ServerURL),
		"client_id":             w.str(&idp.ClientID),
		"client_secret":         w.str(&idp.ClientSecret),
		"token_auth_method":     w.str(&idp.TokenAuthMethod),
		"entity_id":             w.str(&idp.EntityID),
		"metadata_url":          w.str(&idp.MetadataURL),
		"sso_url":               w.str(&idp.SSOURL),
		"x509_cert":             w.str(&idp.X509Cert),
		"allow_sha1_signatures": w.boolean(&idp.AllowSHA1Signatures),
		"attribute_mapping": func(ap string, n *yaml.Node) {
			w.mapping(ap, n, fields{
				"uid": w.str(&am.UID), "username": w.str(&am.Username), "email": w.str(&am.Email),
				"first_name": w.str(&am.FirstName), "last_name": w.str(&am.LastName), "email_verified": w.str(&am.EmailVerified),
			}, []string{"email"})
		},
	}, []string{"id", "name", "protocol"})
	if n.Kind != yaml.MappingNode {
		return idp
	}
	if seen["id"] && idp.ID != "" && !idPattern.MatchString(idp.ID) {
		w.add(join(p, "id"), "must be 1-64 letters, digits, '-' or '_' (it is part of the callback URLs), got %q", idp.ID)
	}
	idp.EmailDomain = strings.ToLower(strings.TrimPrefix(idp.EmailDomain, "@"))
	if idp.EmailDomain != "" && (strings.ContainsAny(idp.EmailDomain, "@/ ") || !strings.Contains(idp.EmailDomain, ".")) {
		w.add(join(p, "email_domain"), "must be a domain such as example.com, got %q", idp.EmailDomain)
	}
	if seen["weight"] && idp.Weight < 0 {
		w.add(join(p, "weight"), "must be 0 or more")
	}
	if !seen["protocol"] || protocol == "" {
		return idp
	}
	idp.Protocol = strings.ToLower(protocol)
	var foreign []string
	switch idp.Protocol {
	case ProtocolOIDC:
		foreign = samlOnly
		for _, k := range []string{"server_url", "client_id", "client_secret"} {
			if !seen[k] {
				w.add(join(p, k), "required for OIDC")
			}
		}
		if idp.ServerURL != "" {
			idp.ServerURL = strings.TrimRight(strings.TrimSuffix(strings.TrimRight(idp.ServerURL, "/"), "/.well-known/openid-configuration"), "/")
			w.httpURL(join(p, "server_url"), idp.ServerURL)
		}
		switch idp.TokenAuthMethod {
		case "", TokenAuthBasic, TokenAuthPost:
		default:
			w.add(join(p, "token_auth_method"), "must be %s or %s, got %q", TokenAuthBasic, TokenAuthPost, idp.TokenAuthMethod)
		}
	case ProtocolSAML:
		foreign = oidcOnly
		for _, k := range []string{"entity_id", "attribute_mapping"} {
			if !seen[k] {
				w.add(join(p, k), "required for SAML")
			}
		}
		hasMeta, hasURL, hasCert := seen["metadata_url"], seen["sso_url"], seen["x509_cert"]
		switch {
		case hasMeta && (hasURL || hasCert):
			w.add(p, "give either metadata_url or sso_url with x509_cert, not both")
		case !hasMeta && !hasURL && !hasCert:
			w.add(join(p, "metadata_url"), "required for SAML unless sso_url and x509_cert are given")
		case !hasMeta && !hasURL:
			w.add(join(p, "sso_url"), "required with x509_cert (or give metadata_url instead)")
		case !hasMeta && !hasCert:
			w.add(join(p, "x509_cert"), "required with sso_url (or give metadata_url instead)")
		}
		if idp.MetadataURL != "" {
			w.httpURL(join(p, "metadata_url"), idp.MetadataURL)
		}
		if idp.SSOURL != "" {
			w.httpURL(join(p, "sso_url"), idp.SSOURL)
		}
		if idp.X509Cert != "" {
			if _, err := idp.Certificate(); err != nil {
				w.add(join(p, "x509_cert"), "%v", err)
			}
		}
	default:
		w.add(join(p, "protocol"), "must be OIDC or SAML, got %q", protocol)
		return idp
	}
	for _, k := range foreign {
		if seen[k] {
			w.add(join(p, k), "not used with protocol %s", strings.ToUpper(idp.Protocol))
		}
	}
	return idp
}
