package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRegister(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyNone})
	_, taken, takenEmail := env.registerUser("taken")
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   []string
	}{
		{"duplicate username in other case", map[string]any{"username": strings.ToUpper(taken), "email": "new1@example.com", "password1": goodPassword, "password2": goodPassword}, 400, []string{`"username":["A user with that username already exists."]`}},
		{"duplicate email in other case", map[string]any{"username": "brandnew1", "email": strings.ToUpper(takenEmail), "password1": goodPassword, "password2": goodPassword}, 400, []string{`"email":["A user is already registered with this email address."]`}},
		{"short username", map[string]any{"username": "abc", "email": "x1@example.com", "password1": goodPassword, "password2": goodPassword}, 400, []string{`"username":["Ensure this field has at least 5 characters."]`}},
		{"bad username chars", map[string]any{"username": "bad name!", "email": "x2@example.com", "password1": goodPassword, "password2": goodPassword}, 400, []string{`Enter a valid username`}},
		{"bad email", map[string]any{"username": "gooduser1", "email": "not-an-email", "password1": goodPassword, "password2": goodPassword}, 400, []string{`"email":["Enter a valid email address."]`}},
		{"password too short", map[string]any{"username": "gooduser2", "email": "x3@example.com", "password1": "Ab1!x", "password2": "Ab1!x"}, 400, []string{`too short`}},
		{"password numeric", map[string]any{"username": "gooduser3", "email": "x4@example.com", "password1": "839201746512", "password2": "839201746512"}, 400, []string{`entirely numeric`}},
		{"password common", map[string]any{"username": "gooduser4", "email": "x5@example.com", "password1": "password123", "password2": "password123"}, 400, []string{`too common`}},
		{"password like username", map[string]any{"username": "marigold77", "email": "x6@example.com", "password1": "marigold77!", "password2": "marigold77!"}, 400, []string{`too similar to the username`}},
		{"password too long", map[string]any{"username": "gooduser5", "email": "x7@example.com", "password1": strings.Repeat("xQ9", 90), "password2": strings.Repeat("xQ9", 90)}, 400, []string{`too long`}},
		{"passwords differ", map[string]any{"username": "gooduser6", "email": "x8@example.com", "password1": goodPassword, "password2": goodPassword + "x"}, 400, []string{`"password2":["The two password fields didn't match."]`}},
		{"unknown field", map[string]any{"username": "gooduser7", "email": "x9@example.com", "password1": goodPassword, "password2": goodPassword, "is_superuser": true}, 400, []string{`"is_superuser":["Unknown field."]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := env.browser().do("POST", "/api/auth/register", tc.body)
			expect(t, r, tc.status, tc.want...)
		})
	}
	t.Run("happy path signs in at once when no verification", func(t *testing.T) {
		b := env.browser()
		name, email := uniqueName("happy")
		r := b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword, "first_name": "Ada", "last_name": "Lovelace"})
		expect(t, r, 201, `"email_verification_required":false`, `"key":"`)
		self := b.do("GET", "/api/users/self", nil)
		expect(t, self, 200, `"username":"`+name+`"`, `"groups":["user"]`, `"first_name":"Ada"`)
	})
	t.Run("nothing lost: a failed registration creates no user", func(t *testing.T) {
		var n int64
		env.db.Table("users").Where("username_lower = ?", "gooduser6").Count(&n)
		if n != 0 {
			t.Fatalf("failed registration left %d rows", n)
		}
	})
}

func TestRegisterRequiresTerms(t *testing.T) {
	env := newAccountsEnv(t, envOptions{terms: "https://example.com/terms"})
	name, email := uniqueName("terms")
	body := map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword}
	expect(t, env.browser().do("POST", "/api/auth/register", body), 400, `"confirmations":["You must accept the terms of use`)
	body["confirmations"] = []map[string]any{{"name": "terms_of_use", "value": true}}
	expect(t, env.browser().do("POST", "/api/auth/register", body), 201)
}

func TestLoginByUsernameOrEmail(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	_, name, email := env.registerUser("login")
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"username", map[string]any{"username": name, "password": goodPassword}, 200, `"key":"`},
		{"username other case", map[string]any{"username": strings.ToUpper(name), "password": goodPassword}, 200, `"key":"`},
		{"email field", map[string]any{"email": email, "password": goodPassword}, 200, `"key":"`},
		{"email in username field", map[string]any{"username": strings.ToUpper(email), "password": goodPassword}, 200, `"key":"`},
		{"wrong password", map[string]any{"username": name, "password": "nope-nope-nope"}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		{"unknown user gives the same answer", map[string]any{"username": "ghost-user-x", "password": "nope-nope-nope"}, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		{"missing password", map[string]any{"username": name}, 400, `"password":["This field is required."]`},
		{"missing identifier", map[string]any{"password": "x"}, 400, `Must include`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, env.browser().do("POST", "/api/auth/login", tc.body), tc.status, tc.want)
		})
	}
}

func TestSessionCookiesAndRotation(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, name, _ := env.registerUser("rotate")
	first := b.cookie(sessionCookie)
	r := b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword})
	expect(t, r, 200)
	second := b.cookie(sessionCookie)
	if first == "" || second == "" || first == second {
		t.Fatalf("session id must change at login: %q -> %q", first, second)
	}
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "sessionid=") && (!strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax")) {
			t.Fatalf("session cookie flags: %s", c)
		}
	}
	// The old session id no longer works (no fixation).
	old := env.browser()
	old.headers["Cookie"] = sessionCookie + "=" + first
	expect(t, old.do("GET", "/api/users/self", nil), 401)
	expect(t, b.do("GET", "/api/users/self", nil), 200)
}

func TestSessionExpiry(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, _, _ := env.registerUser("idle")
	expect(t, b.do("GET", "/api/users/self", nil), 200)
	env.clock.Advance(DefaultAccountSettings.SessionIdle + time.Minute)
	expect(t, b.do("GET", "/api/users/self", nil), 401)

	b2, name, _ := env.registerUser("absolute")
	for i := 0; i < 4; i++ { // stay active, but pass the absolute limit
		env.clock.Advance(8 * 24 * time.Hour)
		if i < 3 {
			expect(t, b2.do("GET", "/api/users/self", nil), 200)
		}
	}
	expect(t, b2.do("GET", "/api/users/self", nil), 401)
	expect(t, b2.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
}

func TestCSRFAndOrigin(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, _, _ := env.registerUser("csrf")
	patch := map[string]any{"first_name": "Grace"}
	self := b.do("GET", "/api/users/self", nil)
	var me struct{ ID int }
	_ = json.Unmarshal(self.Body, &me)
	path := "/api/users/" + strconv.Itoa(me.ID)

	t.Run("no token", func(t *testing.T) {
		b.noCSRF = true
		defer func() { b.noCSRF = false }()
		expect(t, b.do("PATCH", path, patch), 403, "CSRF Failed: CSRF token missing.")
	})
	t.Run("wrong token", func(t *testing.T) {
		b.headers[csrfHeader] = "forged"
		defer delete(b.headers, csrfHeader)
		expect(t, b.do("PATCH", path, patch), 403, "CSRF Failed: CSRF token incorrect.")
	})
	t.Run("wrong origin", func(t *testing.T) {
		b.headers["Origin"] = "https://evil.example"
		defer delete(b.headers, "Origin")
		expect(t, b.do("PATCH", path, patch), 403, "Origin checking failed")
	})
	t.Run("wrong origin on login too", func(t *testing.T) {
		c := env.browser()
		c.headers["Origin"] = "https://evil.example"
		expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": "x", "password": "y"}), 403, "Origin checking failed")
	})
	t.Run("good token and origin", func(t *testing.T) {
		expect(t, b.do("PATCH", path, patch), 200, `"first_name":"Grace"`)
	})
}
