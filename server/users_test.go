package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestUsersPermissions(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, adminName, _ := env.registerUser("admin")
	env.makeAdmin(adminName)
	alice, _, _ := env.registerUser("alice")
	bob, _, _ := env.registerUser("bob")
	aliceID, bobID := selfID(t, alice), selfID(t, bob)
	p := func(id int) string { return "/api/users/" + strconv.Itoa(id) }

	tests := []struct {
		name   string
		who    *browser
		method string
		path   string
		body   map[string]any
		status int
		want   string
	}{
		// users.csv: list — any signed-in user; a non-admin sees only self.
		{"user lists only self", alice, "GET", "/api/users", nil, 200, `"count":1`},
		{"admin lists everyone", admin, "GET", "/api/users", nil, 200, `"count":3`},
		// view: admin, or self.
		{"view self", alice, "GET", p(aliceID), nil, 200, `"email"`},
		{"view other user", alice, "GET", p(bobID), nil, 403, `"detail"`},
		{"admin views other", admin, "GET", p(bobID), nil, 200, `"email"`},
		{"unknown id", admin, "GET", "/api/users/999999", nil, 404, `"detail":"Not found."`},
		// update: admin, or self (names only).
		{"update own names", alice, "PATCH", p(aliceID), map[string]any{"first_name": "Alice", "last_name": "Liddell"}, 200, `"first_name":"Alice"`},
		{"update other user", alice, "PATCH", p(bobID), map[string]any{"first_name": "Hacked"}, 403, `"detail"`},
		{"own role change refused", alice, "PATCH", p(aliceID), map[string]any{"groups": []string{"admin"}}, 403, `Only an admin`},
		{"own active flag refused", alice, "PATCH", p(aliceID), map[string]any{"is_active": false}, 403, `Only an admin`},
		{"admin sets role", admin, "PATCH", p(bobID), map[string]any{"groups": []string{"worker"}}, 200, `"groups":["worker"]`},
		{"admin bad role", admin, "PATCH", p(bobID), map[string]any{"groups": []string{"owner"}}, 400, `"groups"`},
		{"is_superuser is derived", admin, "PATCH", p(bobID), map[string]any{"is_superuser": true}, 400, `"groups"`},
		{"name too long", alice, "PATCH", p(aliceID), map[string]any{"first_name": strings.Repeat("a", 151)}, 400, `"first_name"`},
		// delete: admin, or self.
		{"delete other user", alice, "DELETE", p(bobID), nil, 403, `"detail"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.who.do(tc.method, tc.path, tc.body), tc.status, tc.want)
		})
	}

	t.Run("other users are shown as BasicUser", func(t *testing.T) {
		r := admin.do("GET", "/api/users?search="+url.QueryEscape("alice"), nil)
		expect(t, r, 200, `"count":1`)
		// A non-admin never sees other people's emails in any listing.
		if strings.Contains(string(alice.do("GET", "/api/users", nil).Body), "bob") {
			t.Fatal("a non-admin sees another user")
		}
	})
	t.Run("filters and sort", func(t *testing.T) {
		expect(t, admin.do("GET", "/api/users?is_active=true&sort=-username", nil), 200, `"count":3`)
		expect(t, admin.do("GET", "/api/users?sort=password_hash", nil), 400, `"sort"`)
		expect(t, admin.do("GET", "/api/users?search=%25", nil), 200, `"count":0`)
	})
	t.Run("deactivation stops sessions and tokens at once", func(t *testing.T) {
		tok := alice.do("POST", "/api/auth/access_tokens", map[string]any{"name": "x"})
		var pat struct{ Value string }
		_ = json.Unmarshal(tok.Body, &pat)
		expect(t, admin.do("PATCH", p(aliceID), map[string]any{"is_active": false}), 200, `"is_active":false`)
		expect(t, alice.do("GET", "/api/users/self", nil), 401)
		bearer := env.browser()
		bearer.headers["Authorization"] = "Bearer " + pat.Value
		expect(t, bearer.do("GET", "/api/users/self", nil), 401)
		var me struct{ Username string }
		_ = json.Unmarshal(admin.do("GET", p(aliceID), nil).Body, &me)
		expect(t, env.browser().do("POST", "/api/auth/login", map[string]any{"username": me.Username, "password": goodPassword}), 400, "Unable to log in")
	})
	t.Run("last admin cannot be demoted or deleted", func(t *testing.T) {
		adminID := selfID(t, admin)
		expect(t, admin.do("PATCH", p(adminID), map[string]any{"groups": []string{"user"}}), 409, "last active admin")
		expect(t, admin.do("DELETE", p(adminID), nil), 409, "last active admin")
	})
	t.Run("delete self", func(t *testing.T) {
		expect(t, bob.do("DELETE", p(bobID), nil), 204)
		expect(t, bob.do("GET", "/api/users/self", nil), 401)
		expect(t, admin.do("GET", p(bobID), nil), 404)
	})
	t.Run("anonymous", func(t *testing.T) {
		expect(t, env.browser().do("GET", "/api/users", nil), 401, "Authentication credentials were not provided.")
		expect(t, env.browser().do("GET", "/api/users/self", nil), 401)
	})
}

func TestFirstAdminSetup(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	link, err := env.srv.SetupLink(context.Background())
	if err != nil || link == "" {
		t.Fatalf("setup link %q %v", link, err)
	}
	u, _ := url.Parse(link)
	tok := u.Query().Get("token")
	body := map[string]any{"token": tok, "username": "rootadmin", "email": "root@example.com", "password1": goodPassword, "password2": goodPassword}
	b := env.browser()
	expect(t, b.do("POST", "/api/auth/setup", map[string]any{"token": "nope", "username": "rootadmin", "email": "root@example.com", "password1": goodPassword, "password2": goodPassword}), 400, `"token"`)
	expect(t, b.do("POST", "/api/auth/setup", body), 201, `"groups":["admin"]`)
	expect(t, b.do("POST", "/api/auth/setup", body), 400, `"token"`)
	if again, _ := env.srv.SetupLink(context.Background()); again != "" {
		t.Fatal("no setup link once an admin exists")
	}
	expect(t, b.do("POST", "/api/auth/login", map[string]any{"username": "rootadmin", "password": goodPassword}), 200)
	expect(t, b.do("GET", "/api/server/outbox", nil), 200, `"count"`)
	// The audit log has the creation, by the new admin, once.
	expect(t, b.do("GET", "/api/audit?event=user.created", nil), 200, `"count":1`, `"via":"setup_link"`, `"role":"admin"`)

	// The link expires after an hour.
	env2 := newAccountsEnv(t, envOptions{})
	link2, _ := env2.srv.SetupLink(context.Background())
	u2, _ := url.Parse(link2)
	env2.clock.Advance(setupTTL + 1)
	body["token"] = u2.Query().Get("token")
	expect(t, env2.browser().do("POST", "/api/auth/setup", body), 400, `"token"`)
}

func TestOutboxIsAdminOnly(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyOptional})
	user, _, email := env.registerUser("outbox")
	expect(t, user.do("GET", "/api/server/outbox", nil), 403)
	admin, adminName, _ := env.registerUser("outadmin")
	env.makeAdmin(adminName)
	expect(t, admin.do("GET", "/api/server/outbox", nil), 200, email, `"status":"outbox"`)
}

// users/self is answered from the cached identity (its body is encoded once
// per cache entry): a change to the user must still show on the next read,
// whatever credential the client uses.
func TestUsersSelfShowsChangesAtOnce(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, adminName, _ := env.registerUser("admin")
	env.makeAdmin(adminName)
	credentials := []struct {
		name  string
		setup func(t *testing.T, owner *browser, username string) *browser
	}{
		{"session cookie", func(t *testing.T, owner *browser, _ string) *browser { return owner }},
		{"login key", func(t *testing.T, _ *browser, username string) *browser {
			r := env.browser().do("POST", "/api/auth/login", map[string]any{"username": username, "password": goodPassword})
			expect(t, r, 200, `"key"`)
			var out struct{ Key string }
			_ = json.Unmarshal(r.Body, &out)
			c := env.browser()
			c.headers["Authorization"] = "Token " + out.Key
			return c
		}},
		{"personal access token", func(t *testing.T, owner *browser, _ string) *browser {
			r := owner.do("POST", "/api/auth/access_tokens", map[string]any{"name": "self-reader"})
			expect(t, r, 201)
			var pat struct{ Value string }
			_ = json.Unmarshal(r.Body, &pat)
			c := env.browser()
			c.headers["Authorization"] = "Bearer " + pat.Value
			return c
		}},
	}
	for i, cred := range credentials {
		t.Run(cred.name, func(t *testing.T) {
			owner, username, _ := env.registerUser("selfread")
			id := selfID(t, owner)
			c := cred.setup(t, owner, username)
			for range 3 { // fill the cache and the encoded body
				expect(t, c.do("GET", "/api/users/self", nil), 200, `"first_name":""`, `"groups":["user"]`)
			}
			name := "Ada" + strconv.Itoa(i)
			expect(t, owner.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"first_name": name}), 200)
			expect(t, c.do("GET", "/api/users/self", nil), 200, `"first_name":"`+name+`"`)
			expect(t, admin.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"groups": []string{"worker"}}), 200)
			expect(t, c.do("GET", "/api/users/self", nil), 200, `"first_name":"`+name+`"`, `"groups":["worker"]`)

			c.headers["Accept"] = "application/vnd.cvat+json"
			r := c.do("GET", "/api/users/self", nil)
			expect(t, r, 200, `"groups":["worker"]`)
			if ct := r.Header.Get("Content-Type"); ct != "application/vnd.cvat+json" {
				t.Fatalf("Content-Type = %q, want the vendor type asked for", ct)
			}
			delete(c.headers, "Accept")
			if ct := c.do("GET", "/api/users/self", nil).Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}
