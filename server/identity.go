package server

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// Cookie and header names (SPEC §0, compatible with CVAT's clients).
const (
	sessionCookie = "sessionid"
	csrfCookie    = "csrftoken"
	csrfHeader    = "X-CSRFToken"
)

// How a request proved who it is.
const (
	authNone    = ""
	authSession = "session"
	authToken   = "token"  // login key: Authorization: Token
	authBearer  = "bearer" // personal access token
	authBasic   = "basic"
)

// identity is who sent the request. It is read-only once resolved: the auth
// cache hands the same value to every request with the same credential.
type identity struct {
	User     *models.User
	Method   string
	Session  *models.Session     // set for session and login-key auth
	Token    *models.AccessToken // set for bearer auth
	ReadOnly bool
	// memo holds what is derived from a cached identity once for all the
	// requests that share it (nil when the identity is not cached).
	memo *identityMemo
}

type identityMemo struct {
	self atomic.Pointer[[]byte] // the users/self body
}

const localIdentity = "gatehouse.identity"

// who returns the request's identity (never nil; User is nil when anonymous).
func who(c *fiber.Ctx) *identity {
	if id, ok := c.Locals(localIdentity).(*identity); ok {
		return id
	}
	return &identity{}
}

// currentUser returns the signed-in user or a 401.
func currentUser(c *fiber.Ctx) (*models.User, error) {
	if u := who(c).User; u != nil {
		return u, nil
	}
	return nil, Unauthorized("Authentication credentials were not provided.")
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// authenticate resolves the caller from, in order, the Authorization header
// (Token, Bearer, Basic) or the session cookie. Bad credentials in the header
// are a 401; a stale cookie is ignored (the caller is anonymous). Session
// authentication of an unsafe method requires the CSRF token and a
// same-origin Origin/Referer.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if !isSafeMethod(c.Method()) {
		if err := s.checkOrigin(c, false); err != nil {
			return err
		}
	}
	id, err := s.resolveIdentity(c)
	if err != nil {
		return err
	}
	if id.User != nil && !id.User.IsActive {
		return Unauthorized("User inactive or deleted.")
	}
	if id.ReadOnly && !isSafeMethod(c.Method()) {
		return Forbidden("This access token is read-only: only GET, HEAD and OPTIONS requests are allowed.")
	}
	if id.Method == authSession && !isSafeMethod(c.Method()) {
		if err := s.checkCSRF(c); err != nil {
			return err
		}
	}
	c.Locals(localIdentity, id)
	if id.Method != authToken && id.Method != authBearer && id.Method != authBasic &&
		isSafeMethod(c.Method()) && c.Cookies(csrfCookie) == "" {
		s.setCSRFCookie(c)
	}
	return c.Next()
}

func (s *Server) resolveIdentity(c *fiber.Ctx) (*identity, error) {
	now := s.clock.Now()
	idleSince := now.Add(-s.cfg.Accounts.SessionIdle)
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		cred = strings.TrimSpace(cred)
		switch strings.ToLower(scheme) {
		case "token":
			return s.cachedIdentity(c, 't', cred, now, idleSince, s.tokenIdentity)
		case "bearer":
			return s.cachedIdentity(c, 'b', cred, now, idleSince, s.bearerIdentity)
		case "basic":
			return s.basicIdentity(c, cred)
		default:
			return nil, Unauthorized("Unsupported authorization scheme: use Token, Bearer or Basic.")
		}
	}
	if cookie := c.Cookies(sessionCookie); cookie != "" {
		id, err := s.cachedIdentity(c, 's', cookie, now, idleSince, s.cookieIdentity)
		if err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Status == fiber.StatusUnauthorized {
				s.clearSessionCookie(c) // a stale cookie: carry on as anonymous
				return &identity{}, nil
			}
			return nil, err
		}
		return id, nil
	}
	return &identity{}, nil
}

type identityLookup func(c *fiber.Ctx, hash string, now, idleSince time.Time) (*identity, error)

// cachedIdentity answers from the auth cache when it can, else looks the
// credential up and remembers it.
func (s *Server) cachedIdentity(c *fiber.Ctx, kind byte, secret string, now, idleSince time.Time, lookup identityLookup) (*identity, error) {
	key := authKey{kind: kind, sum: auth.TokenSum(secret)}
	if id, ok := s.authCache.get(key, now); ok && sessionLive(id.Session, now, idleSince) &&
		(id.Session == nil || now.Sub(id.Session.LastSeenAt) < time.Minute) &&
		(id.Token == nil || id.Token.ExpiresAt == nil || now.Before(*id.Token.ExpiresAt)) {
		return id, nil
	}
	id, err := lookup(c, auth.HashHex(key.sum), now, idleSince)
	if err != nil {
		return nil, err
	}
	s.authCache.put(key, id, now)
	return id, nil
}

func (s *Server) tokenIdentity(c *fiber.Ctx, hash string, now, idleSince time.Time) (*identity, error) {
	sw, err := s.db.ActiveSession(c.UserContext(), "token_hash", hash, now, idleSince)
	if err != nil {
		return nil, s.credentialError(c, err, "Invalid token.")
	}
	s.touchSession(c, &sw.Session, now)
	return &identity{User: &sw.User, Method: authToken, Session: &sw.Session}, nil
}

func (s *Server) cookieIdentity(c *fiber.Ctx, hash string, now, idleSince time.Time) (*identity, error) {
	sw, err := s.db.ActiveSession(c.UserContext(), "session_hash", hash, now, idleSince)
	if err != nil {
		return nil, s.credentialError(c, err, "Invalid session.")
	}
	s.touchSession(c, &sw.Session, now)
	return &identity{User: &sw.User, Method: authSession, Session: &sw.Session}, nil
}

func (s *Server) bearerIdentity(c *fiber.Ctx, hash string, now, _ time.Time) (*identity, error) {
	tw, err := s.db.ActiveAccessToken(c.UserContext(), hash, now)
	if err != nil {
		return nil, s.credentialError(c, err, "Invalid or expired access token.")
	}
	if tw.Token.LastUsedAt == nil || now.Sub(*tw.Token.LastUsedAt) > time.Minute {
		if err := s.db.TouchAccessToken(c.UserContext(), tw.Token.ID, now); err != nil {
			s.logger(c).Warn("touch access token", "err", err)
		}
	}
	return &identity{User: &tw.User, Method: authBearer, Token: &tw.Token, ReadOnly: tw.Token.ReadOnly}, nil
}

func (s *Server) credentialError(c *fiber.Ctx, err error, msg string) error {
	if errors.Is(err, models.ErrNotFound) {
		return Unauthorized("%s", msg)
	}
	return err
}

// touchSession records activity at most once a minute per session.
func (s *Server) touchSession(c *fiber.Ctx, sess *models.Session, now time.Time) {
	if now.Sub(sess.LastSeenAt) < time.Minute {
		return
	}
	if err := s.db.TouchSession(c.UserContext(), sess.ID, now); err != nil {
		s.logger(c).Warn("touch session", "err", err)
		return
	}
	sess.LastSeenAt = now
}

func (s *Server) basicIdentity(c *fiber.Ctx, cred string) (*identity, error) {
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return nil, Unauthorized("Invalid basic header: credentials are not base64.")
	}
	login, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, Unauthorized("Invalid basic header: no colon between user and password.")
	}
	u, err := s.checkPassword(c, login, password)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == fiber.StatusBadRequest {
			return nil, Unauthorized("Invalid username/password.")
		}
		return nil, err
	}
	return &identity{User: u, Method: authBasic}, nil
}

// checkOrigin rejects unsafe requests whose Origin (or, failing that,
// Referer) is another site. requireOne makes a missing header an error.
func (s *Server) checkOrigin(c *fiber.Ctx, requireOne bool) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		if ref := c.Get(fiber.HeaderReferer); ref != "" {
			if u, err := url.Parse(ref); err == nil {
				origin = u.Scheme + "://" + u.Host
			}
		}
	}
	if origin == "" {
		if requireOne {
			return Forbidden("CSRF Failed: Origin checking failed - no Origin or Referer header.")
		}
		return nil
	}
	if origin == s.baseOrigin || origin == c.Protocol()+"://"+c.Hostname() {
		return nil
	}
	return Forbidden("CSRF Failed: Origin checking failed - %s does not match any trusted origins.", origin)
}

// checkCSRF compares the X-CSRFToken header with the csrftoken cookie in
// constant time (double-submit cookie).
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	cookie := c.Cookies(csrfCookie)
	header := c.Get(csrfHeader)
	if cookie == "" {
		return Forbidden("CSRF Failed: CSRF cookie not set.")
	}
	if header == "" {
		return Forbidden("CSRF Failed: CSRF token missing.")
	}
	if subtle.ConstantTimeCompare([]byte(cookie), []byte(header)) != 1 {
		return Forbidden("CSRF Failed: CSRF token incorrect.")
	}
	return nil
}

func (s *Server) setCSRFCookie(c *fiber.Ctx) {
	tok, err := auth.NewToken(32)
	if err != nil {
		s.logger(c).Error("make csrf token", "err", err)
		return
	}
	c.Cookie(&fiber.Cookie{
		Name: csrfCookie, Value: tok, Path: "/", Secure: s.https,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600,
	})
}

func (s *Server) setSessionCookie(c *fiber.Ctx, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: value, Path: "/", HTTPOnly: true, Secure: s.https,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: expires,
	})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: s.https,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1,
	})
}
