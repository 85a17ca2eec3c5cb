package server

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// TestAccountFlowOnEachDB runs the main account flow over HTTP on SQLite
// and, when GATEHOUSE_TEST_PG is set, on PostgreSQL.
func TestAccountFlowOnEachDB(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		env := newAccountsEnv(t, envOptions{db: db, authBudget: 1000})
		b, name, email := env.registerUser("eachdb")
		id := selfID(t, b)
		expect(t, b.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"first_name": "Edsger"}), 200, `"first_name":"Edsger"`)
		expect(t, env.browser().do("POST", "/api/auth/register", map[string]any{"username": name, "email": "x" + email, "password1": goodPassword, "password2": goodPassword}), 400, `"username"`)
		for i := 0; i < lockoutFailures; i++ {
			expect(t, env.browser().do("POST", "/api/auth/login", map[string]any{"email": email, "password": "bad"}), 400)
		}
		expect(t, env.browser().do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 429)
		env.clock.Advance(lockoutWindow)
		r := env.browser().do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword})
		expect(t, r, 200)
		var tok struct{ Key string }
		_ = json.Unmarshal(r.Body, &tok)
		api := env.browser()
		api.headers["Authorization"] = "Token " + tok.Key
		expect(t, api.do("GET", "/api/users?search="+name[:5], nil), 200, `"count":1`)
		pat := api.do("POST", "/api/auth/access_tokens", map[string]any{"name": "pg", "read_only": true})
		expect(t, pat, 201)
		expect(t, api.do("GET", "/api/auth/sessions", nil), 200, `"count":2`)
		expect(t, b.do("POST", "/api/auth/password/change", map[string]any{"old_password": goodPassword, "new_password1": "Each-Database-Pass-1", "new_password2": "Each-Database-Pass-1"}), 200)
		expect(t, api.do("GET", "/api/users/self", nil), 401)
		expect(t, b.do("GET", "/api/users/self", nil), 200)
	})
}
