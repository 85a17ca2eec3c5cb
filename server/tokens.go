package server

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// accessTokenPrefix marks Gatehouse personal access tokens so secret
// scanners and people can recognise them.
const accessTokenPrefix = "gh_pat_"

type accessTokenBody struct {
	ID           uint64     `json:"id"`
	Name         string     `json:"name"`
	ReadOnly     bool       `json:"read_only"`
	CreatedDate  time.Time  `json:"created_date"`
	ExpiryDate   *time.Time `json:"expiry_date"`
	LastUsedDate *time.Time `json:"last_used_date"`
	// Value is the secret, present only in the answer to its creation.
	Value string `json:"value,omitempty"`
}

func tokenBody(t *models.AccessToken) accessTokenBody {
	return accessTokenBody{ID: t.ID, Name: t.Name, ReadOnly: t.ReadOnly, CreatedDate: t.CreatedAt, ExpiryDate: t.ExpiresAt, LastUsedDate: t.LastUsedAt}
}

var tokenSortFields = SortFields{"id": "id", "name": "name", "created_date": "created_at", "expiry_date": "expires_at", "last_used_date": "last_used_at"}

func (s *Server) accessTokensList(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, tokenSortFields, "-id")
	if err != nil {
		return err
	}
	rows, total, err := s.db.ListAccessTokens(c.UserContext(), u.ID, q.Apply)
	if err != nil {
		return err
	}
	out := make([]accessTokenBody, len(rows))
	for i := range rows {
		out[i] = tokenBody(&rows[i])
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, out))
}

type accessTokenRequest struct {
	Name       string     `json:"name"`
	ExpiryDate *time.Time `json:"expiry_date"`
	ReadOnly   bool       `json:"read_only"`
}

func (s *Server) accessTokenCreate(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	var in accessTokenRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	now := s.clock.Now()
	v := Validation{}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "This field is required.")
	case n > 128:
		v.Add("name", "Ensure this field has no more than 128 characters.")
	}
	if in.ExpiryDate != nil && !in.ExpiryDate.After(now) {
		v.Add("expiry_date", "The expiry date must be in the future.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	secret, err := auth.NewToken(32)
	if err != nil {
		return err
	}
	secret = accessTokenPrefix + secret
	t := &models.AccessToken{UserID: u.ID, Name: in.Name, TokenHash: auth.HashToken(secret), ReadOnly: in.ReadOnly, CreatedAt: now}
	if in.ExpiryDate != nil {
		exp := in.ExpiryDate.UTC()
		t.ExpiresAt = &exp
	}
	if err := s.db.CreateAccessToken(c.UserContext(), t); err != nil {
		if errors.Is(err, models.ErrTooManyTokens) {
			return BadRequest("You already have %d access tokens, the most one account may hold: revoke one first.", models.MaxAccessTokens)
		}
		return err
	}
	s.logger(c).Info("access token created", "user_id", u.ID, "token_id", t.ID, "read_only", t.ReadOnly)
	s.audit(c, AuditTokenCreated, "access_token", t.ID, map[string]any{"token_name": t.Name, "read_only": t.ReadOnly})
	body := tokenBody(t)
	body.Value = secret
	return sendJSON(c, fiber.StatusCreated, body)
}

func (s *Server) accessTokenDelete(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return NotFound("Not found.")
	}
	if err := s.db.DeleteAccessToken(c.UserContext(), u.ID, id); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return NotFound("Not found.")
		}
		return err
	}
	s.authCache.purge()
	s.audit(c, AuditTokenRevoked, "access_token", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}

type sessionBody struct {
	ID           uint64    `json:"id"`
	UserAgent    string    `json:"user_agent"`
	IP           string    `json:"ip"`
	CreatedDate  time.Time `json:"created_date"`
	LastSeenDate time.Time `json:"last_seen_date"`
	ExpiryDate   time.Time `json:"expiry_date"`
	Current      bool      `json:"current"`
}

var sessionSortFields = SortFields{"id": "id", "created_date": "created_at", "last_seen_date": "last_seen_at"}

func (s *Server) sessionsList(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, sessionSortFields, "-last_seen_date")
	if err != nil {
		return err
	}
	rows, total, err := s.db.ListSessions(c.UserContext(), u.ID, s.clock.Now(), q.Apply)
	if err != nil {
		return err
	}
	var current uint64
	if sess := who(c).Session; sess != nil {
		current = sess.ID
	}
	out := make([]sessionBody, len(rows))
	for i, r := range rows {
		out[i] = sessionBody{ID: r.ID, UserAgent: r.UserAgent, IP: r.IP, CreatedDate: r.CreatedAt,
			LastSeenDate: r.LastSeenAt, ExpiryDate: r.ExpiresAt, Current: r.ID == current}
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, out))
}

func (s *Server) sessionDelete(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return NotFound("Not found.")
	}
	if err := s.db.DeleteSession(c.UserContext(), u.ID, id); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return NotFound("Not found.")
		}
		return err
	}
	s.authCache.purge()
	s.audit(c, AuditSessionRevoke, "session", id, nil)
	if sess := who(c).Session; sess != nil && sess.ID == id {
		s.clearSessionCookie(c)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// sessionsDeleteOthers ends every session but the caller's own.
func (s *Server) sessionsDeleteOthers(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	var keep uint64
	if sess := who(c).Session; sess != nil {
		keep = sess.ID
	}
	n, err := s.db.DeleteOtherSessions(c.UserContext(), u.ID, keep)
	if err != nil {
		return err
	}
	s.authCache.purge()
	s.audit(c, AuditSessionRevoke, "user", u.ID, map[string]any{"others": true, "count": n})
	return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "Other sessions have been signed out.", "count": n})
}
