package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// SetupLink returns a one-time URL (valid one hour) that lets the first
// visitor create the admin account, or "" when an admin exists already.
func (s *Server) SetupLink(ctx context.Context) (string, error) {
	n, err := s.db.CountAdmins(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	tok, err := auth.NewToken(32)
	if err != nil {
		return "", fmt.Errorf("make setup token: %w", err)
	}
	now := s.clock.Now()
	if err := s.db.CreateOneTimeToken(ctx, &models.OneTimeToken{
		Purpose: models.PurposeSetup, TokenHash: auth.HashToken(tok), CreatedAt: now, ExpiresAt: now.Add(setupTTL),
	}); err != nil {
		return "", err
	}
	return s.cfg.BaseURL + "/auth/setup?token=" + tok, nil
}

type setupRequest struct {
	Token     string `json:"token"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	Password1 string `json:"password1"`
	Password2 string `json:"password2"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// setup creates the first admin from the printed link.
func (s *Server) setup(c *fiber.Ctx) error {
	var in setupRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Username, in.Email = strings.TrimSpace(in.Username), strings.TrimSpace(in.Email)
	v := Validation{}
	if in.Token == "" {
		v.Add("token", "This field is required.")
	}
	validateUsername(v, in.Username)
	validateEmail(v, "email", in.Email)
	s.validateNewPassword(v, "password1", in.Password1, in.Password2, auth.Username(in.Username), auth.Email(in.Email))
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	hash, err := s.hasher.Hash(ctx, in.Password1)
	if err != nil {
		return hasherError(err)
	}
	now := s.clock.Now()
	u := &models.User{Username: in.Username, Email: in.Email, PasswordHash: hash, FirstName: in.FirstName, LastName: in.LastName,
		Role: models.RoleAdmin, IsActive: true, EmailVerified: true, DateJoined: now, PasswordChangedAt: now, UpdatedAt: now}
	errAdminExists := errors.New("admin exists")
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := models.UseOneTimeToken(tx, models.PurposeSetup, auth.HashToken(in.Token), now); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.User{}).Where("role = ?", models.RoleAdmin).Count(&n).Error; err != nil {
			return fmt.Errorf("count admins: %w", err)
		}
		if n > 0 {
			return errAdminExists
		}
		if err := models.CreateUserTx(tx, u); err != nil {
			return err
		}
		return s.recordAudit(c, tx, auditEntry{Event: AuditUserCreated, Actor: u, TargetType: "user", TargetID: u.ID,
			Detail: map[string]any{"username": u.Username, "role": u.Role, "via": "setup_link"}})
	})
	switch {
	case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrTokenUsed), errors.Is(err, models.ErrTokenExpired):
		return FieldError("token", "This setup link is invalid, expired or already used. Restart the server for a new one, or use `gatehouse admin create`.")
	case errors.Is(err, errAdminExists):
		return Errorf(fiber.StatusConflict, "An admin account exists already: sign in instead.")
	case err != nil:
		return uniqueUserError(err)
	}
	s.logger(c).Info("first admin created through the setup link", "user_id", u.ID, "username", u.Username)
	return sendJSON(c, fiber.StatusCreated, s.fullUser(u))
}

// authMethods tells the login page what to offer.
func (s *Server) authMethods(c *fiber.Ctx) error {
	social, sso := s.externalMethods()
	return sendJSON(c, fiber.StatusOK, fiber.Map{
		"password":           true,
		"registration":       !s.cfg.Accounts.DisableRegistration,
		"email_verification": s.cfg.Accounts.EmailVerification,
		"terms_of_use_url":   s.cfg.Accounts.TermsOfUseURL,
		"social":             social,
		"sso":                sso,
	})
}

type outboxBody struct {
	ID          uint64 `json:"id"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	BodyText    string `json:"body_text"`
	Status      string `json:"status"`
	CreatedDate string `json:"created_date"`
}

// outbox lists mail kept (or queued) by the server, for admins.
func (s *Server) outbox(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	if !u.IsAdmin() {
		return Forbidden("Only admins can read the outbox.")
	}
	q, err := ParseListQuery(c, SortFields{"id": "id"}, "-id")
	if err != nil {
		return err
	}
	rows, total, err := s.mailer.ListOutbox(c.UserContext(), q.Page, q.PageSize)
	if err != nil {
		return err
	}
	out := make([]outboxBody, len(rows))
	for i, r := range rows {
		out[i] = outboxBody{ID: r.ID, To: r.ToAddr, Subject: r.Subject, BodyText: r.BodyText, Status: r.Status, CreatedDate: r.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, out))
}
