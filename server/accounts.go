package server

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
	gmail "github.com/gatehouse/gatehouse/server/mail"
)

// Email verification modes (SPEC §1).
const (
	VerifyNone      = "none"
	VerifyOptional  = "optional"
	VerifyMandatory = "mandatory"
)

// Lifetimes of mailed links.
const (
	emailConfirmTTL  = 3 * 24 * time.Hour
	passwordResetTTL = 24 * time.Hour
	setupTTL         = time.Hour
)

var usernamePattern = regexp.MustCompile(`^[\p{L}\p{N}_.@+-]+$`)

// validateUsername applies SPEC §1: 5–150 letters, digits and @.+-_.
func validateUsername(v Validation, username string) {
	n := utf8.RuneCountInString(username)
	switch {
	case n < 5:
		v.Add("username", "Ensure this field has at least 5 characters.")
	case n > 150:
		v.Add("username", "Ensure this field has no more than 150 characters.")
	case !usernamePattern.MatchString(username):
		v.Add("username", "Enter a valid username. It may contain only letters, numbers, and @/./+/-/_ characters.")
	}
}

// validateEmail requires a bare address (no display name) of at most 254 chars.
func validateEmail(v Validation, field, email string) {
	if email == "" {
		v.Add(field, "This field is required.")
		return
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		v.Add(field, "Enter a valid email address.")
	}
}

func (s *Server) validateNewPassword(v Validation, field, p1, p2 string, attrs ...auth.Attr) {
	if p1 == "" {
		v.Add(field, "This field is required.")
		return
	}
	for _, msg := range auth.ValidatePassword(p1, attrs...) {
		v.Add(field, "%s", msg)
	}
	if p1 != p2 {
		v.Add(strings.TrimSuffix(field, "1")+"2", "The two password fields didn't match.")
	}
}

type registerRequest struct {
	Username      string         `json:"username"`
	Email         string         `json:"email"`
	Password1     string         `json:"password1"`
	Password2     string         `json:"password2"`
	FirstName     string         `json:"first_name"`
	LastName      string         `json:"last_name"`
	Confirmations []confirmation `json:"confirmations"`
	// Invitation is the secret of a mailed invitation link: it proves the
	// address and joins the organization in the same step.
	Invitation string `json:"invitation"`
}

type confirmation struct {
	Name  string `json:"name"`
	Value bool   `json:"value"`
}

type registerResponse struct {
	Username                  string  `json:"username"`
	Email                     string  `json:"email"`
	FirstName                 string  `json:"first_name"`
	LastName                  string  `json:"last_name"`
	EmailVerificationRequired bool    `json:"email_verification_required"`
	Key                       *string `json:"key"`
}

func (s *Server) register(c *fiber.Ctx) error {
	if s.cfg.Accounts.DisableRegistration {
		return Forbidden("Registration is closed on this server: ask an administrator for an invitation.")
	}
	var in registerRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Username = strings.TrimSpace(in.Username)
	in.Email = strings.TrimSpace(in.Email)
	v := Validation{}
	validateUsername(v, in.Username)
	validateEmail(v, "email", in.Email)
	if utf8.RuneCountInString(in.FirstName) > 150 {
		v.Add("first_name", "Ensure this field has no more than 150 characters.")
	}
	if utf8.RuneCountInString(in.LastName) > 150 {
		v.Add("last_name", "Ensure this field has no more than 150 characters.")
	}
	s.validateNewPassword(v, "password1", in.Password1, in.Password2,
		auth.Username(in.Username), auth.Email(in.Email), auth.FirstName(in.FirstName), auth.LastName(in.LastName))
	if s.cfg.Accounts.TermsOfUseURL != "" {
		accepted := false
		for _, cf := range in.Confirmations {
			if cf.Name == "terms_of_use" && cf.Value {
				accepted = true
			}
		}
		if !accepted {
			v.Add("confirmations", "You must accept the terms of use to create an account.")
		}
	}
	ctx := c.UserContext()
	var inv *models.Invitation
	if in.Invitation != "" {
		found, err := s.db.InvitationByToken(ctx, auth.HashToken(in.Invitation))
		switch {
		case errors.Is(err, models.ErrNotFound):
			v.Add("invitation", "This invitation link is not valid any more: it was renewed, declined or the organization was deleted.")
		case err != nil:
			return err
		case !strings.EqualFold(found.Email, in.Email):
			v.Add("email", "Register with the address the invitation was sent to.")
		default:
			if uerr := found.Usable(s.clock.Now()); uerr != nil {
				return invitationState(uerr)
			}
			inv = found
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, in.Password1)
	if err != nil {
		return hasherError(err)
	}
	now := s.clock.Now()
	u := &models.User{
		Username: in.Username, Email: in.Email, PasswordHash: hash,
		FirstName: in.FirstName, LastName: in.LastName, Role: models.RoleUser, IsActive: true,
		DateJoined: now, PasswordChangedAt: now, UpdatedAt: now,
	}
	if inv != nil {
		u.EmailVerified = true // the secret link proves the address
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.CreateUserTx(tx, u); err != nil {
			return err
		}
		if err := models.LinkInvitationsTx(tx, u.ID, u.Email); err != nil {
			return err
		}
		if inv != nil {
			if err := s.recordAudit(c, tx, auditEntry{Event: AuditInvitationAccepted, Actor: u, TargetType: "invitation", TargetID: inv.ID, Detail: map[string]any{"org_id": inv.OrganizationID, "user_id": u.ID, "role": inv.Role}}); err != nil {
				return err
			}
			_, err := s.acceptInvitationTx(c, tx, inv, u.ID, now)
			return err
		}
		if s.cfg.Accounts.EmailVerification != VerifyNone {
			return s.sendEmailConfirmation(tx, u, now)
		}
		return nil
	})
	if err != nil {
		if inv != nil && !errors.Is(err, models.ErrConflict) {
			if st := invitationState(err); st != err {
				return st
			}
		}
		return uniqueUserError(err)
	}
	s.logger(c).Info("user registered", "user_id", u.ID, "username", u.Username)
	resp := registerResponse{
		Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		EmailVerificationRequired: s.cfg.Accounts.EmailVerification == VerifyMandatory && !u.EmailVerified,
	}
	if !resp.EmailVerificationRequired {
		key, err := s.startSession(c, u)
		if err != nil {
			return err
		}
		resp.Key = &key
	}
	return sendJSON(c, fiber.StatusCreated, resp)
}

// uniqueUserError turns a taken username or email into the field error.
func uniqueUserError(err error) error {
	var fc *models.FieldConflict
	if errors.As(err, &fc) {
		if fc.Field == "email" {
			return FieldError("email", "A user is already registered with this email address.")
		}
		return FieldError("username", "A user with that username already exists.")
	}
	if errors.Is(err, models.ErrConflict) {
		return FieldError("username", "A user with that username or email already exists.")
	}
	return err
}

// sendEmailConfirmation queues a confirmation link inside tx.
func (s *Server) sendEmailConfirmation(tx *gorm.DB, u *models.User, now time.Time) error {
	tok, err := auth.NewToken(32)
	if err != nil {
		return fmt.Errorf("make confirmation key: %w", err)
	}
	uid := u.ID
	if err := models.CreateOneTimeTokenTx(tx, &models.OneTimeToken{
		Purpose: models.PurposeEmailConfirm, TokenHash: auth.HashToken(tok), UserID: &uid,
		Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(emailConfirmTTL),
	}); err != nil {
		return err
	}
	return s.mailTx(tx, "verify_email", u.Email, map[string]any{
		"Username": u.Username,
		"Link":     s.cfg.BaseURL + "/api/auth/account-confirm-email/" + tok + "/",
	})
}

// mailTx renders a template and queues it inside tx.
func (s *Server) mailTx(tx *gorm.DB, template, to string, data map[string]any) error {
	msg, err := gmail.Render(template, data)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", template, err)
	}
	msg.To = to
	if err := s.mailer.EnqueueTx(tx, msg); err != nil {
		return fmt.Errorf("queue %s mail: %w", template, err)
	}
	return nil
}

type loginRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Key string `json:"key"`
}

func (s *Server) login(c *fiber.Ctx) error {
	var in loginRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	login := strings.TrimSpace(in.Username)
	if login == "" {
		login = strings.TrimSpace(in.Email)
	}
	v := Validation{}
	if login == "" {
		v.Add("non_field_errors", "Must include \"username\" or \"email\" and \"password\".")
	}
	if in.Password == "" {
		v.Add("password", "This field is required.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.checkPassword(c, login, in.Password)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if s.cfg.Accounts.EmailVerification == VerifyMandatory && !u.EmailVerified {
		ok, _, err := s.limitAction(c, fmt.Sprintf("confirm-mail:%d", u.ID), 1, 5*time.Minute)
		if err != nil {
			return err
		}
		if ok {
			if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return s.sendEmailConfirmation(tx, u, s.clock.Now())
			}); err != nil {
				return err
			}
		}
		return BadRequest("Unverified email")
	}
	key, err := s.startSession(c, u)
	if err != nil {
		return err
	}
	s.logger(c).Info("user logged in", "user_id", u.ID)
	_ = s.recordAudit(c, nil, auditEntry{Event: AuditLogin, Actor: u, TargetType: "user", TargetID: u.ID})
	return sendJSON(c, fiber.StatusOK, tokenResponse{Key: key})
}

// startSession ends the caller's previous session (no fixation), creates a
// new one with fresh session id, login key and CSRF token, sets the cookies
// and returns the login key.
func (s *Server) startSession(c *fiber.Ctx, u *models.User) (string, error) {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); old != "" {
		if sw, err := s.db.ActiveSession(ctx, "session_hash", auth.HashToken(old), s.clock.Now(), time.Time{}); err == nil {
			_ = s.db.DeleteSession(ctx, sw.Session.UserID, sw.Session.ID)
			s.authCache.purge()
		}
	}
	sid, err := auth.NewToken(32)
	if err != nil {
		return "", fmt.Errorf("make session id: %w", err)
	}
	key, err := auth.NewKey()
	if err != nil {
		return "", fmt.Errorf("make login key: %w", err)
	}
	now := s.clock.Now()
	sess := &models.Session{
		UserID: u.ID, SessionHash: auth.HashToken(sid), TokenHash: auth.HashToken(key),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.Accounts.SessionAbsolute),
		IP: s.clientIP(c), UserAgent: truncateRunes(c.Get(fiber.HeaderUserAgent), 512),
	}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return "", err
	}
	if err := s.db.WithContext(ctx).Model(&models.User{}).Where("id = ?", u.ID).Update("last_login", now).Error; err != nil {
		return "", fmt.Errorf("record last login: %w", err)
	}
	u.LastLogin = &now
	s.setSessionCookie(c, sid, sess.ExpiresAt)
	s.setCSRFCookie(c)
	return key, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (s *Server) logout(c *fiber.Ctx) error {
	id := who(c)
	if id.Session != nil {
		s.audit(c, AuditLogout, "session", id.Session.ID, nil)
		if err := s.db.DeleteSession(c.UserContext(), id.Session.UserID, id.Session.ID); err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	s.authCache.purge()
	s.clearSessionCookie(c)
	return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "Successfully logged out."})
}

type emailRequest struct {
	Email string `json:"email"`
}

func (s *Server) passwordReset(c *fiber.Ctx) error {
	defer answerNoSoonerThan(c.UserContext(), time.Now().Add(enumerationFloor))
	var in emailRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Email = strings.TrimSpace(in.Email)
	v := Validation{}
	validateEmail(v, "email", in.Email)
	if err := v.Err(); err != nil {
		return err
	}
	// The same answer whether or not the address has an account.
	done := func() error {
		return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "Password reset e-mail has been sent."})
	}
	ctx := c.UserContext()
	ok, _, err := s.limitAction(c, "reset-mail:"+strings.ToLower(in.Email), 5, time.Hour)
	if err != nil || !ok {
		return firstErr(err, done)
	}
	u, err := s.db.UserByEmail(ctx, in.Email)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !u.IsActive) {
		s.audit(c, AuditPasswordResetRequest, "", nil, map[string]any{"email": in.Email, "account": false})
		return done()
	}
	if err != nil {
		return err
	}
	tok, err := auth.NewToken(32)
	if err != nil {
		return fmt.Errorf("make reset token: %w", err)
	}
	now := s.clock.Now()
	uid := u.ID
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.CreateOneTimeTokenTx(tx, &models.OneTimeToken{
			Purpose: models.PurposePasswordReset, TokenHash: auth.HashToken(tok), UserID: &uid,
			Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(passwordResetTTL),
		}); err != nil {
			return err
		}
		if err := s.auditTx(c, tx, AuditPasswordResetRequest, "user", u.ID, map[string]any{"email": in.Email, "account": true}); err != nil {
			return err
		}
		return s.mailTx(tx, "password_reset", u.Email, map[string]any{
			"Username": u.Username,
			"Link":     fmt.Sprintf("%s/auth/password/reset/confirm?uid=%d&token=%s", s.cfg.BaseURL, u.ID, tok),
		})
	})
	if err != nil {
		return err
	}
	return done()
}

func firstErr(err error, then func() error) error {
	if err != nil {
		return err
	}
	return then()
}

type resetConfirmRequest struct {
	UID          string `json:"uid"`
	Token        string `json:"token"`
	NewPassword1 string `json:"new_password1"`
	NewPassword2 string `json:"new_password2"`
}

func (s *Server) passwordResetConfirm(c *fiber.Ctx) error {
	var in resetConfirmRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	if in.UID == "" {
		v.Add("uid", "This field is required.")
	}
	if in.Token == "" {
		v.Add("token", "This field is required.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	invalid := FieldError("token", "This password reset link is invalid, expired or already used. Ask for a new one.")
	uid, err := strconv.ParseUint(in.UID, 10, 64)
	if err != nil {
		return FieldError("uid", "Invalid value.")
	}
	hash := auth.HashToken(in.Token)
	tok, err := s.db.FindOneTimeToken(ctx, models.PurposePasswordReset, hash)
	if errors.Is(err, models.ErrNotFound) {
		return invalid
	}
	if err != nil {
		return err
	}
	if tok.UserID == nil || *tok.UserID != uid {
		return FieldError("uid", "Invalid value.")
	}
	u, err := s.db.UserByID(ctx, uid)
	if errors.Is(err, models.ErrNotFound) {
		return invalid
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if tok.UsedAt != nil || !now.Before(tok.ExpiresAt) || tok.CreatedAt.Before(u.PasswordChangedAt) || !u.IsActive {
		return invalid
	}
	s.validateNewPassword(v, "new_password1", in.NewPassword1, in.NewPassword2,
		auth.Username(u.Username), auth.Email(u.Email), auth.FirstName(u.FirstName), auth.LastName(u.LastName))
	if err := v.Err(); err != nil {
		return err
	}
	newHash, err := s.hasher.Hash(ctx, in.NewPassword1)
	if err != nil {
		return hasherError(err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := models.UseOneTimeToken(tx, models.PurposePasswordReset, hash, now); err != nil {
			return err
		}
		if err := s.recordAudit(c, tx, auditEntry{Event: AuditPasswordReset, Actor: u, TargetType: "user", TargetID: u.ID}); err != nil {
			return err
		}
		if err := models.SetPasswordTx(tx, u.ID, newHash, now, 0); err != nil {
			return err
		}
		// The reset link proves the address, so it is verified now.
		if err := tx.Model(&models.User{}).Where("id = ?", u.ID).Update("email_verified", true).Error; err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		return s.mailTx(tx, "password_changed", u.Email, map[string]any{"Username": u.Username, "When": now})
	})
	if errors.Is(err, models.ErrTokenUsed) || errors.Is(err, models.ErrTokenExpired) {
		return invalid
	}
	if err != nil {
		return err
	}
	s.authCache.purge()
	s.logger(c).Info("password reset", "user_id", u.ID)
	return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "Password has been reset with the new password."})
}

type passwordChangeRequest struct {
	OldPassword  string `json:"old_password"`
	NewPassword1 string `json:"new_password1"`
	NewPassword2 string `json:"new_password2"`
}

func (s *Server) passwordChange(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	var in passwordChangeRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	v := Validation{}
	if in.OldPassword == "" && u.HasPassword() {
		v.Add("old_password", "This field is required.")
	} else if u.HasPassword() {
		ok, _, err := s.hasher.Verify(ctx, u.PasswordHash, in.OldPassword)
		if err != nil && !errors.Is(err, auth.ErrPasswordTooLong) {
			return hasherError(err)
		}
		if !ok {
			v.Add("old_password", "Your old password was entered incorrectly. Please enter it again.")
		}
	}
	s.validateNewPassword(v, "new_password1", in.NewPassword1, in.NewPassword2,
		auth.Username(u.Username), auth.Email(u.Email), auth.FirstName(u.FirstName), auth.LastName(u.LastName))
	if err := v.Err(); err != nil {
		return err
	}
	newHash, err := s.hasher.Hash(ctx, in.NewPassword1)
	if err != nil {
		return hasherError(err)
	}
	now := s.clock.Now()
	var keep uint64
	if sess := who(c).Session; sess != nil {
		keep = sess.ID
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.SetPasswordTx(tx, u.ID, newHash, now, keep); err != nil {
			return err
		}
		if err := s.auditTx(c, tx, AuditPasswordChanged, "user", u.ID, nil); err != nil {
			return err
		}
		return s.mailTx(tx, "password_changed", u.Email, map[string]any{"Username": u.Username, "When": now})
	})
	if err != nil {
		return err
	}
	s.authCache.purge()
	s.logger(c).Info("password changed", "user_id", u.ID)
	return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "New password has been saved."})
}

// confirmEmail follows the mailed link and redirects to the UI page that
// tells the result. The redirect targets are fixed paths: no open redirect.
func (s *Server) confirmEmail(c *fiber.Ctx) error {
	key := c.Params("key")
	bad := func() error {
		return c.Redirect(s.cfg.BaseURL+"/auth/incorrect-email-confirmation", fiber.StatusFound)
	}
	ctx := c.UserContext()
	now := s.clock.Now()
	var userID uint64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		tok, err := models.UseOneTimeToken(tx, models.PurposeEmailConfirm, auth.HashToken(key), now)
		if err != nil {
			return err
		}
		var u models.User
		if err := tx.First(&u, *tok.UserID).Error; err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		if !strings.EqualFold(u.Email, tok.Email) {
			return models.ErrTokenExpired // the address changed since the mail was sent
		}
		userID = u.ID
		if err := s.recordAudit(c, tx, auditEntry{Event: AuditEmailConfirmed, Actor: &u, TargetType: "user", TargetID: u.ID, Detail: map[string]any{"email": u.Email}}); err != nil {
			return err
		}
		return tx.Model(&models.User{}).Where("id = ?", u.ID).Updates(map[string]any{"email_verified": true, "updated_at": now}).Error
	})
	switch {
	case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrTokenUsed), errors.Is(err, models.ErrTokenExpired):
		return bad()
	case err != nil:
		s.logger(c).Error("confirm email", "err", err)
		return bad()
	}
	s.logger(c).Info("email confirmed", "user_id", userID)
	return c.Redirect(s.cfg.BaseURL+"/auth/email-confirmation", fiber.StatusFound)
}

func (s *Server) resendConfirmation(c *fiber.Ctx) error {
	defer answerNoSoonerThan(c.UserContext(), time.Now().Add(enumerationFloor))
	var in emailRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Email = strings.TrimSpace(in.Email)
	v := Validation{}
	validateEmail(v, "email", in.Email)
	if err := v.Err(); err != nil {
		return err
	}
	done := func() error {
		return sendJSON(c, fiber.StatusOK, fiber.Map{"detail": "If the address belongs to an unverified account, a new confirmation e-mail is on its way."})
	}
	ok, _, err := s.limitAction(c, "confirm-resend:"+strings.ToLower(in.Email), 3, time.Hour)
	if err != nil || !ok {
		return firstErr(err, done)
	}
	ctx := c.UserContext()
	u, err := s.db.UserByEmail(ctx, in.Email)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (u.EmailVerified || !u.IsActive)) {
		return done()
	}
	if err != nil {
		return err
	}
	if err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.sendEmailConfirmation(tx, u, s.clock.Now())
	}); err != nil {
		return err
	}
	return done()
}
