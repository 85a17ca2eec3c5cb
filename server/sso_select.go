package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/auth/authconfig"
)

type ssoSelectRequest struct {
	Email string `json:"email"`
	// Next and Invitation are carried over to the login URL.
	Next       string `json:"next"`
	Invitation string `json:"invitation"`
	// DomainOnly asks only for an IdP whose email_domain is the email's
	// domain, whatever the selection mode: the login page's identifier step
	// sends it so that lowest_weight mode does not take every address to SSO.
	DomainOnly bool `json:"domain_only"`
}

type idpBody struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
}

type ssoSelectResponse struct {
	LoginURL string  `json:"login_url"`
	IdP      idpBody `json:"idp"`
}

// pickIdP applies sso.selection_mode: by the email's domain, or the lowest
// weight (the first listed wins a tie). With domainOnly the domain must
// match in either mode.
func pickIdP(cfg *authconfig.Config, email string, domainOnly bool) *authconfig.IdentityProvider {
	if cfg == nil || !cfg.SSO.Enabled {
		return nil
	}
	var best *authconfig.IdentityProvider
	domain := ""
	if at := strings.LastIndex(email, "@"); at >= 0 {
		domain = strings.ToLower(strings.TrimSpace(email[at+1:]))
	}
	for i := range cfg.SSO.IdentityProviders {
		p := &cfg.SSO.IdentityProviders[i]
		byDomain := cfg.SSO.SelectionMode == authconfig.SelectByEmail || domainOnly
		if byDomain && (domain == "" || p.EmailDomain != domain) {
			continue
		}
		if best == nil || p.Weight < best.Weight {
			best = p
		}
	}
	return best
}

// loginURL is the absolute URL that starts a sign-in at path, carrying
// next and the invitation secret.
func (s *Server) loginURL(path, next, invitation string) string {
	q := url.Values{}
	if next != "" {
		q.Set("next", safeNext(next))
	}
	if invitation != "" {
		q.Set("invitation", invitation)
	}
	u := s.cfg.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// ssoSelect tells the login page which IdP signs in this email.
func (s *Server) ssoSelect(c *fiber.Ctx) error {
	var in ssoSelectRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Email = strings.TrimSpace(in.Email)
	cfg := s.external.cfg
	if cfg.SSO.SelectionMode == authconfig.SelectByEmail || in.DomainOnly || in.Email != "" {
		v := Validation{}
		validateEmail(v, "email", in.Email)
		if err := v.Err(); err != nil {
			return err
		}
	}
	p := pickIdP(cfg, in.Email, in.DomainOnly)
	if p == nil {
		return NotFound("No single sign-on provider serves this address: sign in with a password.")
	}
	return sendJSON(c, fiber.StatusOK, ssoSelectResponse{
		LoginURL: s.loginURL(p.LoginPath(), in.Next, in.Invitation),
		IdP:      idpBody{ID: p.ID, Name: p.Name, Protocol: p.Protocol},
	})
}

type socialMethodBody struct {
	Provider string `json:"provider"`
	Name     string `json:"name"`
	LoginURL string `json:"login_url"`
}

type ssoIdPMethodBody struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	LoginURL string `json:"login_url"`
}

type ssoMethodsBody struct {
	Enabled           bool               `json:"enabled"`
	SelectionMode     string             `json:"selection_mode"`
	IdentityProviders []ssoIdPMethodBody `json:"identity_providers"`
}

// externalMethods is the social and sso part of GET /api/server/auth-methods.
func (s *Server) externalMethods() ([]socialMethodBody, ssoMethodsBody) {
	cfg := s.external.cfg
	social := []socialMethodBody{}
	if cfg.SocialAccount.Enabled {
		for _, name := range cfg.SocialProviders() {
			social = append(social, socialMethodBody{Provider: name, Name: socialNames[name], LoginURL: s.cfg.BaseURL + authconfig.SocialLoginPath(name)})
		}
	}
	sso := ssoMethodsBody{Enabled: cfg.SSO.Enabled && len(cfg.SSO.IdentityProviders) > 0, SelectionMode: cfg.SSO.SelectionMode, IdentityProviders: []ssoIdPMethodBody{}}
	if sso.SelectionMode == "" {
		sso.SelectionMode = authconfig.SelectByEmail
	}
	if sso.Enabled {
		for _, p := range cfg.SSO.IdentityProviders {
			sso.IdentityProviders = append(sso.IdentityProviders, ssoIdPMethodBody{ID: p.ID, Name: p.Name, Protocol: p.Protocol, LoginURL: s.cfg.BaseURL + p.LoginPath()})
		}
	}
	return social, sso
}
