package server

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// Brute-force limits of SPEC §1.
const (
	lockoutFailures = 5
	lockoutWindow   = 15 * time.Minute
)

// tooMany is a 429 with Retry-After.
func tooMany(retry time.Duration, format string, args ...any) *APIError {
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := Errorf(fiber.StatusTooManyRequests, format, args...)
	e.Headers = map[string]string{fiber.HeaderRetryAfter: strconv.Itoa(secs)}
	return e
}

// authBudget is the per-IP request budget on /api/auth/*.
func (s *Server) authBudget(c *fiber.Ctx) error {
	limit := s.cfg.Accounts.AuthRequestsPerMinute
	if limit <= 0 {
		return c.Next()
	}
	now := s.clock.Now()
	n, start, err := s.db.HitRate(c.UserContext(), "auth-ip:"+s.clientIP(c), time.Minute, now)
	if err != nil {
		return err
	}
	if n > limit {
		return tooMany(start.Add(time.Minute).Sub(now), "Request was throttled: too many requests to the sign-in endpoints from your address.")
	}
	return c.Next()
}

// limitAction allows n actions per window for a key (e.g. mails per address)
// and reports whether this one may go ahead.
func (s *Server) limitAction(c *fiber.Ctx, key string, n int, window time.Duration) (bool, time.Duration, error) {
	now := s.clock.Now()
	count, start, err := s.db.HitRate(c.UserContext(), key, window, now)
	if err != nil {
		return false, 0, err
	}
	return count <= n, start.Add(window).Sub(now), nil
}

// badCredentials is the one answer for a wrong login, whether or not the
// account exists.
func badCredentials() *APIError {
	return BadRequest("Unable to log in with provided credentials.")
}

// checkPassword verifies login+password with lockout: 5 failures in 15
// minutes for the account name or for the client IP answer 429 until the
// window passes. Unknown accounts cost one hash too, so timing does not tell
// whether an account exists.
func (s *Server) checkPassword(c *fiber.Ctx, login, password string) (*models.User, error) {
	ctx := c.UserContext()
	now := s.clock.Now()
	key := strings.ToLower(strings.TrimSpace(login))
	ip := s.clientIP(c)
	acct, byIP, err := s.db.LoginFailuresSince(ctx, key, ip, now.Add(-lockoutWindow))
	if err != nil {
		return nil, err
	}
	for _, fc := range []models.FailureCount{acct, byIP} {
		if fc.Count >= lockoutFailures {
			return nil, tooMany(fc.Oldest.Add(lockoutWindow).Sub(now),
				"Too many failed sign-in attempts. Try again later.")
		}
	}
	u, err := s.db.UserByLogin(ctx, key)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	ok := false
	if u != nil && u.HasPassword() {
		var rehash bool
		ok, rehash, err = s.hasher.Verify(ctx, u.PasswordHash, password)
		if err != nil {
			return nil, hasherError(err)
		}
		if ok && rehash {
			if h, herr := s.hasher.Hash(ctx, password); herr == nil {
				if uerr := s.db.UpdatePasswordHash(ctx, u.ID, h); uerr != nil {
					s.logger(c).Warn("rehash password", "err", uerr)
				}
			}
		}
	} else if err := s.hasher.DummyVerify(ctx); err != nil {
		return nil, hasherError(err)
	}
	if !ok || !u.IsActive {
		if err := s.db.RecordLoginFailure(ctx, key, ip, now); err != nil {
			return nil, err
		}
		s.auditLoginFailure(c, key, u, acct.Count+1, byIP.Count+1)
		s.logger(c).Info("login failed", "login", key, "ip", ip)
		return nil, badCredentials()
	}
	if err := s.db.ClearLoginFailures(ctx, key); err != nil {
		return nil, err
	}
	return u, nil
}

// hasherError maps a busy or cancelled hasher to a retryable answer.
func hasherError(err error) error {
	if errors.Is(err, auth.ErrBusy) {
		e := Errorf(fiber.StatusServiceUnavailable, "The server is busy checking passwords. Try again in a moment.")
		e.Headers = map[string]string{fiber.HeaderRetryAfter: "1"}
		return e
	}
	if errors.Is(err, auth.ErrPasswordTooLong) {
		return badCredentials()
	}
	return fmt.Errorf("password check: %w", err)
}
