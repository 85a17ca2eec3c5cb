package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
)

// idpTimeout bounds each call to an identity provider.
const idpTimeout = 10 * time.Second

// discoveryRetry is how long a failed discovery is remembered: sign-ins in
// that time fail at once instead of each waiting for an IdP that is down.
const discoveryRetry = 30 * time.Second

// oidcIdP is an OIDC identity provider whose discovery document is fetched
// on first use: an IdP that is down at start-up does not stop the server,
// and a failed fetch is retried by the first sign-in after discoveryRetry.
type oidcIdP struct {
	cfg authconfig.IdentityProvider

	mu        sync.Mutex
	provider  *oidc.Provider
	authStyle oauth2.AuthStyle
	failedAt  time.Time // of the last failed discovery (zero: none)
	failure   error
}

// discovered returns the provider, fetching its discovery document when
// needed (now is the product clock's time).
func (p *oidcIdP) discovered(ctx context.Context, client *http.Client, now time.Time) (*oidc.Provider, oauth2.AuthStyle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, p.authStyle, nil
	}
	if p.failure != nil && now.Sub(p.failedAt) < discoveryRetry && !now.Before(p.failedAt) {
		return nil, 0, p.failure
	}
	prov, style, err := p.discover(ctx, client)
	if err != nil {
		p.failedAt, p.failure = now, err
		return nil, 0, err
	}
	p.provider, p.authStyle, p.failure = prov, style, nil
	return prov, style, nil
}

// discover fetches the discovery document and picks how the client
// authenticates at the token endpoint.
func (p *oidcIdP) discover(ctx context.Context, client *http.Client) (*oidc.Provider, oauth2.AuthStyle, error) {
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), idpTimeout)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, p.cfg.ServerURL)
	if err != nil {
		return nil, 0, fmt.Errorf("discover %s: %w", p.cfg.ServerURL, err)
	}
	var meta struct {
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := prov.Claims(&meta); err != nil {
		return nil, 0, fmt.Errorf("read discovery document of %s: %w", p.cfg.ServerURL, err)
	}
	method := p.cfg.TokenAuthMethod
	if method == "" {
		method = authconfig.TokenAuthBasic // the default of the OIDC specs
		for _, m := range meta.Methods {
			if m == authconfig.TokenAuthBasic || m == authconfig.TokenAuthPost {
				method = m
				break
			}
		}
	}
	if method == authconfig.TokenAuthPost {
		return prov, oauth2.AuthStyleInParams, nil
	}
	return prov, oauth2.AuthStyleInHeader, nil
}

// oidcIdP finds an enabled OIDC IdP by id.
func (e *externalProviders) oidcIdP(id string) *oidcIdP {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.oidc[id]; ok {
		return p
	}
	cfg, ok := e.cfg.Provider(id)
	if !ok || cfg.Protocol != authconfig.ProtocolOIDC {
		return nil
	}
	p := &oidcIdP{cfg: *cfg}
	e.oidc[id] = p
	return p
}

func (s *Server) oidcOAuth2Config(p *oidcIdP, prov *oidc.Provider, style oauth2.AuthStyle) *oauth2.Config {
	ep := prov.Endpoint()
	ep.AuthStyle = style
	return &oauth2.Config{
		ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: ep,
		RedirectURL: s.cfg.BaseURL + authconfig.OIDCCallbackPath(p.cfg.ID),
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// oidcLogin sends the browser to the IdP (a top-level GET: the state, bound
// to the browser by the flow cookie, protects the callback).
func (s *Server) oidcLogin(c *fiber.Ctx) error {
	p := s.external.oidcIdP(c.Params("idp"))
	if p == nil {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	prov, style, err := p.discovered(c.UserContext(), s.external.httpClient, s.clock.Now())
	if err != nil {
		s.logger(c).Warn("OIDC provider unavailable", "idp", p.cfg.ID, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, p.cfg.Name)
	}
	pkce := s.external.cfg.SSO.EnablePKCE
	flow, err := s.beginExternalFlow(c, "oidc:"+p.cfg.ID, true, pkce)
	if err != nil {
		return err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(flow.Nonce)}
	if pkce {
		opts = append(opts, oauth2.S256ChallengeOption(flow.Verifier))
	}
	return c.Redirect(s.oidcOAuth2Config(p, prov, style).AuthCodeURL(flow.State, opts...), fiber.StatusFound)
}

// oidcClaims are the ID token and userinfo claims Gatehouse reads.
type oidcClaims struct {
	Subject           string   `json:"sub"`
	Email             string   `json:"email"`
	EmailVerified     flexBool `json:"email_verified"`
	PreferredUsername string   `json:"preferred_username"`
	Nickname          string   `json:"nickname"`
	GivenName         string   `json:"given_name"`
	FamilyName        string   `json:"family_name"`
}

// flexBool takes true/false as JSON booleans or strings (some IdPs send
// "true"); present tells whether the claim was there.
type flexBool struct{ value, present bool }

func (b *flexBool) UnmarshalJSON(raw []byte) error {
	s := strings.Trim(string(raw), `"`)
	if s == "null" {
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("email_verified %s: not a boolean", raw)
	}
	b.value, b.present = v, true
	return nil
}

// oidcCallback checks everything the IdP sent back and signs the person in.
func (s *Server) oidcCallback(c *fiber.Ctx) error {
	p := s.external.oidcIdP(c.Params("idp"))
	if p == nil {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	name := p.cfg.Name
	flow, err := s.takeExternalFlow(c, "oidc:"+p.cfg.ID, c.Query("state"), true)
	if errors.Is(err, errBadState) {
		return s.externalLoginError(c, reasonBadState, name)
	}
	if err != nil {
		return err
	}
	if e := c.Query("error"); e != "" {
		s.logger(c).Info("OIDC provider refused the sign-in", "idp", p.cfg.ID, "error", e, "description", truncateRunes(c.Query("error_description"), 200))
		return s.externalLoginError(c, reasonAccessDenied, name)
	}
	code := c.Query("code")
	if code == "" {
		return s.externalLoginError(c, reasonInvalidResponse, name)
	}
	ctx := oidc.ClientContext(c.UserContext(), s.external.httpClient)
	prov, style, err := p.discovered(ctx, s.external.httpClient, s.clock.Now())
	if err != nil {
		s.logger(c).Warn("OIDC provider unavailable", "idp", p.cfg.ID, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, name)
	}
	ctx, cancel := context.WithTimeout(ctx, idpTimeout)
	defer cancel()
	var opts []oauth2.AuthCodeOption
	if flow.Verifier != "" {
		opts = append(opts, oauth2.VerifierOption(flow.Verifier))
	}
	conf := s.oidcOAuth2Config(p, prov, style)
	tok, err := conf.Exchange(ctx, code, opts...)
	if err != nil {
		s.logger(c).Warn("OIDC token exchange failed", "idp", p.cfg.ID, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, name)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return s.externalLoginError(c, reasonInvalidResponse, name)
	}
	verifier := prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, Now: s.clock.Now})
	idTok, err := verifier.Verify(ctx, rawID)
	if err != nil {
		s.logger(c).Warn("OIDC ID token refused", "idp", p.cfg.ID, "err", err)
		return s.externalLoginError(c, reasonBadSignature, name)
	}
	if subtle.ConstantTimeCompare([]byte(idTok.Nonce), []byte(flow.Nonce)) != 1 {
		s.logger(c).Warn("OIDC ID token nonce does not match the sign-in", "idp", p.cfg.ID)
		return s.externalLoginError(c, reasonBadSignature, name)
	}
	var cl oidcClaims
	if err := idTok.Claims(&cl); err != nil {
		return s.externalLoginError(c, reasonInvalidResponse, name)
	}
	if (cl.Email == "" || !cl.EmailVerified.present) && prov.UserInfoEndpoint() != "" {
		info, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			s.logger(c).Warn("OIDC userinfo failed", "idp", p.cfg.ID, "err", err)
			return s.externalLoginError(c, reasonIdPUnavailable, name)
		}
		var more oidcClaims
		if err := info.Claims(&more); err != nil || more.Subject != idTok.Subject {
			return s.externalLoginError(c, reasonInvalidResponse, name)
		}
		if cl.Email == "" || strings.EqualFold(cl.Email, more.Email) {
			cl.Email, cl.EmailVerified = more.Email, more.EmailVerified
		}
		cl.PreferredUsername = firstNonEmpty(cl.PreferredUsername, more.PreferredUsername)
		cl.GivenName = firstNonEmpty(cl.GivenName, more.GivenName)
		cl.FamilyName = firstNonEmpty(cl.FamilyName, more.FamilyName)
	}
	return s.finishExternalLogin(c, flow.externalFlow, auth.ExternalIdentity{
		Provider: "oidc:" + p.cfg.ID, ProviderName: name, Subject: idTok.Subject,
		Email: cl.Email, EmailVerified: cl.EmailVerified.value,
		Username: firstNonEmpty(cl.PreferredUsername, cl.Nickname), FirstName: cl.GivenName, LastName: cl.FamilyName,
	})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
