package server

// The attack checklist of README "Security notes", one subtest per item.
// Each test attacks a real server over loopback.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// attackRoute is one route of the app with its parameters filled in.
type attackRoute struct {
	method, pattern, path string
}

// fillParams turns "/api/users/:id" into "/api/users/1".
var routeParam = regexp.MustCompile(`:[A-Za-z0-9_]+\??|\*|\+`)

func appRoutes(t *testing.T, s *Server, methods ...string) []attackRoute {
	t.Helper()
	seen := map[string]bool{}
	var out []attackRoute
	for _, r := range s.App().GetRoutes(true) {
		if !slices.Contains(methods, r.Method) || seen[r.Method+" "+r.Path] {
			continue
		}
		seen[r.Method+" "+r.Path] = true
		out = append(out, attackRoute{method: r.Method, pattern: r.Path, path: routeParam.ReplaceAllStringFunc(r.Path, func(p string) string {
			if strings.HasPrefix(p, ":") {
				return "1"
			}
			return "x"
		})})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].pattern < out[j].method+out[j].pattern })
	return out
}

// csrfExempt are the unsafe routes that by design do not authenticate with
// the session, so they need no CSRF token; each says why.
var csrfExempt = []struct {
	pattern *regexp.Regexp
	why     string
}{
	// The IdP posts the SAML response from its own origin (HTTP-POST
	// binding) and cannot know our token; the signed, single-use assertion
	// bound to the RelayState protects it. It is mounted outside /api's
	// session middleware.
	{regexp.MustCompile(`^/api/auth/saml/[^/]+/acs/?$`), "SAML ACS: IdP-initiated POST carrying a signed assertion"},
	// Stripe calls the webhook server to server, authenticated by the
	// Stripe-Signature header, never with a browser session.
	{regexp.MustCompile(`^/api/billing/.*webhook`), "payment provider webhook: signed by the provider"},
}

func exemptFromCSRF(pattern string) bool {
	for _, e := range csrfExempt {
		if e.pattern.MatchString(pattern) {
			return true
		}
	}
	return false
}

// TestAttackCSRF sends every unsafe route of the app, with a valid session
// cookie, but without or with a wrong X-CSRFToken: each must be refused
// with 403 by the middleware before its handler runs. New routes are covered
// as soon as they are mounted.
func TestAttackCSRF(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	victim, _, _ := env.registerUser("csrfvictim")
	victim.noCSRF = true // this test sets the headers itself
	routes := appRoutes(t, env.srv, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete)
	if len(routes) < 20 {
		t.Fatalf("only %d unsafe routes found: %v", len(routes), routes)
	}
	for _, r := range routes {
		if exemptFromCSRF(r.pattern) || !strings.HasPrefix(r.pattern, "/api/") {
			continue
		}
		for _, tc := range []struct{ name, token, want string }{
			{"no token", "", "CSRF Failed: CSRF token missing."},
			{"wrong token", "forged-" + victim.cookie(csrfCookie)[:8], "CSRF Failed: CSRF token incorrect."},
		} {
			t.Run(r.method+" "+r.pattern+" "+tc.name, func(t *testing.T) {
				victim.headers = map[string]string{"Origin": env.URL}
				if tc.token != "" {
					victim.headers[csrfHeader] = tc.token
				}
				expect(t, victim.do(r.method, r.path, map[string]any{}), 403, tc.want)
			})
		}
	}
	// The session survived every attempt: no handler ran (logout, delete
	// self and revoke-all would have ended it).
	victim.headers = map[string]string{}
	expect(t, victim.do("GET", "/api/users/self", nil), 200)
}

// TestAttackSessionFixation: a session id planted before sign-in is never
// the one after it, and a forged cookie value is not adopted.
func TestAttackSessionFixation(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	_, name, _ := env.registerUser("fixation")
	base, _ := url.Parse(env.URL)

	t.Run("forged cookie is not adopted", func(t *testing.T) {
		b := env.browser()
		const planted = "attacker-chosen-session-id-0123456789abcdef"
		b.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/"}})
		b.do("GET", "/api/server/about", nil) // CSRF cookie, like the SPA
		expect(t, b.do("GET", "/api/users/self", nil), 401)
		b.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/"}})
		r := b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword})
		expect(t, r, 200)
		if got := b.cookie(sessionCookie); got == "" || got == planted {
			t.Fatalf("session id after login = %q: the planted id was kept", got)
		}
		attacker := env.browser()
		attacker.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: planted, Path: "/"}})
		expect(t, attacker.do("GET", "/api/users/self", nil), 401)
		expect(t, b.do("GET", "/api/users/self", nil), 200)
	})
	t.Run("signed-in session id rotates at login", func(t *testing.T) {
		b := env.browser()
		expect(t, b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
		before, csrfBefore := b.cookie(sessionCookie), b.cookie(csrfCookie)
		attacker := env.browser() // knows the pre-login id (e.g. planted it)
		attacker.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: before, Path: "/"}})
		expect(t, b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
		if after := b.cookie(sessionCookie); after == before || b.cookie(csrfCookie) == csrfBefore {
			t.Fatal("session id and CSRF token must both change at login")
		}
		expect(t, attacker.do("GET", "/api/users/self", nil), 401)
	})
}

// TestAttackOpenRedirect: nothing that takes a "next" (or ends in a
// redirect) sends the browser to another site.
func TestAttackOpenRedirect(t *testing.T) {
	payloads := []string{"//evil.example", "https://evil.example", `/\evil.example`, "javascript:alert(1)",
		"/\t/evil.example", "///evil.example", `\\evil.example`, "http:evil.example", "%2F%2Fevil.example",
		" //evil.example", "/%0d%0aLocation:%20https://evil.example"}
	t.Run("safeNext keeps same-site paths only", func(t *testing.T) {
		for _, p := range payloads {
			got := safeNext(p)
			if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) ||
				strings.Contains(strings.ToLower(got), "evil.example") && !strings.HasPrefix(got, "/%") {
				t.Errorf("safeNext(%q) = %q", p, got)
			}
			if u, err := url.Parse(got); err != nil || u.Host != "" || u.Scheme != "" {
				t.Errorf("safeNext(%q) = %q leaves the site", p, got)
			}
		}
		for _, ok := range []string{"/", "/organizations", "/tasks?page=2", "/invitations#x"} {
			if got := safeNext(ok); got != ok {
				t.Errorf("safeNext(%q) = %q, want it kept", ok, got)
			}
		}
	})
	t.Run("every GET route with next stays on this site", func(t *testing.T) {
		env := newAccountsEnv(t, envOptions{})
		b, _, _ := env.registerUser("redirect")
		for _, r := range appRoutes(t, env.srv, http.MethodGet) {
			for _, p := range payloads {
				for _, who := range []*browser{b, env.browser()} {
					res := who.do("GET", r.path+"?next="+url.QueryEscape(p)+"&redirect="+url.QueryEscape(p), nil)
					loc := res.Header.Get("Location")
					if loc == "" {
						continue
					}
					u, err := url.Parse(loc)
					if err != nil || strings.Contains(strings.ToLower(loc), "evil.example") && (u.Host == "" || u.Host == "evil.example") ||
						u.Host != "" && strings.Contains(u.Host, "evil") || u.Scheme == "javascript" || strings.HasPrefix(loc, "//") {
						t.Errorf("GET %s?next=%s redirects to %q", r.path, p, loc)
					}
				}
			}
		}
	})
	t.Run("confirm-email redirects to fixed pages", func(t *testing.T) {
		env := newAccountsEnv(t, envOptions{})
		r := env.browser().do("GET", "/api/auth/account-confirm-email/bogus/?next=//evil.example", nil)
		if r.Status != 302 || r.Header.Get("Location") != env.URL+"/auth/incorrect-email-confirmation" {
			t.Fatalf("got %d Location %q", r.Status, r.Header.Get("Location"))
		}
	})
}

var sqlPayloads = []string{`' OR 1=1--`, `name;DROP TABLE users`, `1) OR (1=1`, `" OR ""="`, `%' UNION SELECT password_hash FROM users--`,
	`\`, `'; DELETE FROM users; --`, `-id; DROP TABLE users`, `(SELECT 1)`, `id desc, (select 1)`}

// TestAttackSQLInjection sends injection payloads through search, sort and
// the field filters of every list endpoint (found from the routes: a GET
// without path parameters that answers the pagination envelope).
func TestAttackSQLInjection(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, adminName, _ := env.registerUser("sqliadmin")
	env.makeAdmin(adminName)
	// Some rows in every list, so a widened query would show.
	owner, slug := auditOrg(t, env)
	for _, w := range []*browser{owner, inOrg(owner, slug)} {
		p := rsCreate(t, w, "/api/projects", map[string]any{"name": "Apollo"})
		rsCreate(t, w, "/api/tasks", map[string]any{"name": "T", "project_id": p.ID, "segment_count": 2})
		rsCreate(t, w, "/api/cloudstorages", map[string]any{"display_name": "Bucket", "provider_type": "AWS_S3_BUCKET", "resource": "data"})
	}
	expect(t, inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": "sqli-invitee@example.com", "role": "worker"}), 201)
	expect(t, admin.do("POST", "/api/auth/access_tokens", map[string]any{"name": "t"}), 201)
	var usersBefore int64
	env.db.Model(&models.User{}).Count(&usersBefore)

	filterParams := []string{"search", "sort", "name", "owner", "assignee", "slug", "email", "username", "status", "state", "stage",
		"type", "role", "user", "id", "filter", "display_name", "provider_type", "resource", "project_id", "task_id", "member_id",
		"event", "actor", "from", "to", "accepted", "mine", "org_id", "page", "page_size"}
	lists := 0
	for _, r := range appRoutes(t, env.srv, http.MethodGet) {
		if strings.Contains(r.pattern, ":") || strings.Contains(r.pattern, "*") || !strings.HasPrefix(r.pattern, "/api/") {
			continue
		}
		base := admin.do("GET", r.path, nil)
		var page struct {
			Count   *int64
			Results []json.RawMessage
		}
		if base.Status != 200 || json.Unmarshal(base.Body, &page) != nil || page.Count == nil || page.Results == nil {
			continue // not a list
		}
		lists++
		for _, param := range filterParams {
			for _, p := range sqlPayloads {
				t.Run(r.pattern+" "+param+"="+p, func(t *testing.T) {
					res := admin.do("GET", r.path+"?"+param+"="+url.QueryEscape(p), nil)
					switch res.Status {
					case 400, 404:
						return
					case 200:
						var got struct{ Count int64 }
						if err := json.Unmarshal(res.Body, &got); err != nil {
							t.Fatalf("200 without a page: %s", res.Body)
						}
						if got.Count > *page.Count {
							t.Fatalf("count %d > %d without a filter: the payload widened the query", got.Count, *page.Count)
						}
					default:
						t.Fatalf("status %d: %s", res.Status, res.Body)
					}
				})
			}
		}
	}
	if lists < 8 {
		t.Fatalf("only %d list endpoints found", lists)
	}
	t.Run("unknown sort field is a 400", func(t *testing.T) {
		expect(t, admin.do("GET", "/api/users?sort=password_hash", nil), 400, `"sort"`)
		expect(t, admin.do("GET", "/api/projects?sort=name;DROP TABLE users", nil), 400, `"sort"`)
	})
	t.Run("tables intact", func(t *testing.T) {
		var after int64
		if err := env.db.Model(&models.User{}).Count(&after).Error; err != nil || after != usersBefore {
			t.Fatalf("users: %d rows (%v), want %d", after, err, usersBefore)
		}
		for _, table := range []string{"users", "sessions", "organizations", "memberships", "projects", "tasks", "jobs", "audit_events"} {
			if !env.db.Migrator().HasTable(table) {
				t.Fatalf("table %s is gone", table)
			}
		}
		expect(t, admin.do("GET", "/api/users/self", nil), 200)
	})
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// rawRequest writes req on a fresh connection and reads the answer.
func rawRequest(t *testing.T, base, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// TestAttackOversizedInput: huge headers and bodies are refused cleanly and
// the server keeps serving.
func TestAttackOversizedInput(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	t.Run("headers over the read buffer", func(t *testing.T) {
		big := strings.Repeat("a", 20<<10)
		res, _ := rawRequest(t, env.URL, "GET /api/server/about HTTP/1.1\r\nHost: x\r\nX-Big: "+big+"\r\n\r\n")
		if res.StatusCode != 431 {
			t.Fatalf("status %d, want 431", res.StatusCode)
		}
		res, _ = rawRequest(t, env.URL, "GET /api/server/about HTTP/1.1\r\nHost: x\r\nCookie: "+sessionCookie+"="+big+"\r\n\r\n")
		if res.StatusCode != 431 {
			t.Fatalf("big cookie: status %d, want 431", res.StatusCode)
		}
		expect(t, env.browser().do("GET", "/api/server/about", nil), 200)
	})
	t.Run("JSON body over 1 MiB", func(t *testing.T) {
		body := map[string]any{"username": strings.Repeat("x", MaxJSONBody), "password": "x"}
		expect(t, env.browser().do("POST", "/api/auth/login", body), 400, "Request body is too large")
	})
	t.Run("body over 16 MiB", func(t *testing.T) {
		res, body := rawRequest(t, env.URL, fmt.Sprintf("POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 16<<20+1))
		if res.StatusCode != 413 || !strings.Contains(body, `"detail"`) {
			t.Fatalf("got %d %s, want 413 with a detail", res.StatusCode, body)
		}
	})
	t.Run("page number that overflows the row offset", func(t *testing.T) {
		b, _, _ := env.registerUser("bigpage")
		for _, p := range []string{"9223372036854775807", "92233720368547758", "1000000001"} {
			expect(t, b.do("GET", "/api/users?page_size=1000&page="+p, nil), 400, `"page"`)
		}
		expect(t, b.do("GET", "/api/users?page_size=1000&page=1000000000", nil), 200, `"results":[]`)
	})
	t.Run("deeply nested JSON", func(t *testing.T) {
		raw := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
		res, body := rawRequest(t, env.URL, fmt.Sprintf("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(raw), raw))
		if res.StatusCode != 400 {
			t.Fatalf("got %d %.200s, want 400", res.StatusCode, body)
		}
		expect(t, env.browser().do("GET", "/healthz", nil), 200)
	})
}

// TestAttackSlowClient: a client that trickles its headers slower than the
// read timeout is disconnected; production timeouts are all set.
func TestAttackSlowClient(t *testing.T) {
	t.Run("server timeouts are set", func(t *testing.T) {
		srv, err := New(Config{BaseURL: "http://127.0.0.1"}, Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		cfg := srv.App().Config()
		if cfg.ReadTimeout != ReadTimeout || cfg.WriteTimeout != WriteTimeout || cfg.IdleTimeout != IdleTimeout ||
			cfg.ReadTimeout <= 0 || cfg.WriteTimeout <= 0 || cfg.IdleTimeout <= 0 {
			t.Fatalf("timeouts read %v write %v idle %v", cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout)
		}
	})
	t.Run("slowloris is cut off", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv, err := New(Config{BaseURL: "http://" + ln.Addr().String(), readTimeout: 300 * time.Millisecond},
			Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		req := "GET /api/server/about HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 200) + "\r\n\r\n"
		start := time.Now()
		go func() { // 20 ms a byte: the whole request would take about 5 s
			for i := 0; i < len(req); i++ {
				if _, err := conn.Write([]byte{req[i]}); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		_ = conn.SetReadDeadline(time.Now().Add(4 * time.Second))
		got, err := io.ReadAll(conn) // until the server closes the connection
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the connection was still open after %v", time.Since(start))
		}
		if bytes.Contains(got, []byte("200 OK")) {
			t.Fatalf("the server answered a request trickled over %v: %q", time.Since(start), got)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("cut off after %v, want about the 300 ms read timeout", took)
		}
	})
}

// TestAttackPathTraversal: no path served by the SPA route reaches a file
// outside the built UI.
func TestAttackPathTraversal(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	index, _ := testUI.ReadFile("index.html")
	for _, p := range []string{
		"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fgo.mod", "/assets/../../go.mod",
		"/..%5c..%5cgo.mod", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "//etc/passwd", "/assets/%2e%2e/%2e%2e/server/spa.go",
		"/..;/..;/etc/passwd", "/assets/..%252f..%252fgo.mod", "/%c0%ae%c0%ae/etc/passwd", "/.git/config", "/server/spa.go",
	} {
		t.Run(p, func(t *testing.T) {
			res, body := rawRequest(t, env.URL, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if strings.Contains(body, "root:") || strings.Contains(body, "module github.com/gatehouse") ||
				strings.Contains(body, "package server") || strings.Contains(body, "[core]") {
				t.Fatalf("%s served a file from outside the UI: %.200s", p, body)
			}
			switch res.StatusCode {
			case 200:
				if body != string(index) {
					t.Fatalf("200 with something else than index.html: %.200s", body)
				}
			case 400, 404:
			default:
				t.Fatalf("status %d", res.StatusCode)
			}
		})
	}
}

// TestAttackStoredXSS: markup in organization fields is stored and served
// as data (JSON, nosniff), and the CSP forbids inline scripts everywhere.
func TestAttackStoredXSS(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	b, _, _ := env.registerUser("xss")
	for i, payload := range []string{`<img src=x onerror=window.__xss=1>`, `<script>window.__xss=1</script>`} {
		t.Run(payload, func(t *testing.T) {
			slug := "xss" + strconv.Itoa(i) + strconv.Itoa(int(userSeq.Add(1)))
			r := b.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": payload, "description": payload + " " + payload})
			expect(t, r, 201)
			var org struct {
				ID          int
				Name        string
				Description string
			}
			decodeInto(t, r, &org)
			got := b.do("GET", "/api/organizations/"+strconv.Itoa(org.ID), nil)
			decodeInto(t, got, &org)
			if org.Name != payload || org.Description != payload+" "+payload {
				t.Fatalf("stored %q / %q, want the text unchanged", org.Name, org.Description)
			}
			if bytes.Contains(got.Body, []byte("<")) {
				t.Fatalf("raw markup in the JSON body: %s", got.Body)
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || got.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("Content-Type %q, nosniff %q", ct, got.Header.Get("X-Content-Type-Options"))
			}
		})
	}
	t.Run("CSP forbids inline script", func(t *testing.T) {
		for _, path := range []string{"/", "/organizations", "/api/organizations"} {
			csp := b.do("GET", path, nil).Header.Get("Content-Security-Policy")
			var script string
			for _, d := range strings.Split(csp, ";") {
				if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
					script = d
				}
			}
			if script == "" || strings.Contains(script, "unsafe-inline") || strings.Contains(script, "unsafe-eval") ||
				!strings.Contains(csp, "object-src 'none'") || !strings.Contains(csp, "base-uri 'self'") {
				t.Fatalf("%s: CSP %q", path, csp)
			}
		}
	})
}

// TestAttackTokenReplay: credentials that logout or a password change
// ended are refused afterwards. As documented, a password change also
// revokes personal access tokens.
func TestAttackTokenReplay(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	login := func(t *testing.T, name, password string) (*browser, string) {
		b := env.browser()
		r := b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": password})
		expect(t, r, 200)
		var k struct{ Key string }
		decodeInto(t, r, &k)
		return b, k.Key
	}
	withCookie := func(value string) *browser {
		c := env.browser()
		c.headers["Cookie"] = sessionCookie + "=" + value
		return c
	}
	withAuth := func(h string) *browser {
		c := env.browser()
		c.headers["Authorization"] = h
		return c
	}
	t.Run("after logout", func(t *testing.T) {
		_, name, _ := env.registerUser("replay")
		b, key := login(t, name, goodPassword)
		cookie := b.cookie(sessionCookie)
		expect(t, withCookie(cookie).do("GET", "/api/users/self", nil), 200)
		expect(t, withAuth("Token "+key).do("GET", "/api/users/self", nil), 200)
		expect(t, b.do("POST", "/api/auth/logout", nil), 200)
		env.clock.Advance(2 * time.Second) // past the credential cache on other replicas
		expect(t, withCookie(cookie).do("GET", "/api/users/self", nil), 401)
		expect(t, withAuth("Token "+key).do("GET", "/api/users/self", nil), 401, "Invalid token.")
	})
	t.Run("after password change", func(t *testing.T) {
		owner, name, _ := env.registerUser("replaypw")
		other, key := login(t, name, goodPassword)
		cookie := other.cookie(sessionCookie)
		r := owner.do("POST", "/api/auth/access_tokens", map[string]any{"name": "ci"})
		expect(t, r, 201)
		var pat struct{ Value string }
		decodeInto(t, r, &pat)
		expect(t, withAuth("Bearer "+pat.Value).do("GET", "/api/users/self", nil), 200)
		const newPassword = "Velvet-Compass-9031"
		expect(t, owner.do("POST", "/api/auth/password/change", map[string]any{
			"old_password": goodPassword, "new_password1": newPassword, "new_password2": newPassword}), 200)
		env.clock.Advance(2 * time.Second)
		expect(t, withCookie(cookie).do("GET", "/api/users/self", nil), 401)
		expect(t, withAuth("Token "+key).do("GET", "/api/users/self", nil), 401)
		expect(t, withAuth("Bearer "+pat.Value).do("GET", "/api/users/self", nil), 401)
		basic := "Basic " + base64Std(name+":"+goodPassword)
		expect(t, withAuth(basic).do("GET", "/api/users/self", nil), 401)
		// The session that made the change stays signed in.
		expect(t, owner.do("GET", "/api/users/self", nil), 200)
	})
	t.Run("after deactivation", func(t *testing.T) {
		admin, adminName, _ := env.registerUser("replayadmin")
		env.makeAdmin(adminName)
		victim, name, _ := env.registerUser("replayoff")
		id := selfID(t, victim)
		other, key := login(t, name, goodPassword)
		r := victim.do("POST", "/api/auth/access_tokens", map[string]any{"name": "ci"})
		expect(t, r, 201)
		var pat struct{ Value string }
		decodeInto(t, r, &pat)
		expect(t, admin.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"is_active": false}), 200)
		env.clock.Advance(2 * time.Second)
		for what, b := range map[string]*browser{"cookie": other, "login key": withAuth("Token " + key), "access token": withAuth("Bearer " + pat.Value),
			"password": withAuth("Basic " + base64Std(name+":"+goodPassword))} {
			if got := b.do("GET", "/api/users/self", nil).Status; got != 401 {
				t.Errorf("%s of a deactivated user: status %d, want 401", what, got)
			}
		}
	})
}
