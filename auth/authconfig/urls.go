package authconfig

import "strings"

// Social provider names as they appear in URLs and in the API.
const (
	SocialGoogle  = "google"
	SocialGitHub  = "github"
	SocialCognito = "amazon-cognito"
)

// Endpoint paths (relative to the public base URL) that identity providers
// are told about. They keep CVAT's trailing slashes.

// OIDCLoginPath starts the OIDC login with IdP id.
func OIDCLoginPath(id string) string { return "/api/auth/oidc/" + id + "/login/" }

// OIDCCallbackPath is the redirect URI registered at the OIDC IdP.
func OIDCCallbackPath(id string) string { return "/api/auth/oidc/" + id + "/login/callback/" }

// SAMLLoginPath starts the SAML login with IdP id.
func SAMLLoginPath(id string) string { return "/api/auth/saml/" + id + "/login/" }

// SAMLACSPath is the assertion consumer service URL.
func SAMLACSPath(id string) string { return "/api/auth/saml/" + id + "/acs/" }

// SAMLMetadataPath serves the SP metadata; its full URL is the SP entity ID.
func SAMLMetadataPath(id string) string { return "/api/auth/saml/" + id + "/metadata/" }

// SocialLoginPath starts a social login (provider is SocialGoogle, ...).
func SocialLoginPath(provider string) string { return "/api/auth/social/" + provider + "/login/" }

// SocialCallbackPath is the redirect URI registered at the social provider.
func SocialCallbackPath(provider string) string {
	return "/api/auth/social/" + provider + "/login/callback/"
}

// LoginPath is where a browser starts signing in with this IdP.
func (p *IdentityProvider) LoginPath() string {
	if p.Protocol == ProtocolSAML {
		return SAMLLoginPath(p.ID)
	}
	return OIDCLoginPath(p.ID)
}

// CallbackURLs lists, for an operator, what to register at each configured
// provider: label and absolute URL pairs.
func (c *Config) CallbackURLs(baseURL string) [][2]string {
	base := strings.TrimRight(baseURL, "/")
	var out [][2]string
	if c == nil {
		return out
	}
	if c.SocialAccount.Enabled {
		for _, s := range c.SocialProviders() {
			out = append(out, [2]string{"social " + s + " callback URL", base + SocialCallbackPath(s)})
		}
	}
	if c.SSO.Enabled {
		for _, p := range c.SSO.IdentityProviders {
			switch p.Protocol {
			case ProtocolOIDC:
				out = append(out, [2]string{"OIDC " + p.ID + " redirect URI", base + OIDCCallbackPath(p.ID)})
			case ProtocolSAML:
				out = append(out,
					[2]string{"SAML " + p.ID + " ACS URL", base + SAMLACSPath(p.ID)},
					[2]string{"SAML " + p.ID + " SP entity ID / metadata URL", base + SAMLMetadataPath(p.ID)})
			}
		}
	}
	return out
}

// SocialProviders lists the configured social providers in a fixed order
// (enabled or not: callers check SocialAccount.Enabled).
func (c *Config) SocialProviders() []string {
	var out []string
	if c == nil {
		return out
	}
	if c.SocialAccount.Google != nil {
		out = append(out, SocialGoogle)
	}
	if c.SocialAccount.GitHub != nil {
		out = append(out, SocialGitHub)
	}
	if c.SocialAccount.AmazonCognito != nil {
		out = append(out, SocialCognito)
	}
	return out
}
