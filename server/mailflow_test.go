package server

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestVerificationFlow: register (mandatory) → login refused as unverified
// with a fresh mail → follow the mailed link → login by email works.
func TestVerificationFlow(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyMandatory, smtp: true})
	name, email := uniqueName("verify")
	b := env.browser()
	r := b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword})
	expect(t, r, 201, `"email_verification_required":true`, `"key":null`)
	if b.cookie(sessionCookie) != "" {
		t.Fatal("an unverified registration must not sign in")
	}
	first := env.deliver(email, 1)
	link := linkWith(t, first, "/api/auth/account-confirm-email/")
	if !strings.HasPrefix(link, env.URL+"/") {
		t.Fatalf("link %q does not use the base URL", link)
	}

	expect(t, b.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 400, `"Unverified email"`)
	second := env.deliver(email, 2)
	link2 := linkWith(t, second, "/api/auth/account-confirm-email/")
	if link2 == link {
		t.Fatal("the fresh confirmation mail must carry a new key")
	}

	res := b.do("GET", link2, nil)
	if res.Status != 302 || res.Header.Get("Location") != env.URL+"/auth/email-confirmation" {
		t.Fatalf("confirm: %d %s", res.Status, res.Header.Get("Location"))
	}
	again := b.do("GET", link2, nil)
	if again.Header.Get("Location") != env.URL+"/auth/incorrect-email-confirmation" {
		t.Fatalf("a used key must go to the incorrect page, got %s", again.Header.Get("Location"))
	}
	expect(t, b.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 200, `"key"`)
	expect(t, b.do("GET", "/api/users/self", nil), 200, `"email_verified":true`)
}

func TestConfirmationExpiresAndResend(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyMandatory, smtp: true})
	name, email := uniqueName("expire")
	b := env.browser()
	expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword}), 201)
	link := linkWith(t, env.deliver(email, 1), "/account-confirm-email/")
	env.clock.Advance(emailConfirmTTL + time.Minute)
	if loc := b.do("GET", link, nil).Header.Get("Location"); !strings.HasSuffix(loc, "/auth/incorrect-email-confirmation") {
		t.Fatalf("expired key went to %s", loc)
	}
	expect(t, b.do("POST", "/api/auth/account-confirm-email/resend", map[string]any{"email": email}), 200)
	fresh := linkWith(t, env.deliver(email, 2), "/account-confirm-email/")
	if loc := b.do("GET", fresh, nil).Header.Get("Location"); !strings.HasSuffix(loc, "/auth/email-confirmation") {
		t.Fatalf("fresh key went to %s", loc)
	}
	// Unknown addresses get the same answer.
	expect(t, b.do("POST", "/api/auth/account-confirm-email/resend", map[string]any{"email": "nobody-at-all@example.com"}), 200, "If the address")
}

func resetParams(t *testing.T, link string) (string, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/auth/password/reset/confirm" {
		t.Fatalf("reset link %q", link)
	}
	return u.Query().Get("uid"), u.Query().Get("token")
}

func TestPasswordResetFlow(t *testing.T) {
	env := newAccountsEnv(t, envOptions{smtp: true})
	old, name, email := env.registerUser("reset")
	anon := env.browser()
	expect(t, anon.do("POST", "/api/auth/password/reset", map[string]any{"email": strings.ToUpper(email)}), 200, "Password reset e-mail has been sent.")
	// An unknown address gets the identical answer and no mail.
	expect(t, anon.do("POST", "/api/auth/password/reset", map[string]any{"email": "ghost-reset@example.com"}), 200, "Password reset e-mail has been sent.")
	msg := env.deliver(email, 1)
	uid, token := resetParams(t, linkWith(t, msg, "/auth/password/reset/confirm"))

	const newPassword = "Walnut-Harbour-Quiet-9"
	confirm := func(tok, p1, p2 string) response {
		return anon.do("POST", "/api/auth/password/reset/confirm", map[string]any{"uid": uid, "token": tok, "new_password1": p1, "new_password2": p2})
	}
	expect(t, confirm(token, "short", "short"), 400, `"new_password1"`, "too short")
	expect(t, confirm("forged-token", newPassword, newPassword), 400, `"token"`)
	expect(t, confirm(token, newPassword, newPassword), 200, "Password has been reset")
	expect(t, confirm(token, "Another-Password-77", "Another-Password-77"), 400, `"token":["This password reset link is invalid, expired or already used`)

	notice := env.deliver(email, 2)
	if !strings.Contains(strings.ToLower(notice.Subject), "password") {
		t.Fatalf("expected a password-changed notice, got %q", notice.Subject)
	}
	// Every earlier session ended; the new password works, the old does not.
	expect(t, old.do("GET", "/api/users/self", nil), 401)
	expect(t, anon.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 400)
	expect(t, anon.do("POST", "/api/auth/login", map[string]any{"username": name, "password": newPassword}), 200)
}

func TestPasswordResetExpiryAndVoid(t *testing.T) {
	env := newAccountsEnv(t, envOptions{smtp: true})
	b, _, email := env.registerUser("void")
	anon := env.browser()
	ask := func(n int) (string, string) {
		expect(t, anon.do("POST", "/api/auth/password/reset", map[string]any{"email": email}), 200)
		return resetParams(t, linkWith(t, env.deliver(email, n), "/auth/password/reset/confirm"))
	}
	uid, tok := ask(1)
	env.clock.Advance(passwordResetTTL + time.Minute)
	expect(t, anon.do("POST", "/api/auth/password/reset/confirm", map[string]any{"uid": uid, "token": tok, "new_password1": "Expired-Link-Pass-1", "new_password2": "Expired-Link-Pass-1"}), 400, `"token"`)

	uid, tok = ask(2)
	env.clock.Advance(time.Minute)
	expect(t, b.do("POST", "/api/auth/password/change", map[string]any{"old_password": goodPassword, "new_password1": "Changed-Meanwhile-55", "new_password2": "Changed-Meanwhile-55"}), 200)
	expect(t, anon.do("POST", "/api/auth/password/reset/confirm", map[string]any{"uid": uid, "token": tok, "new_password1": "Too-Late-Link-Pass-2", "new_password2": "Too-Late-Link-Pass-2"}), 400, `"token"`)
	// A reset link for another user's id is refused.
	_, tok3 := ask(4)
	expect(t, anon.do("POST", "/api/auth/password/reset/confirm", map[string]any{"uid": "999999", "token": tok3, "new_password1": "Wrong-User-Pass-3", "new_password2": "Wrong-User-Pass-3"}), 400, `"uid"`)
}

func TestPasswordChange(t *testing.T) {
	env := newAccountsEnv(t, envOptions{smtp: true})
	b, name, email := env.registerUser("change")
	other := env.browser()
	expect(t, other.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
	const next = "Orchard-Violin-Seven-7"
	expect(t, b.do("POST", "/api/auth/password/change", map[string]any{"old_password": "wrong", "new_password1": next, "new_password2": next}), 400,
		`"old_password":["Your old password was entered incorrectly. Please enter it again."]`)
	expect(t, b.do("POST", "/api/auth/password/change", map[string]any{"old_password": goodPassword, "new_password1": "12345678", "new_password2": "12345678"}), 400, "entirely numeric")
	expect(t, b.do("POST", "/api/auth/password/change", map[string]any{"old_password": goodPassword, "new_password1": next, "new_password2": next}), 200, "New password has been saved.")
	expect(t, b.do("GET", "/api/users/self", nil), 200)     // this session stays
	expect(t, other.do("GET", "/api/users/self", nil), 401) // every other one ends
	if msg := env.deliver(email, 1); !strings.Contains(msg.Text, name) {
		t.Fatalf("notice does not greet the user: %s", msg.Text)
	}
	anon := env.browser()
	expect(t, anon.do("POST", "/api/auth/password/change", map[string]any{"old_password": next, "new_password1": goodPassword, "new_password2": goodPassword}), 401)
}
