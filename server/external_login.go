package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/models"
)

// Why a sign-in with an outside provider failed: the reason codes the
// error page (/auth/error?reason=...) explains.
const (
	reasonAccessDenied     = "access_denied"
	reasonBadState         = "bad_state"
	reasonBadSignature     = "bad_signature"
	reasonIdPUnavailable   = "idp_unavailable"
	reasonEmailNotVerified = "email_not_verified"
	reasonNoEmail          = "no_email"
	reasonAccountInactive  = "account_inactive"
	reasonRegistrationOff  = "registration_disabled"
	reasonUnknownIdP       = "unknown_idp"
	reasonInvalidResponse  = "invalid_response"
)

// externalFlowTTL bounds the round trip to the IdP.
const externalFlowTTL = 10 * time.Minute

// externalFlowCookie holds the random id of the browser's sign-in in
// progress (its SHA-256 is stored server-side).
const externalFlowCookie = "gatehouse_sso_flow"

// externalFlow travels through the IdP round trip (kept server-side).
type externalFlow struct {
	Next       string // safe relative path only ("/..." not "//..."), else "/"
	Invitation string // invitation secret from the sign-up link, accepted after login
}

// pendingFlow is a started sign-in: State goes to the IdP (OIDC state or
// SAML RelayState), Nonce and Verifier (PKCE) stay here.
type pendingFlow struct {
	externalFlow
	State    string
	Nonce    string
	Verifier string
}

// safeNext keeps only same-site relative paths, so the login URL cannot be
// used to send people elsewhere.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	if strings.ContainsAny(next, "\r\n\t\x00") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// beginExternalFlow stores a new sign-in with provider ("oidc:<id>", ...)
// and binds it to the browser with an HttpOnly cookie. The flow's next and
// invitation come from the login URL's query.
func (s *Server) beginExternalFlow(c *fiber.Ctx, provider string, withNonce, withVerifier bool) (*pendingFlow, error) {
	flowID, err := auth.NewToken(32)
	if err != nil {
		return nil, fmt.Errorf("make flow id: %w", err)
	}
	p := &pendingFlow{externalFlow: externalFlow{Next: safeNext(c.Query("next")), Invitation: strings.TrimSpace(c.Query("invitation"))}}
	if len(p.Invitation) > 128 {
		p.Invitation = ""
	}
	if p.State, err = auth.NewToken(32); err != nil {
		return nil, fmt.Errorf("make state: %w", err)
	}
	if withNonce {
		if p.Nonce, err = auth.NewToken(32); err != nil {
			return nil, fmt.Errorf("make nonce: %w", err)
		}
	}
	if withVerifier {
		if p.Verifier, err = auth.NewToken(48); err != nil {
			return nil, fmt.Errorf("make PKCE verifier: %w", err)
		}
	}
	now := s.clock.Now()
	if err := s.db.CreateExternalFlow(c.UserContext(), &models.ExternalFlow{
		FlowHash: auth.HashToken(flowID), Provider: provider, StateHash: auth.HashToken(p.State),
		Nonce: p.Nonce, Verifier: p.Verifier, Next: p.Next, Invitation: p.Invitation,
		CreatedAt: now, ExpiresAt: now.Add(externalFlowTTL),
	}); err != nil {
		return nil, err
	}
	c.Cookie(&fiber.Cookie{
		Name: externalFlowCookie, Value: flowID, Path: "/api/auth/", HTTPOnly: true, Secure: s.https,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(externalFlowTTL / time.Second),
	})
	return p, nil
}

// errBadState is any problem with the flow of a callback.
var errBadState = errors.New("sign-in state missing, tampered with or expired")

// takeExternalFlow consumes the browser's flow for provider and checks the
// state the IdP echoed. With bindCookie false (a cross-site POST such as a
// SAML ACS, where a Lax cookie is not sent) the state alone finds the flow.
func (s *Server) takeExternalFlow(c *fiber.Ctx, provider, state string, bindCookie bool) (*pendingFlow, error) {
	if state == "" {
		return nil, errBadState
	}
	flowHash := ""
	if bindCookie {
		cookie := c.Cookies(externalFlowCookie)
		if cookie == "" {
			return nil, errBadState
		}
		flowHash = auth.HashToken(cookie)
		c.Cookie(&fiber.Cookie{Name: externalFlowCookie, Value: "", Path: "/api/auth/", HTTPOnly: true, Secure: s.https,
			SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
	}
	f, err := s.db.TakeExternalFlow(c.UserContext(), flowHash, auth.HashToken(state), s.clock.Now())
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrTokenExpired) {
		return nil, errBadState
	}
	if err != nil {
		return nil, err
	}
	if f.Provider != provider || !auth.EqualHash(f.StateHash, auth.HashToken(state)) {
		return nil, errBadState
	}
	return &pendingFlow{externalFlow: externalFlow{Next: f.Next, Invitation: f.Invitation}, Nonce: f.Nonce, Verifier: f.Verifier, State: state}, nil
}

// externalLoginError ends a failed sign-in on the UI page that explains
// reason.
func (s *Server) externalLoginError(c *fiber.Ctx, reason, idpName string) error {
	s.logger(c).Warn("external sign-in failed", "reason", reason, "idp", idpName)
	s.audit(c, AuditLoginFailed, "", nil, map[string]any{"idp": idpName, "reason": reason})
	q := url.Values{"reason": {reason}}
	if idpName != "" {
		q.Set("idp", idpName)
	}
	return c.Redirect(s.cfg.BaseURL+"/auth/error?"+q.Encode(), fiber.StatusFound)
}

// finishExternalLogin signs in the person the IdP vouched for: by an
// existing link, else by linking the account with the same (IdP-verified)
// email, else by creating an account. It then accepts the invitation of
// the flow, if any, and redirects to flow.Next.
func (s *Server) finishExternalLogin(c *fiber.Ctx, flow externalFlow, ext auth.ExternalIdentity) error {
	ctx := c.UserContext()
	log := s.logger(c)
	ext.Email = strings.TrimSpace(ext.Email)
	if ext.Provider == "" || ext.Subject == "" || len(ext.Subject) > 255 {
		return s.externalLoginError(c, reasonInvalidResponse, ext.ProviderName)
	}
	if ext.Email != "" {
		v := Validation{}
		validateEmail(v, "email", ext.Email)
		if v.Err() != nil {
			return s.externalLoginError(c, reasonInvalidResponse, ext.ProviderName)
		}
	}
	now := s.clock.Now()
	inv := s.flowInvitation(c, flow.Invitation)

	var u *models.User
	outcome := "signed_in" // or "linked", "created"
	link, err := s.db.IdentityBySubject(ctx, ext.Provider, ext.Subject)
	switch {
	case err == nil:
		u, err = s.db.UserByID(ctx, link.UserID)
		if err != nil {
			return err
		}
		if !u.IsActive {
			return s.externalLoginError(c, reasonAccountInactive, ext.ProviderName)
		}
		if err := s.db.TouchIdentity(ctx, link.ID, ext.Email, now); err != nil {
			return err
		}
		if !u.EmailVerified && ext.EmailVerified && strings.EqualFold(u.Email, ext.Email) {
			if err := s.db.MarkEmailVerified(ctx, u.ID, now); err != nil {
				return err
			}
			u.EmailVerified = true
		}
		if s.cfg.Accounts.EmailVerification == VerifyMandatory && !u.EmailVerified {
			// Same rule as a password sign-in: the confirmation mail first.
			return s.externalLoginError(c, reasonEmailNotVerified, ext.ProviderName)
		}
	case errors.Is(err, models.ErrNotFound):
		if ext.Email == "" {
			return s.externalLoginError(c, reasonNoEmail, ext.ProviderName)
		}
		existing, err := s.db.UserByEmail(ctx, ext.Email)
		switch {
		case err == nil:
			// Only an address the IdP verified proves it is the same person.
			if !ext.EmailVerified {
				return s.externalLoginError(c, reasonEmailNotVerified, ext.ProviderName)
			}
			if !existing.IsActive {
				return s.externalLoginError(c, reasonAccountInactive, ext.ProviderName)
			}
			u = existing
			err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := models.CreateIdentityTx(tx, &models.UserIdentity{UserID: u.ID, Provider: ext.Provider, Subject: ext.Subject,
					Email: ext.Email, CreatedDate: now, LastLogin: &now}); err != nil {
					return err
				}
				if !u.EmailVerified {
					return tx.Model(&models.User{}).Where("id = ?", u.ID).Updates(map[string]any{"email_verified": true, "updated_at": now}).Error
				}
				return nil
			})
			if err != nil {
				return err
			}
			u.EmailVerified = true
			outcome = "linked"
			log.Info("external identity linked to an existing account", "user_id", u.ID, "provider", ext.Provider)
		case errors.Is(err, models.ErrNotFound):
			invited := inv != nil && strings.EqualFold(inv.Email, ext.Email)
			if s.cfg.Accounts.DisableRegistration && !invited {
				return s.externalLoginError(c, reasonRegistrationOff, ext.ProviderName)
			}
			u, err = s.createExternalUser(c, ext, invited, now)
			if err != nil {
				if errors.Is(err, models.ErrConflict) {
					return s.externalLoginError(c, reasonInvalidResponse, ext.ProviderName)
				}
				return err
			}
			outcome = "created"
			log.Info("user created through an external provider", "user_id", u.ID, "username", u.Username, "provider", ext.Provider)
			if s.cfg.Accounts.EmailVerification == VerifyMandatory && !u.EmailVerified {
				// The account exists; its owner confirms the address from
				// the mail before signing in.
				return s.externalLoginError(c, reasonEmailNotVerified, ext.ProviderName)
			}
		default:
			return err
		}
	default:
		return err
	}

	if _, err := s.startSession(c, u); err != nil {
		return err
	}
	log.Info("user logged in", "user_id", u.ID, "provider", ext.Provider)
	_ = s.recordAudit(c, nil, auditEntry{Event: AuditSSOLogin, Actor: u, TargetType: "user", TargetID: u.ID,
		Detail: map[string]any{"provider": ext.Provider, "subject": ext.Subject, "outcome": outcome}})
	next := safeNext(flow.Next)
	if inv != nil {
		if s.isInvitee(u, inv) {
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if _, err := s.acceptInvitationTx(c, tx, inv, u.ID, now); err != nil {
					return err
				}
				return s.recordAudit(c, tx, auditEntry{Event: AuditInvitationAccepted, Actor: u, TargetType: "invitation", TargetID: inv.ID,
					Detail: map[string]any{"org_id": inv.OrganizationID, "user_id": u.ID, "role": inv.Role, "via": ext.Provider}})
			})
			if err != nil {
				log.Warn("invitation from the sign-in link not accepted", "user_id", u.ID, "err", err)
			} else {
				log.Info("invitation accepted", "org_id", inv.OrganizationID, "user_id", u.ID, "role", inv.Role, "via", ext.Provider)
			}
		} else {
			log.Warn("invitation from the sign-in link is for another address", "user_id", u.ID)
		}
	}
	return c.Redirect(s.cfg.BaseURL+next, fiber.StatusFound)
}

// flowInvitation loads the invitation whose secret the login link carried,
// or nil when there is none or it cannot be used any more.
func (s *Server) flowInvitation(c *fiber.Ctx, secret string) *models.Invitation {
	if secret == "" {
		return nil
	}
	inv, err := s.db.InvitationByToken(c.UserContext(), auth.HashToken(secret))
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) {
			s.logger(c).Error("load invitation of a sign-in", "err", err)
		}
		return nil
	}
	if inv.Usable(s.clock.Now()) != nil {
		return nil
	}
	return inv
}

// createExternalUser creates the account for a first sign-in. It has no
// usable password; its address counts as verified when the IdP says so, or
// when the invitation link sent to that address came along.
func (s *Server) createExternalUser(c *fiber.Ctx, ext auth.ExternalIdentity, invited bool, now time.Time) (*models.User, error) {
	ctx := c.UserContext()
	var u *models.User
	for attempt := 0; attempt < 3; attempt++ {
		name, err := s.freeUsername(c, ext)
		if err != nil {
			return nil, err
		}
		u = &models.User{
			Username: name, Email: ext.Email, FirstName: truncateRunes(ext.FirstName, 150), LastName: truncateRunes(ext.LastName, 150),
			Role: models.RoleUser, IsActive: true, EmailVerified: ext.EmailVerified || invited,
			DateJoined: now, PasswordChangedAt: now, UpdatedAt: now,
		}
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := models.CreateUserTx(tx, u); err != nil {
				return err
			}
			if err := models.LinkInvitationsTx(tx, u.ID, u.Email); err != nil {
				return err
			}
			if err := models.CreateIdentityTx(tx, &models.UserIdentity{UserID: u.ID, Provider: ext.Provider, Subject: ext.Subject,
				Email: ext.Email, CreatedDate: now, LastLogin: &now}); err != nil {
				return err
			}
			if !u.EmailVerified && s.cfg.Accounts.EmailVerification != VerifyNone {
				return s.sendEmailConfirmation(tx, u, now)
			}
			return nil
		})
		var fc *models.FieldConflict
		if errors.As(err, &fc) && fc.Field == "username" {
			continue // taken meanwhile: pick again
		}
		if err != nil {
			return nil, err
		}
		return u, nil
	}
	return nil, fmt.Errorf("no free username for %q: %w", ext.Username, models.ErrConflict)
}

// freeUsername makes the IdP's suggestion (or the email's local part) a
// valid username and adds a number when it is taken.
func (s *Server) freeUsername(c *fiber.Ctx, ext auth.ExternalIdentity) (string, error) {
	// The IdP's suggestion, else the email's local part, else the whole
	// address: the first long enough to be a username; else the first one
	// padded.
	candidates := []string{usernameFrom(ext.Username)}
	if at := strings.LastIndex(ext.Email, "@"); at > 0 {
		candidates = append(candidates, usernameFrom(ext.Email[:at]), usernameFrom(ext.Email))
	}
	base := ""
	for _, cand := range candidates {
		if utf8.RuneCountInString(cand) >= 5 {
			base = cand
			break
		}
	}
	if base == "" {
		base = firstNonEmpty(append(candidates, "user")...)
		for utf8.RuneCountInString(base) < 5 {
			base += "_"
		}
	}
	ctx := c.UserContext()
	for i := 0; i < 50; i++ {
		name := base
		if i > 0 {
			name = base + strconv.Itoa(i+1)
		}
		taken, err := s.db.UsernameTaken(ctx, name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
	suffix, err := auth.NewToken(4)
	if err != nil {
		return "", fmt.Errorf("make username suffix: %w", err)
	}
	return base + "_" + strings.ToLower(strings.Trim(suffix, "-_")), nil
}

// usernameFrom keeps the characters a username may hold, at most 140.
func usernameFrom(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if n >= 140 {
			break
		}
		if usernamePattern.MatchString(string(r)) {
			b.WriteRune(r)
			n++
		}
	}
	return b.String()
}

// externalProviders are the configured outside sign-in providers.
type externalProviders struct {
	cfg *authconfig.Config
	// httpClient makes the server-to-IdP calls (discovery, tokens, user info).
	httpClient *http.Client
	// social are the endpoints of the social providers (tests point them at
	// local stubs).
	social socialEndpoints

	mu   sync.Mutex
	oidc map[string]*oidcIdP
}

// externalRoutes mounts the SSO, social login and linked identity routes
// under /api/auth.
func (s *Server) externalRoutes(r fiber.Router) {
	cfg := s.cfg.Auth
	if cfg == nil {
		cfg = &authconfig.Config{}
	}
	s.external = &externalProviders{cfg: cfg, httpClient: &http.Client{Timeout: idpTimeout}, social: defaultSocialEndpoints, oidc: map[string]*oidcIdP{}}
	go s.warmUpOIDC()
	r.Get("/oidc/:idp/login/", s.oidcLogin)
	r.Get("/oidc/:idp/login/callback/", s.oidcCallback)
	r.Get("/social/:provider/login/", s.socialLogin)
	r.Get("/social/:provider/login/callback/", s.socialCallback)
	r.Post("/sso/select", s.ssoSelect)
	r.Get("/identities", s.identitiesList)
	r.Delete("/identities/:id", s.identityDelete)
}

// warmUpOIDC fetches the discovery documents of the OIDC IdPs once at
// start-up, so the log tells early when one is unreachable. A failure is
// only logged: the first sign-in with that IdP tries again.
func (s *Server) warmUpOIDC() {
	if !s.external.cfg.SSO.Enabled {
		return
	}
	for _, p := range s.external.cfg.SSO.IdentityProviders {
		if p.Protocol != authconfig.ProtocolOIDC {
			continue
		}
		idp := s.external.oidcIdP(p.ID)
		if idp == nil {
			continue
		}
		if _, _, err := idp.discovered(context.Background(), s.external.httpClient, s.clock.Now()); err != nil {
			s.log.Warn("OIDC identity provider unreachable at start-up; sign-ins with it will retry", "idp", p.ID, "err", err)
		} else {
			s.log.Info("OIDC identity provider discovered", "idp", p.ID, "issuer", p.ServerURL)
		}
	}
}
