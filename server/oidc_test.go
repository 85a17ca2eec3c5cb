package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/models"
)

// testIdP is an in-process OIDC provider (mockoidc) on 127.0.0.1. It also
// takes client credentials by HTTP Basic (mockoidc reads only the form) and
// records how each token request authenticated.
type testIdP struct {
	*mockoidc.MockOIDC
	mu          sync.Mutex
	authMethods []string // "basic", "post", "both" or "none", one per token request
	authorize   []url.Values
	nonceSwap   string // when set, the IdP signs this nonce instead of the client's
	down        bool   // when set, every request gets 503
	discoveries int    // requests for the discovery document
	forgeSig    bool   // when set, the ID token's signature is altered on the way out
	// advertise, when set, replaces token_endpoint_auth_methods_supported
	// in the discovery document (mockoidc lists client_secret_basic first).
	advertise []string
	userinfos int // requests to the userinfo endpoint
}

// capturingWriter holds a response back so the middleware can alter it
// (the ID token's signature, the discovery document) before the client
// gets it.
type capturingWriter struct {
	http.ResponseWriter
	body   bytes.Buffer
	status int
}

func (w *capturingWriter) WriteHeader(code int)        { w.status = code }
func (w *capturingWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// sendJSON writes v as the response the capturingWriter held back.
func (w *capturingWriter) sendJSON(v any) {
	out, _ := json.Marshal(v)
	w.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(out)
}

func (idp *testIdP) discoveryCount() int {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.discoveries
}

func (idp *testIdP) setDown(down bool) {
	idp.mu.Lock()
	idp.down = down
	idp.mu.Unlock()
}

func startIdP(t *testing.T) *testIdP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startIdPOn(t, ln)
}

func startIdPOn(t *testing.T, ln net.Listener) *testIdP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{MockOIDC: m}
	if err := m.AddMiddleware(idp.middleware); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return idp
}

func (idp *testIdP) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		down := idp.down
		if r.URL.Path == "/oidc/.well-known/openid-configuration" || strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			idp.discoveries++
		}
		idp.mu.Unlock()
		if down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case mockoidc.DiscoveryEndpoint:
			idp.mu.Lock()
			advertise := idp.advertise
			idp.mu.Unlock()
			if advertise != nil {
				cw := &capturingWriter{ResponseWriter: w, status: http.StatusOK}
				next.ServeHTTP(cw, r)
				var doc map[string]any
				if err := json.Unmarshal(cw.body.Bytes(), &doc); err != nil {
					http.Error(w, "discovery document: "+err.Error(), http.StatusInternalServerError)
					return
				}
				doc["token_endpoint_auth_methods_supported"] = advertise
				cw.sendJSON(doc)
				return
			}
		case mockoidc.UserinfoEndpoint:
			idp.mu.Lock()
			idp.userinfos++
			idp.mu.Unlock()
		case mockoidc.TokenEndpoint:
			raw, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(raw))
			// How the client authenticated, as sent: "post" only with the
			// secret in the form body and no Basic header. mockoidc then
			// checks the form's client_id and client_secret.
			method := "none"
			if form.Get("client_secret") != "" {
				method = "post"
			}
			if id, secret, ok := r.BasicAuth(); ok {
				method = "basic"
				id, _ = url.QueryUnescape(id)
				secret, _ = url.QueryUnescape(secret)
				if form.Get("client_secret") != "" {
					method = "both"
				}
				form.Set("client_id", id)
				form.Set("client_secret", secret)
				r.Header.Del("Authorization")
			}
			idp.mu.Lock()
			idp.authMethods = append(idp.authMethods, method)
			idp.mu.Unlock()
			body := form.Encode()
			r.Body = io.NopCloser(strings.NewReader(body))
			r.ContentLength = int64(len(body))
			idp.mu.Lock()
			forge := idp.forgeSig
			idp.mu.Unlock()
			if forge {
				fw := &capturingWriter{ResponseWriter: w, status: http.StatusOK}
				next.ServeHTTP(fw, r)
				var tok map[string]any
				_ = json.Unmarshal(fw.body.Bytes(), &tok)
				if id, ok := tok["id_token"].(string); ok {
					parts := strings.Split(id, ".")
					sig := []byte(parts[2])
					// Still base64url, no longer the signature.
					if sig[len(sig)/2] == 'A' {
						sig[len(sig)/2] = 'B'
					} else {
						sig[len(sig)/2] = 'A'
					}
					parts[2] = string(sig)
					tok["id_token"] = strings.Join(parts, ".")
				}
				fw.sendJSON(tok)
				return
			}
		case mockoidc.AuthorizationEndpoint:
			idp.mu.Lock()
			idp.authorize = append(idp.authorize, r.URL.Query())
			swap := idp.nonceSwap
			idp.mu.Unlock()
			if swap != "" {
				q := r.URL.Query()
				q.Set("nonce", swap)
				r.URL.RawQuery = q.Encode()
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (idp *testIdP) lastAuthorize() url.Values {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.authorize[len(idp.authorize)-1]
}

func (idp *testIdP) methods() []string {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return append([]string(nil), idp.authMethods...)
}

// claimsUser lets a test change the ID token's claims.
type claimsUser struct {
	*mockoidc.MockUser
	tweak func(*mockoidc.IDTokenClaims)
}

func (u claimsUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.tweak != nil {
		u.tweak(c)
	}
	return u.MockUser.Claims(scope, c)
}

func oidcProvider(idp *testIdP, id string) authconfig.IdentityProvider {
	return authconfig.IdentityProvider{ID: id, Name: "Corp " + id, Protocol: authconfig.ProtocolOIDC, Weight: authconfig.DefaultWeight,
		EmailDomain: "corp.example", ServerURL: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
}

// ssoEnv is a server whose auth config has one OIDC IdP, "corp", on idp.
func ssoEnv(t *testing.T, idp *testIdP, o envOptions, edit func(*authconfig.Config)) *accountsEnv {
	t.Helper()
	cfg := &authconfig.Config{SSO: authconfig.SSO{Enabled: true, SelectionMode: authconfig.SelectByEmail}}
	if idp != nil {
		cfg.SSO.IdentityProviders = []authconfig.IdentityProvider{oidcProvider(idp, "corp")}
	}
	if edit != nil {
		edit(cfg)
	}
	o.auth = cfg
	env := newAccountsEnv(t, o)
	env.clock.Set(time.Now()) // the IdP signs with the real time
	return env
}

// ssoLogin walks a browser through the IdP and back; it returns the last
// redirect (the app page or the error page).
func ssoLogin(t *testing.T, b *browser, loginPath string, tamper func(callback *url.URL)) *url.URL {
	t.Helper()
	r := b.do("GET", loginPath, nil)
	if r.Status != http.StatusFound {
		t.Fatalf("login: status %d, body %s", r.Status, r.Body)
	}
	to, _ := url.Parse(r.Header.Get("Location"))
	if !strings.HasPrefix(to.String(), "http://127.0.0.1") || strings.HasPrefix(to.String(), b.env.URL) {
		return to // an error page of ours
	}
	// The IdP "signs the user in" and sends the browser back.
	res, err := b.client.Get(to.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("IdP answered %d", res.StatusCode)
	}
	cb, _ := url.Parse(res.Header.Get("Location"))
	if tamper != nil {
		tamper(cb)
	}
	r = b.do("GET", cb.String(), nil)
	if r.Status != http.StatusFound {
		t.Fatalf("callback: status %d, body %s", r.Status, r.Body)
	}
	final, _ := url.Parse(r.Header.Get("Location"))
	return final
}

func wantError(t *testing.T, u *url.URL, reason string) {
	t.Helper()
	if u.Path != "/auth/error" || u.Query().Get("reason") != reason {
		t.Fatalf("redirected to %s, want the error page with reason %s", u, reason)
	}
}

func wantSignedIn(t *testing.T, b *browser, u *url.URL, path string) map[string]any {
	t.Helper()
	if u.Path != path || u.Host != strings.TrimPrefix(b.env.URL, "http://") {
		t.Fatalf("redirected to %s, want %s on the app", u, path)
	}
	r := b.do("GET", "/api/users/self", nil)
	expect(t, r, 200)
	var me map[string]any
	if err := json.Unmarshal(r.Body, &me); err != nil {
		t.Fatal(err)
	}
	return me
}

func newSSOBrowser(env *accountsEnv) *browser {
	b := env.browser()
	b.do("GET", "/api/server/about", nil)
	return b
}

func identityCount(t *testing.T, env *accountsEnv, provider string) int64 {
	t.Helper()
	var n int64
	if err := env.db.Model(&models.UserIdentity{}).Where("provider = ?", provider).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSSOOIDCFirstLoginPKCEAndTokenAuth(t *testing.T) {
	tests := []struct {
		name       string
		pkce       bool
		method     string   // token_auth_method in the config
		advertised []string // token_endpoint_auth_methods_supported; nil: mockoidc's (basic, post)
		wantMethod string   // as the IdP saw the token request
	}{
		{"pkce on, discovery picks basic", true, "", nil, "basic"},
		// Basic is also the fallback: only an IdP listing post alone shows
		// that the unset method follows the discovery document.
		{"pkce on, discovery lists only post", true, "", []string{"client_secret_post"}, "post"},
		{"pkce off, client_secret_post", false, authconfig.TokenAuthPost, nil, "post"},
		{"pkce off, client_secret_basic", false, authconfig.TokenAuthBasic, nil, "basic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idp := startIdP(t)
			// Before the server starts: it fetches the document at once.
			idp.mu.Lock()
			idp.advertise = tc.advertised
			idp.mu.Unlock()
			env := ssoEnv(t, idp, envOptions{}, func(c *authconfig.Config) {
				c.SSO.EnablePKCE = tc.pkce
				c.SSO.IdentityProviders[0].TokenAuthMethod = tc.method
			})
			name, email := uniqueName("sso")
			idp.QueueUser(&mockoidc.MockUser{Subject: "sub-" + name, Email: email, EmailVerified: true, PreferredUsername: name})
			b := newSSOBrowser(env)
			final := ssoLogin(t, b, "/api/auth/oidc/corp/login/?next=/projects%3Fpage%3D2", nil)
			me := wantSignedIn(t, b, final, "/projects")
			if final.RawQuery != "page=2" {
				t.Fatalf("next query lost: %s", final)
			}
			if me["username"] != name || me["email"] != email || me["email_verified"] != true || me["has_usable_password"] != false {
				t.Fatalf("self = %v", me)
			}
			q := idp.lastAuthorize()
			if tc.pkce != (q.Get("code_challenge") != "") || (tc.pkce && q.Get("code_challenge_method") != "S256") {
				t.Fatalf("authorize query = %v, pkce %v", q, tc.pkce)
			}
			if q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") != env.URL+"/api/auth/oidc/corp/login/callback/" {
				t.Fatalf("authorize query = %v", q)
			}
			if m := idp.methods(); len(m) != 1 || m[0] != tc.wantMethod {
				t.Fatalf("token requests authenticated with %v, want %s", m, tc.wantMethod)
			}
			// The session works for unsafe requests too (CSRF cookie set).
			expect(t, b.do("POST", "/api/auth/logout", nil), 200)
			// Signing in again uses the link, not a new account.
			idp.QueueUser(&mockoidc.MockUser{Subject: "sub-" + name, Email: email, EmailVerified: true, PreferredUsername: name})
			again := ssoLogin(t, newSSOBrowser(env), "/api/auth/oidc/corp/login/", nil)
			if again.Path != "/" {
				t.Fatalf("second sign-in went to %s", again)
			}
			var users int64
			env.db.Model(&models.User{}).Where("email_lower = ?", strings.ToLower(email)).Count(&users)
			if users != 1 || identityCount(t, env, "oidc:corp") != 1 {
				t.Fatalf("users %d identities %d after two sign-ins", users, identityCount(t, env, "oidc:corp"))
			}
		})
	}
}

// userinfoEmailUser signs ID tokens without email claims; only its userinfo
// answer tells the address and whether it is verified.
type userinfoEmailUser struct {
	subject, email string
	verified       bool
}

func (u userinfoEmailUser) ID() string { return u.subject }

func (u userinfoEmailUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.subject, "email": u.email, "email_verified": u.verified})
}

func (u userinfoEmailUser) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return c, nil // sub, iss, aud, times and nonce only
}

func TestSSOOIDCEmailFromUserinfo(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{}, nil)
	for _, tc := range []struct {
		name     string
		verified bool
	}{
		{"verified at the IdP", true},
		{"not verified at the IdP", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, email := uniqueName("info")
			idp.QueueUser(userinfoEmailUser{subject: "info-" + name, email: email, verified: tc.verified})
			idp.mu.Lock()
			before := idp.userinfos
			idp.mu.Unlock()
			b := newSSOBrowser(env)
			me := wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")
			if me["email"] != email || me["email_verified"] != tc.verified {
				t.Fatalf("self = %v, want email %s verified %v from userinfo", me, email, tc.verified)
			}
			idp.mu.Lock()
			asked := idp.userinfos - before
			idp.mu.Unlock()
			if asked != 1 {
				t.Fatalf("userinfo asked %d times, want once", asked)
			}
			var u models.User
			if err := env.db.Where("email_lower = ?", strings.ToLower(email)).First(&u).Error; err != nil || u.EmailVerified != tc.verified {
				t.Fatalf("stored user %+v (%v), want email_verified %v", u, err, tc.verified)
			}
		})
	}
}

func TestSSOOIDCRefusesBadResponses(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{}, func(c *authconfig.Config) { c.SSO.EnablePKCE = true })
	user := func(tweak func(*mockoidc.IDTokenClaims)) mockoidc.User {
		name, email := uniqueName("bad")
		return claimsUser{MockUser: &mockoidc.MockUser{Subject: name, Email: email, EmailVerified: true}, tweak: tweak}
	}
	tests := []struct {
		name   string
		user   mockoidc.User
		setup  func()
		tamper func(*url.URL)
		reason string
	}{
		{"tampered state", user(nil), nil, func(u *url.URL) {
			q := u.Query()
			q.Set("state", q.Get("state")+"x")
			u.RawQuery = q.Encode()
		}, reasonBadState},
		{"missing state", user(nil), nil, func(u *url.URL) {
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
		}, reasonBadState},
		{"wrong nonce", user(nil), func() { idp.nonceSwap = "not-the-clients-nonce" }, nil, reasonBadSignature},
		{"wrong audience", user(func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"another-client"} }), nil, nil, reasonBadSignature},
		{"expired ID token", user(func(c *mockoidc.IDTokenClaims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
			c.NotBefore = c.IssuedAt
		}), nil, nil, reasonBadSignature},
		{"wrong issuer", user(func(c *mockoidc.IDTokenClaims) { c.Issuer = "https://evil.example/oidc" }), nil, nil, reasonBadSignature},
		{"forged signature", user(nil), func() { idp.forgeSig = true }, nil, reasonBadSignature},
		{"IdP refused", user(nil), nil, func(u *url.URL) {
			q := u.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			u.RawQuery = q.Encode()
		}, reasonAccessDenied},
		{"no email", claimsUser{MockUser: &mockoidc.MockUser{Subject: "no-mail"}}, nil, nil, reasonNoEmail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idp.mu.Lock()
			idp.nonceSwap, idp.forgeSig = "", false
			idp.mu.Unlock()
			if tc.setup != nil {
				idp.mu.Lock()
				tc.setup()
				idp.mu.Unlock()
			}
			idp.QueueUser(tc.user)
			b := newSSOBrowser(env)
			final := ssoLogin(t, b, "/api/auth/oidc/corp/login/", tc.tamper)
			wantError(t, final, tc.reason)
			if final.Query().Get("idp") != "Corp corp" {
				t.Fatalf("error page does not name the IdP: %s", final)
			}
			expect(t, b.do("GET", "/api/users/self", nil), 401)
		})
	}
	idp.mu.Lock()
	idp.nonceSwap, idp.forgeSig = "", false
	idp.mu.Unlock()

	t.Run("replayed callback", func(t *testing.T) {
		name, email := uniqueName("replay")
		idp.QueueUser(&mockoidc.MockUser{Subject: name, Email: email, EmailVerified: true})
		b := newSSOBrowser(env)
		var cb string
		final := ssoLogin(t, b, "/api/auth/oidc/corp/login/", func(u *url.URL) { cb = u.String() })
		wantSignedIn(t, b, final, "/")
		wantError(t, mustLocation(t, b.do("GET", cb, nil)), reasonBadState)
	})
	t.Run("callback in another browser", func(t *testing.T) {
		name, email := uniqueName("csrf")
		idp.QueueUser(&mockoidc.MockUser{Subject: name, Email: email, EmailVerified: true})
		attacker := newSSOBrowser(env)
		var cb string
		ssoLogin(t, attacker, "/api/auth/oidc/corp/login/", func(u *url.URL) { cb = u.String(); u.RawQuery = "" })
		victim := newSSOBrowser(env)
		wantError(t, mustLocation(t, victim.do("GET", cb, nil)), reasonBadState)
	})
	t.Run("expired flow", func(t *testing.T) {
		name, email := uniqueName("slow")
		idp.QueueUser(&mockoidc.MockUser{Subject: name, Email: email, EmailVerified: true})
		b := newSSOBrowser(env)
		final := ssoLogin(t, b, "/api/auth/oidc/corp/login/", func(*url.URL) { env.clock.Advance(11 * time.Minute) })
		env.clock.Set(time.Now())
		wantError(t, final, reasonBadState)
	})
	t.Run("unknown IdP", func(t *testing.T) {
		wantError(t, mustLocation(t, newSSOBrowser(env).do("GET", "/api/auth/oidc/nope/login/", nil)), reasonUnknownIdP)
	})
	t.Run("open redirect refused", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			name, email := uniqueName("next")
			idp.QueueUser(&mockoidc.MockUser{Subject: name, Email: email, EmailVerified: true})
			b := newSSOBrowser(env)
			final := ssoLogin(t, b, "/api/auth/oidc/corp/login/?next="+url.QueryEscape(next), nil)
			wantSignedIn(t, b, final, "/")
		}
	})
}

func mustLocation(t *testing.T, r response) *url.URL {
	t.Helper()
	if r.Status != http.StatusFound {
		t.Fatalf("status %d, want a redirect; body %s", r.Status, r.Body)
	}
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSSOLinkingExistingAccounts(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{}, nil)

	t.Run("unverified email is not linked", func(t *testing.T) {
		_, name, email := env.registerUser("owner")
		idp.QueueUser(&mockoidc.MockUser{Subject: "unverified-" + name, Email: email, EmailVerified: false})
		b := newSSOBrowser(env)
		wantError(t, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), reasonEmailNotVerified)
		expect(t, b.do("GET", "/api/users/self", nil), 401)
		var failed int64
		env.db.Model(&models.AuditEvent{}).Where("event = ? AND detail LIKE ?", AuditLoginFailed, "%email_not_verified%").Count(&failed)
		if failed == 0 {
			t.Fatal("no audit event for the refused sign-in")
		}
		var n int64
		env.db.Model(&models.UserIdentity{}).Where("subject = ?", "unverified-"+name).Count(&n)
		if n != 0 {
			t.Fatal("identity linked although the IdP did not verify the address")
		}
	})
	t.Run("verified email links", func(t *testing.T) {
		_, name, email := env.registerUser("linked")
		idp.QueueUser(&mockoidc.MockUser{Subject: "verified-" + name, Email: strings.ToUpper(email), EmailVerified: true})
		b := newSSOBrowser(env)
		me := wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")
		if me["username"] != name || me["has_usable_password"] != true {
			t.Fatalf("signed in as %v, want the existing %s", me, name)
		}
		r := b.do("GET", "/api/auth/identities", nil)
		expect(t, r, 200, `"count":1`, `"provider":"oidc:corp"`, `"provider_name":"Corp corp"`, `"subject":"verified-`+name+`"`)
		var ev models.AuditEvent
		if err := env.db.Where("event = ? AND detail LIKE ?", AuditSSOLogin, "%verified-"+name+"%").First(&ev).Error; err != nil || !strings.Contains(ev.Detail, `"outcome":"linked"`) {
			t.Fatalf("audit event %+v (%v)", ev, err)
		}
	})
	t.Run("first login makes a unique username", func(t *testing.T) {
		_, taken, _ := env.registerUser("dup")
		_, email := uniqueName("fresh")
		idp.QueueUser(&mockoidc.MockUser{Subject: "fresh-" + taken, Email: email, EmailVerified: false, PreferredUsername: taken})
		b := newSSOBrowser(env)
		me := wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")
		if me["username"] != taken+"2" || me["email_verified"] != false || me["has_usable_password"] != false {
			t.Fatalf("new account = %v, want username %s2", me, taken)
		}
		// A short, odd suggestion becomes a valid name.
		_, email2 := uniqueName("odd")
		idp.QueueUser(&mockoidc.MockUser{Subject: "odd-" + email2, Email: email2, EmailVerified: true, PreferredUsername: "j d!"})
		b2 := newSSOBrowser(env)
		me2 := wantSignedIn(t, b2, ssoLogin(t, b2, "/api/auth/oidc/corp/login/", nil), "/")
		if u := me2["username"]; u != strings.TrimSuffix(email2, "@example.com") {
			t.Fatalf("username %q from %q and %s, want the email's local part", u, "j d!", email2)
		}
		// No usable suggestion and a short local part: the whole address.
		idp.QueueUser(&mockoidc.MockUser{Subject: "short-" + email2, Email: "ab@" + strings.TrimSuffix(email2, "@example.com") + ".example", EmailVerified: true})
		b3 := newSSOBrowser(env)
		me3 := wantSignedIn(t, b3, ssoLogin(t, b3, "/api/auth/oidc/corp/login/", nil), "/")
		if u, _ := me3["username"].(string); !strings.HasPrefix(u, "ab@") {
			t.Fatalf("username %q, want the whole address", u)
		}
	})
	t.Run("deactivated account", func(t *testing.T) {
		_, name, email := env.registerUser("gone")
		env.db.Model(&models.User{}).Where("username_lower = ?", strings.ToLower(name)).Update("is_active", false)
		idp.QueueUser(&mockoidc.MockUser{Subject: "gone-" + name, Email: email, EmailVerified: true})
		wantError(t, ssoLogin(t, newSSOBrowser(env), "/api/auth/oidc/corp/login/", nil), reasonAccountInactive)
	})
}

func TestSSORegistrationClosedAndMandatoryVerification(t *testing.T) {
	idp := startIdP(t)
	closed := ssoEnv(t, idp, envOptions{noSignUp: true}, nil)
	_, email := uniqueName("closed")
	idp.QueueUser(&mockoidc.MockUser{Subject: "closed-" + email, Email: email, EmailVerified: true})
	wantError(t, ssoLogin(t, newSSOBrowser(closed), "/api/auth/oidc/corp/login/", nil), reasonRegistrationOff)

	strict := ssoEnv(t, idp, envOptions{verification: VerifyMandatory}, nil)
	_, email = uniqueName("strict")
	idp.QueueUser(&mockoidc.MockUser{Subject: "strict-" + email, Email: email, EmailVerified: false})
	wantError(t, ssoLogin(t, newSSOBrowser(strict), "/api/auth/oidc/corp/login/", nil), reasonEmailNotVerified)
	var msgs int64
	strict.db.Model(&models.MailMessage{}).Where("to_addr = ?", email).Count(&msgs)
	if msgs != 1 {
		t.Fatalf("%d confirmation mails, want 1", msgs)
	}
	// Signing in again through the link still waits for the confirmation...
	idp.QueueUser(&mockoidc.MockUser{Subject: "strict-" + email, Email: email, EmailVerified: false})
	b := newSSOBrowser(strict)
	wantError(t, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), reasonEmailNotVerified)
	expect(t, b.do("GET", "/api/users/self", nil), 401)
	// ...until the IdP vouches for the address.
	idp.QueueUser(&mockoidc.MockUser{Subject: "strict-" + email, Email: email, EmailVerified: true})
	me := wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")
	if me["email_verified"] != true {
		t.Fatalf("self = %v", me)
	}
}

func TestSSOInvitationAcceptedThroughSSO(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{noSignUp: true}, nil)
	owner, _, _ := registerWithDB(t, env)
	slug := "ssoorg" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	expect(t, owner.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "SSO Org"}), 201)
	_, email := uniqueName("invitee")
	expect(t, inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": "worker"}), 201)
	var msg models.MailMessage
	if err := env.db.Where("to_addr = ?", email).Order("id DESC").First(&msg).Error; err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`invitation=([A-Za-z0-9_-]+)`).FindStringSubmatch(msg.BodyText)
	if m == nil {
		t.Fatalf("no invitation secret in %q", msg.BodyText)
	}
	// The invitee follows the link, picks SSO on the sign-up page, and
	// comes back a member (registration is closed: the invitation opens it).
	idp.QueueUser(&mockoidc.MockUser{Subject: "invitee-" + email, Email: email, EmailVerified: true})
	b := newSSOBrowser(env)
	r := b.do("POST", "/api/auth/sso/select", map[string]any{"email": email, "next": "/invitations", "invitation": m[1]})
	expect(t, r, 404) // example.com is not the IdP's domain
	final := ssoLogin(t, b, "/api/auth/oidc/corp/login/?next=%2Forganizations&invitation="+m[1], nil)
	wantSignedIn(t, b, final, "/organizations")
	r = b.do("GET", "/api/organizations", nil)
	expect(t, r, 200, `"slug":"`+slug+`"`)
	var inv models.Invitation
	env.db.Where("email_lower = ?", strings.ToLower(email)).First(&inv)
	if inv.AcceptedAt == nil {
		t.Fatal("invitation not accepted")
	}
}

// registerWithDB registers a signed-in user and returns it with its name.
func registerWithDB(t *testing.T, env *accountsEnv) (*browser, string, string) {
	t.Helper()
	name, email := uniqueName("owner")
	b := newSSOBrowser(env)
	// Registration may be closed: make the account directly.
	hash, err := env.srv.hasher.Hash(t.Context(), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := env.clock.Now()
	u := &models.User{Username: name, Email: email, PasswordHash: hash, IsActive: true, EmailVerified: true, DateJoined: now, PasswordChangedAt: now, UpdatedAt: now}
	if err := env.db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	expect(t, b.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
	return b, name, email
}

func TestSSOSelect(t *testing.T) {
	idp := startIdP(t)
	two := func(mode string) func(*authconfig.Config) {
		return func(c *authconfig.Config) {
			c.SSO.SelectionMode = mode
			second := oidcProvider(idp, "other")
			second.EmailDomain, second.Weight = "other.example", 3
			c.SSO.IdentityProviders = append(c.SSO.IdentityProviders, second)
		}
	}
	byEmail := ssoEnv(t, idp, envOptions{}, two(authconfig.SelectByEmail))
	byWeight := ssoEnv(t, idp, envOptions{}, two(authconfig.SelectByWeight))
	off := ssoEnv(t, nil, envOptions{}, func(c *authconfig.Config) { c.SSO.Enabled = false })
	tests := []struct {
		name   string
		env    *accountsEnv
		body   map[string]any
		status int
		want   []string
	}{
		{"domain match", byEmail, map[string]any{"email": "Ann@Corp.Example"}, 200, []string{`"id":"corp"`, `"protocol":"oidc"`, `/api/auth/oidc/corp/login/"`}},
		{"other domain", byEmail, map[string]any{"email": "bob@other.example", "next": "/jobs"}, 200, []string{`"id":"other"`, `/api/auth/oidc/other/login/?next=%2Fjobs"`}},
		{"no domain match", byEmail, map[string]any{"email": "eve@elsewhere.example"}, 404, []string{`"detail"`}},
		{"bad email", byEmail, map[string]any{"email": "nope"}, 400, []string{`"email"`}},
		{"lowest weight", byWeight, map[string]any{"email": "ann@corp.example"}, 200, []string{`"id":"other"`}},
		{"lowest weight without email", byWeight, map[string]any{}, 200, []string{`"id":"other"`}},
		{"lowest weight, domain only, match", byWeight, map[string]any{"email": "ann@corp.example", "domain_only": true}, 200, []string{`"id":"corp"`}},
		{"lowest weight, domain only, no match", byWeight, map[string]any{"email": "ann@home.example", "domain_only": true}, 404, []string{`"detail"`}},
		{"sso off", off, map[string]any{"email": "ann@corp.example"}, 404, []string{`"detail"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newSSOBrowser(tc.env).do("POST", "/api/auth/sso/select", tc.body)
			expect(t, r, tc.status, tc.want...)
		})
	}
	t.Run("auth-methods", func(t *testing.T) {
		r := newSSOBrowser(byWeight).do("GET", "/api/server/auth-methods", nil)
		expect(t, r, 200, `"sso":{"enabled":true,"selection_mode":"lowest_weight","identity_providers":[{"id":"corp","name":"Corp corp","protocol":"oidc","login_url":"`+byWeight.URL+`/api/auth/oidc/corp/login/"}`, `"social":[]`)
		r = newSSOBrowser(off).do("GET", "/api/server/auth-methods", nil)
		expect(t, r, 200, `"sso":{"enabled":false`, `"identity_providers":[]`)
	})
}

func TestSSOIdentitiesUnlink(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{}, func(c *authconfig.Config) {
		c.SSO.IdentityProviders = append(c.SSO.IdentityProviders, oidcProvider(idp, "second"))
	})
	_, email := uniqueName("unlink")
	idp.QueueUser(&mockoidc.MockUser{Subject: "one-" + email, Email: email, EmailVerified: true})
	b := newSSOBrowser(env)
	wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")
	idp.QueueUser(&mockoidc.MockUser{Subject: "two-" + email, Email: email, EmailVerified: true})
	wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/second/login/", nil), "/")

	var page struct {
		Count   int `json:"count"`
		Results []struct {
			ID       uint64 `json:"id"`
			Provider string `json:"provider"`
		} `json:"results"`
	}
	r := b.do("GET", "/api/auth/identities", nil)
	expect(t, r, 200)
	if err := json.Unmarshal(r.Body, &page); err != nil || page.Count != 2 {
		t.Fatalf("identities = %s", r.Body)
	}
	first, second := page.Results[0].ID, page.Results[1].ID
	// Another user cannot see or remove them.
	other, _, _ := env.registerUser("other")
	expect(t, other.do("GET", "/api/auth/identities", nil), 200, `"count":0`)
	expect(t, other.do("DELETE", "/api/auth/identities/"+itoa(first), nil), 404)

	expect(t, b.do("DELETE", "/api/auth/identities/"+itoa(first), nil), 204)
	r = b.do("DELETE", "/api/auth/identities/"+itoa(second), nil)
	expect(t, r, 400, `"detail"`, "last way to sign in")
	expect(t, b.do("GET", "/api/auth/identities", nil), 200, `"count":1`, `"provider":"oidc:second"`)
	expect(t, newSSOBrowser(env).do("GET", "/api/auth/identities", nil), 401)

	// With a password, the last identity may go.
	_, name, pwEmail := env.registerUser("haspw")
	idp.QueueUser(&mockoidc.MockUser{Subject: "pw-" + name, Email: pwEmail, EmailVerified: true})
	b2 := newSSOBrowser(env)
	wantSignedIn(t, b2, ssoLogin(t, b2, "/api/auth/oidc/corp/login/", nil), "/")
	r = b2.do("GET", "/api/auth/identities", nil)
	_ = json.Unmarshal(r.Body, &page)
	expect(t, b2.do("DELETE", "/api/auth/identities/"+itoa(page.Results[0].ID), nil), 204)
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestSSOIdPDownAtStartAndLater(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/oidc"
	ln.Close() // nothing listens there
	idp := startIdP(t)
	idp.setDown(true)
	env := ssoEnv(t, idp, envOptions{}, func(c *authconfig.Config) {
		c.SSO.IdentityProviders = append(c.SSO.IdentityProviders, authconfig.IdentityProvider{ID: "dead", Name: "Dead", Protocol: authconfig.ProtocolOIDC,
			Weight: 10, ServerURL: dead, ClientID: "x", ClientSecret: "y"})
	})
	b := newSSOBrowser(env)
	wantError(t, mustLocation(t, b.do("GET", "/api/auth/oidc/dead/login/", nil)), reasonIdPUnavailable)
	wantError(t, mustLocation(t, b.do("GET", "/api/auth/oidc/corp/login/", nil)), reasonIdPUnavailable)
	expect(t, b.do("GET", "/healthz", nil), 200)
	expect(t, b.do("GET", "/api/server/auth-methods", nil), 200, `"enabled":true`)
	// The failure is remembered for a while: more sign-ins fail at once
	// without asking the IdP again (none waits for the time-out).
	asked := idp.discoveryCount()
	wantError(t, mustLocation(t, b.do("GET", "/api/auth/oidc/corp/login/", nil)), reasonIdPUnavailable)
	if got := idp.discoveryCount(); got != asked {
		t.Fatalf("discovery asked again within the retry time: %d requests, then %d", asked, got)
	}

	// The IdP comes back: the first sign-in after the retry time discovers it.
	idp.setDown(false)
	env.clock.Advance(discoveryRetry)
	_, email := uniqueName("late")
	idp.QueueUser(&mockoidc.MockUser{Subject: "late-" + email, Email: email, EmailVerified: true})
	wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/", nil), "/")

	// Down again between the redirect and the callback: the token exchange fails.
	b2 := newSSOBrowser(env)
	idp.QueueUser(&mockoidc.MockUser{Subject: "late2-" + email, Email: email, EmailVerified: true})
	wantError(t, ssoLogin(t, b2, "/api/auth/oidc/corp/login/", func(*url.URL) { idp.setDown(true) }), reasonIdPUnavailable)
}

// TestSSOInvitationRespectsSeats: joining through SSO is joining too: when
// the organization's seats are taken the sign-in works but the invitation
// stays pending.
func TestSSOInvitationRespectsSeats(t *testing.T) {
	idp := startIdP(t)
	env := ssoEnv(t, idp, envOptions{plans: models.DefaultCatalog()}, nil)
	owner, _, _ := registerWithDB(t, env)
	slug := "ssoseat" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	r := owner.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "SSO Seats"})
	expect(t, r, 201)
	var org struct{ ID uint64 }
	decodeInto(t, r, &org)
	sub := subscribe(t, env.db, "team", 3, nil, &org.ID, env.clock.Now())
	var emails []string
	for range 2 {
		_, email := uniqueName("seatsso")
		emails = append(emails, email)
		expect(t, inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": "worker"}), 201)
	}
	// The owner then drops a seat: two seats, the owner's and one more.
	if err := env.db.Model(sub).Update("quantity", 2).Error; err != nil {
		t.Fatal(err)
	}
	join := func(email string) {
		idp.QueueUser(&mockoidc.MockUser{Subject: "seat-" + email, Email: email, EmailVerified: true})
		b := newSSOBrowser(env)
		secret := mailedInvitationSecret(t, env.db, email)
		wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/oidc/corp/login/?next=%2Finvitations&invitation="+secret, nil), "/invitations")
	}
	accepted := func(email string) bool {
		var inv models.Invitation
		if err := env.db.Where("email_lower = ?", strings.ToLower(email)).First(&inv).Error; err != nil {
			t.Fatal(err)
		}
		return inv.AcceptedAt != nil
	}
	join(emails[0]) // the owner and this member fill both seats
	if !accepted(emails[0]) {
		t.Fatal("first invitation not accepted")
	}
	join(emails[1])
	if accepted(emails[1]) {
		t.Fatal("second invitation accepted beyond the seats")
	}
	var members int64
	if err := env.db.Model(&models.Membership{}).Where("organization_id = ?", org.ID).Count(&members).Error; err != nil {
		t.Fatal(err)
	}
	if members != 2 {
		t.Fatalf("%d members, want 2", members)
	}
}
