package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/auth/saml"
	"github.com/gatehouse/gatehouse/models"
)

// samlBindCookie ties a SAML sign-in to the browser that started it. The
// IdP's answer reaches the ACS as a cross-site POST, which carries only
// SameSite=None cookies, and browsers keep those for https sites only: on
// an https base URL the ACS requires this cookie to hold the RelayState, so
// a response obtained by someone else cannot sign a victim's browser into
// the attacker's account (login CSRF). On http (local trials) the RelayState
// alone finds the flow.
const samlBindCookie = "gatehouse_saml_state"

// samlService serves the SAML service provider endpoints of every SAML
// identity provider in the auth config.
type samlService struct {
	s   *Server
	idp map[string]*samlIdP
}

type samlIdP struct {
	name string
	sp   *saml.Provider
	err  error // why the provider could not be built (then logins fail)
}

// samlReplayStore keeps accepted assertion IDs in the database.
type samlReplayStore struct{ s *Server }

func (r samlReplayStore) Consume(ctx context.Context, idp, id string, expiresAt time.Time) error {
	err := r.s.db.ConsumeSAMLAssertion(ctx, idp, id, expiresAt, r.s.clock.Now())
	if errors.Is(err, models.ErrAssertionReplayed) {
		return saml.ErrReplayed
	}
	return err
}

// samlRoutes mounts /api/auth/saml/<id>/{metadata,login,acs}/ on the app,
// ahead of the /api group: the ACS is posted by the IdP's auto-submitting
// form from another site, so it cannot carry our CSRF token or Origin. A
// signed response that answers a pending request of ours (RelayState and
// InResponseTo) is what vouches for it. Nothing is mounted when no SAML
// IdP is configured.
func (s *Server) samlRoutes(app *fiber.App) {
	cfg := s.cfg.Auth
	if cfg == nil || !cfg.SSO.Enabled {
		return
	}
	var idps []authconfig.IdentityProvider
	for _, p := range cfg.SSO.IdentityProviders {
		if p.Protocol == authconfig.ProtocolSAML {
			idps = append(idps, p)
		}
	}
	if len(idps) == 0 {
		return
	}
	svc := &samlService{s: s, idp: map[string]*samlIdP{}}
	keys, keyErr := s.samlKeys(context.Background())
	for _, p := range idps {
		entry := &samlIdP{name: p.Name, err: keyErr}
		if keyErr == nil {
			entry.sp, entry.err = saml.New(saml.Options{
				ID: p.ID, BaseURL: s.cfg.BaseURL, EntityID: p.EntityID,
				MetadataURL: p.MetadataURL, SSOURL: p.SSOURL, X509Cert: p.X509Cert,
				Mapping: saml.AttributeMapping(p.AttributeMapping), AllowSHA1: p.AllowSHA1Signatures,
			}, saml.Config{Keys: keys, Replay: samlReplayStore{s}, Clock: s.clock, Logger: s.log})
			if p.AllowSHA1Signatures {
				s.log.Warn("saml identity provider may sign with SHA-1 (allow_sha1_signatures: true)", "idp", p.ID)
			}
		}
		if entry.err != nil {
			s.log.Error("saml identity provider disabled", "idp", p.ID, "err", entry.err)
		}
		svc.idp[p.ID] = entry
	}
	app.Get("/api/auth/saml/:id/metadata", svc.metadata)
	app.Get("/api/auth/saml/:id/login", s.authBudget, svc.login)
	app.Post("/api/auth/saml/:id/acs", s.authBudget, svc.acs)
}

// samlKeys returns the SP key pair, kept in the database so that every
// replica signs and decrypts with the one certificate the IdPs trust. On the
// first start with SAML the pair is imported from <data dir>/saml when an
// older version left it there, else made; when replicas start together the
// first stored pair wins and all use it.
func (s *Server) samlKeys(ctx context.Context) (*saml.Keys, error) {
	stored, err := s.db.SAMLSPKeyPair(ctx)
	if errors.Is(err, models.ErrNotFound) {
		stored, err = s.storeSAMLKeys(ctx)
	}
	if err != nil {
		return nil, err
	}
	k, err := saml.ParseKeys([]byte(stored.KeyPEM), []byte(stored.CertPEM))
	if err != nil {
		return nil, fmt.Errorf("saml key pair in the database: %w", err)
	}
	return k, nil
}

func (s *Server) storeSAMLKeys(ctx context.Context) (*models.SAMLSPKey, error) {
	now := s.clock.Now()
	if s.cfg.DataDir != "" {
		keyPEM, certPEM, found, err := saml.ReadKeyFiles(s.cfg.DataDir)
		if err != nil {
			return nil, err
		}
		if found {
			s.log.Info("saml: the service provider key pair of the data dir is now kept in the database, shared by every replica",
				"dir", filepath.Join(s.cfg.DataDir, "saml"))
			return s.db.StoreSAMLSPKeyPair(ctx, models.SAMLSPKey{KeyPEM: string(keyPEM), CertPEM: string(certPEM), Source: "imported", CreatedAt: now})
		}
	}
	_, keyPEM, certPEM, err := saml.NewKeyPair(now)
	if err != nil {
		return nil, err
	}
	return s.db.StoreSAMLSPKeyPair(ctx, models.SAMLSPKey{KeyPEM: string(keyPEM), CertPEM: string(certPEM), Source: "generated", CreatedAt: now})
}

func (svc *samlService) lookup(c *fiber.Ctx) (*samlIdP, string, bool) {
	id := c.Params("id")
	p, ok := svc.idp[id]
	return p, id, ok
}

// metadata serves our SP metadata for one IdP; its URL is our entity ID.
func (svc *samlService) metadata(c *fiber.Ctx) error {
	p, _, ok := svc.lookup(c)
	if !ok {
		return NotFound("Not found.")
	}
	if p.err != nil {
		return Errorf(fiber.StatusServiceUnavailable, "This SAML identity provider is not available.")
	}
	doc, err := p.sp.Metadata()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/samlmetadata+xml")
	return c.Status(fiber.StatusOK).Send(doc)
}

// login starts a sign-in: the flow (next, invitation) is stored under a
// fresh RelayState and the browser goes to the IdP with a signed request.
func (svc *samlService) login(c *fiber.Ctx) error {
	s := svc.s
	p, id, ok := svc.lookup(c)
	if !ok {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	if p.err != nil {
		return s.externalLoginError(c, reasonIdPUnavailable, p.name)
	}
	flow, err := s.beginExternalFlow(c, "saml:"+id, false, false)
	if err != nil {
		return err
	}
	redirect, _, err := p.sp.AuthnRequest(c.UserContext(), flow.State)
	if err != nil {
		s.logger(c).Warn("saml: cannot start sign-in", "idp", id, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, p.name)
	}
	if s.https {
		c.Cookie(&fiber.Cookie{Name: samlBindCookie, Value: flow.State, Path: "/api/auth/saml/", HTTPOnly: true, Secure: true,
			SameSite: fiber.CookieSameSiteNoneMode, MaxAge: int(externalFlowTTL / time.Second)})
	}
	return c.Redirect(redirect, fiber.StatusFound)
}

// acs receives the IdP's response (HTTP-POST binding).
func (svc *samlService) acs(c *fiber.Ctx) error {
	s := svc.s
	p, id, ok := svc.lookup(c)
	if !ok {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	if p.err != nil {
		return s.externalLoginError(c, reasonIdPUnavailable, p.name)
	}
	relayState := c.FormValue("RelayState")
	if s.https {
		bound := c.Cookies(samlBindCookie)
		c.Cookie(&fiber.Cookie{Name: samlBindCookie, Value: "", Path: "/api/auth/saml/", HTTPOnly: true, Secure: true,
			SameSite: fiber.CookieSameSiteNoneMode, Expires: time.Unix(0, 0), MaxAge: -1})
		if relayState == "" || subtle.ConstantTimeCompare([]byte(bound), []byte(relayState)) != 1 {
			s.logger(c).Info("saml: response for a sign-in this browser did not start", "idp", id)
			return s.externalLoginError(c, reasonBadState, p.name)
		}
	}
	flow, err := s.takeExternalFlow(c, "saml:"+id, relayState, false)
	if errors.Is(err, errBadState) {
		s.logger(c).Info("saml: response without a pending sign-in", "idp", id)
		return s.externalLoginError(c, reasonBadState, p.name)
	}
	if err != nil {
		return err
	}
	got, err := p.sp.ParseResponse(c.UserContext(), c.FormValue("SAMLResponse"), saml.RequestID(relayState))
	if err != nil {
		reason := ""
		switch {
		case errors.Is(err, saml.ErrBadSignature):
			reason = reasonBadSignature
		case errors.Is(err, saml.ErrIdPUnavailable):
			reason = reasonIdPUnavailable
		case errors.Is(err, saml.ErrInvalidResponse):
			reason = reasonInvalidResponse
		case errors.Is(err, saml.ErrAccessDenied):
			reason = reasonAccessDenied
		default:
			return err
		}
		s.logger(c).Warn("saml: response refused", "idp", id, "reason", reason, "err", err)
		return s.externalLoginError(c, reason, p.name)
	}
	return s.finishExternalLogin(c, flow.externalFlow, auth.ExternalIdentity{
		Provider: "saml:" + id, ProviderName: p.name, Subject: got.Subject,
		Email: got.Email, EmailVerified: got.EmailVerified, Username: got.Username,
		FirstName: got.FirstName, LastName: got.LastName,
	})
}
