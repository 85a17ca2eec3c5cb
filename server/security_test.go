package server

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func selfID(t *testing.T, b *browser) int {
	t.Helper()
	r := b.do("GET", "/api/users/self", nil)
	expect(t, r, 200)
	var me struct{ ID int }
	if err := json.Unmarshal(r.Body, &me); err != nil {
		t.Fatal(err)
	}
	return me.ID
}

func TestLockout(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	_, name, _ := env.registerUser("lock")
	c := env.browser()
	for i := 0; i < lockoutFailures; i++ {
		expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": "wrong-" + strconv.Itoa(i)}), 400)
	}
	r := c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword})
	expect(t, r, 429, "Too many failed sign-in attempts")
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > int(lockoutWindow.Seconds()) {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Locked even for the right password; a non-existing account locks the same way.
	for i := 0; i < lockoutFailures; i++ {
		c.do("POST", "/api/auth/login", map[string]any{"username": "nobody-here", "password": "x"})
	}
	expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": "nobody-here", "password": "x"}), 429)
	env.clock.Advance(lockoutWindow + time.Second)
	expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
}

func TestAuthBudgetPerIP(t *testing.T) {
	env := newAccountsEnv(t, envOptions{authBudget: 5})
	c := env.browser()
	for i := 0; i < 5; i++ {
		expect(t, c.do("POST", "/api/auth/password/reset", map[string]any{"email": "someone@example.com"}), 200)
	}
	r := c.do("POST", "/api/auth/password/reset", map[string]any{"email": "someone@example.com"})
	expect(t, r, 429, "throttled")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// Other API paths are not in the auth budget.
	expect(t, c.do("GET", "/api/server/about", nil), 200)
	env.clock.Advance(time.Minute)
	expect(t, c.do("POST", "/api/auth/password/reset", map[string]any{"email": "someone@example.com"}), 200)
}

func TestTokenBasicAndLogout(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	_, name, _ := env.registerUser("token")
	r := env.browser().do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword})
	expect(t, r, 200)
	var tok struct{ Key string }
	_ = json.Unmarshal(r.Body, &tok)
	if len(tok.Key) != 40 {
		t.Fatalf("key %q is not 40 characters", tok.Key)
	}
	api := env.browser()
	api.headers["Authorization"] = "Token " + tok.Key
	expect(t, api.do("GET", "/api/users/self", nil), 200, `"username":"`+name+`"`)
	// Token auth needs no CSRF token.
	api.noCSRF = true
	id := selfID(t, api)
	expect(t, api.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"last_name": "Hopper"}), 200)

	basic := env.browser()
	basic.headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+goodPassword))
	expect(t, basic.do("GET", "/api/users/self", nil), 200)
	basic.headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":wrong"))
	expect(t, basic.do("GET", "/api/users/self", nil), 401)

	bad := env.browser()
	bad.headers["Authorization"] = "Token 0000000000000000000000000000000000000000"
	expect(t, bad.do("GET", "/api/users/self", nil), 401, "Invalid token.")

	expect(t, api.do("POST", "/api/auth/logout", nil), 200, "Successfully logged out.")
	expect(t, api.do("GET", "/api/users/self", nil), 401, "Invalid token.")
}

func TestPersonalAccessTokens(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, _, _ := env.registerUser("pat")
	create := func(body map[string]any) (int, string) {
		r := b.do("POST", "/api/auth/access_tokens", body)
		var out struct {
			ID    int
			Value string
		}
		_ = json.Unmarshal(r.Body, &out)
		if r.Status == 201 && !strings.HasPrefix(out.Value, accessTokenPrefix) {
			t.Fatalf("token value %q", out.Value)
		}
		return out.ID, out.Value
	}
	_, rw := create(map[string]any{"name": "ci", "read_only": false})
	roID, ro := create(map[string]any{"name": "reader", "read_only": true})

	expect(t, b.do("POST", "/api/auth/access_tokens", map[string]any{"name": ""}), 400, `"name":["This field is required."]`)
	expect(t, b.do("POST", "/api/auth/access_tokens", map[string]any{"name": "old", "expiry_date": "2020-01-01T00:00:00Z"}), 400, `"expiry_date"`)

	list := b.do("GET", "/api/auth/access_tokens", nil)
	expect(t, list, 200, `"count":2`, `"name":"reader"`)
	if strings.Contains(string(list.Body), ro) || strings.Contains(string(list.Body), `"value"`) {
		t.Fatal("the secret must be shown only once")
	}

	bearer := func(tok string) *browser {
		c := env.browser()
		c.headers["Authorization"] = "Bearer " + tok
		return c
	}
	expect(t, bearer(rw).do("GET", "/api/users/self", nil), 200)
	id := selfID(t, bearer(ro))
	expect(t, bearer(ro).do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"first_name": "X"}), 403, "read-only")
	expect(t, bearer(rw).do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"first_name": "X"}), 200)

	expect(t, b.do("DELETE", "/api/auth/access_tokens/"+strconv.Itoa(roID), nil), 204)
	expect(t, bearer(ro).do("GET", "/api/users/self", nil), 401)

	// Expiry.
	_, short := create(map[string]any{"name": "short", "expiry_date": env.clock.Now().Add(time.Hour).Format(time.RFC3339)})
	expect(t, bearer(short).do("GET", "/api/users/self", nil), 200)
	env.clock.Advance(2 * time.Hour)
	expect(t, bearer(short).do("GET", "/api/users/self", nil), 401)

	// At most 50 per user.
	for i := 0; i < 48; i++ {
		create(map[string]any{"name": "t" + strconv.Itoa(i)})
	}
	expect(t, b.do("POST", "/api/auth/access_tokens", map[string]any{"name": "one too many"}), 400, "You already have 50 access tokens")
}

func TestSessionsListAndRevoke(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, name, _ := env.registerUser("sess")
	other := env.browser()
	expect(t, other.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
	third := env.browser()
	expect(t, third.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)

	r := b.do("GET", "/api/auth/sessions", nil)
	expect(t, r, 200, `"count":3`, `"current":true`)
	var page struct {
		Results []struct {
			ID      int
			Current bool
		}
	}
	_ = json.Unmarshal(r.Body, &page)
	var victim int
	for _, s := range page.Results {
		if !s.Current {
			victim = s.ID
		}
	}
	expect(t, b.do("DELETE", "/api/auth/sessions/"+strconv.Itoa(victim), nil), 204)
	remaining := 0
	for _, c := range []*browser{other, third} {
		if c.do("GET", "/api/users/self", nil).Status == 200 {
			remaining++
		}
	}
	if remaining != 1 {
		t.Fatalf("%d other sessions alive, want 1", remaining)
	}
	expect(t, b.do("DELETE", "/api/auth/sessions", nil), 200, `"count":1`)
	expect(t, other.do("GET", "/api/users/self", nil), 401)
	expect(t, third.do("GET", "/api/users/self", nil), 401)
	expect(t, b.do("GET", "/api/users/self", nil), 200)
	// Someone else's session id is not found.
	expect(t, other.do("DELETE", "/api/auth/sessions/999999", nil), 401)
}
