package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/models"
)

// oauthStub is a local OAuth2 provider serving GitHub's, Google's and
// Amazon Cognito's endpoints (as goth calls them) for one user at a time.
type oauthStub struct {
	*httptest.Server
	mu      sync.Mutex
	profile map[string]any   // /user, /oauth2/v2/userinfo, /oauth2/userInfo
	emails  []map[string]any // GitHub's /user/emails
	codes   map[string]bool
}

const stubToken = "stub-access-token"

func startOAuthStub(t *testing.T) *oauthStub {
	t.Helper()
	s := &oauthStub{codes: map[string]bool{}}
	mux := http.NewServeMux()
	authorize := func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || q.Get("client_id") != "stub-client" || q.Get("state") == "" {
			http.Error(w, "bad authorize request", http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")[:8]
		s.mu.Lock()
		s.codes[code] = true
		s.mu.Unlock()
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	}
	token := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		s.mu.Lock()
		valid := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code"))
		s.mu.Unlock()
		if id != "stub-client" || secret != "stub-secret" || !valid {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"` + stubToken + `","token_type":"bearer","expires_in":3600}`))
	}
	authed := func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer "+stubToken || r.URL.Query().Get("access_token") == stubToken
	}
	send := func(w http.ResponseWriter, r *http.Request, v any) {
		if !authed(r) {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/login/oauth/authorize", authorize)
	mux.HandleFunc("/login/oauth/access_token", token)
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) { send(w, r, s.profile) })
	mux.HandleFunc("/user/emails", func(w http.ResponseWriter, r *http.Request) { send(w, r, s.emails) })
	mux.HandleFunc("/oauth2/authorize", authorize)
	mux.HandleFunc("/oauth2/token", token)
	mux.HandleFunc("/oauth2/userInfo", func(w http.ResponseWriter, r *http.Request) { send(w, r, s.profile) })
	mux.HandleFunc("/token", token)
	mux.HandleFunc("/oauth2/v2/userinfo", func(w http.ResponseWriter, r *http.Request) { send(w, r, s.profile) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *oauthStub) set(profile map[string]any, emails []map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profile, s.emails = profile, emails
}

// googleToStub sends the calls goth makes to Google's fixed hosts to the
// stub (goth's Google provider takes no custom URLs).
type googleToStub struct{ stub *url.URL }

func (g googleToStub) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.URL.Host {
	case "oauth2.googleapis.com", "www.googleapis.com", "accounts.google.com":
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = g.stub.Scheme, g.stub.Host, g.stub.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

func socialEnv(t *testing.T, stub *oauthStub) *accountsEnv {
	t.Helper()
	app := &authconfig.OAuthApp{ClientID: "stub-client", ClientSecret: "stub-secret"}
	env := newAccountsEnv(t, envOptions{auth: &authconfig.Config{SocialAccount: authconfig.SocialAccount{
		Enabled: true, GitHub: app, Google: app,
		AmazonCognito: &authconfig.CognitoApp{ClientID: "stub-client", ClientSecret: "stub-secret", Domain: stub.URL},
	}}})
	env.srv.external.social = socialEndpoints{
		GitHubAuth: stub.URL + "/login/oauth/authorize", GitHubToken: stub.URL + "/login/oauth/access_token",
		GitHubProfile: stub.URL + "/user", GitHubEmails: stub.URL + "/user/emails",
	}
	stubURL, _ := url.Parse(stub.URL)
	env.srv.external.httpClient = &http.Client{Transport: googleToStub{stub: stubURL}}
	return env
}

func TestSocialGitHubUsesPrimaryVerifiedEmail(t *testing.T) {
	stub := startOAuthStub(t)
	env := socialEnv(t, stub)
	name, primary := uniqueName("octo")
	stub.set(map[string]any{"id": 4242, "login": name, "name": "Octo Cat", "email": "public-" + primary},
		[]map[string]any{
			{"email": "public-" + primary, "primary": false, "verified": false},
			{"email": "old-" + primary, "primary": false, "verified": true},
			{"email": primary, "primary": true, "verified": true},
		})
	b := newSSOBrowser(env)
	final := ssoLogin(t, b, "/api/auth/social/github/login/?next=/tasks", nil)
	me := wantSignedIn(t, b, final, "/tasks")
	if me["email"] != primary || me["email_verified"] != true || me["username"] != name || me["first_name"] != "Octo" || me["last_name"] != "Cat" {
		t.Fatalf("self = %v", me)
	}
	expect(t, b.do("GET", "/api/auth/identities", nil), 200, `"provider":"social:github"`, `"provider_name":"GitHub"`, `"subject":"4242"`)

	t.Run("no verified primary email", func(t *testing.T) {
		stub.set(map[string]any{"id": 4343, "login": "nomail", "email": "x@example.com"},
			[]map[string]any{{"email": "x@example.com", "primary": true, "verified": false}})
		wantError(t, ssoLogin(t, newSSOBrowser(env), "/api/auth/social/github/login/", nil), reasonNoEmail)
	})
	t.Run("tampered state", func(t *testing.T) {
		stub.set(map[string]any{"id": 4444, "login": "tamper"}, []map[string]any{{"email": "t@example.com", "primary": true, "verified": true}})
		final := ssoLogin(t, newSSOBrowser(env), "/api/auth/social/github/login/", func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		})
		wantError(t, final, reasonBadState)
	})
	t.Run("bad code", func(t *testing.T) {
		final := ssoLogin(t, newSSOBrowser(env), "/api/auth/social/github/login/", func(u *url.URL) {
			q := u.Query()
			q.Set("code", "made-up")
			u.RawQuery = q.Encode()
		})
		wantError(t, final, reasonIdPUnavailable)
	})
	t.Run("auth-methods lists the providers", func(t *testing.T) {
		expect(t, newSSOBrowser(env).do("GET", "/api/server/auth-methods", nil), 200,
			`{"provider":"google","name":"Google","login_url":"`+env.URL+`/api/auth/social/google/login/"}`,
			`"provider":"github"`, `"provider":"amazon-cognito"`, `"sso":{"enabled":false`)
	})
	t.Run("unconfigured provider", func(t *testing.T) {
		wantError(t, mustLocation(t, newSSOBrowser(env).do("GET", "/api/auth/social/facebook/login/", nil)), reasonUnknownIdP)
	})
}

func TestSocialCognitoAndGoogle(t *testing.T) {
	stub := startOAuthStub(t)
	env := socialEnv(t, stub)

	t.Run("cognito", func(t *testing.T) {
		_, email := uniqueName("cog")
		stub.set(map[string]any{"sub": "cog-" + email, "email": email, "email_verified": "true", "preferred_username": "cognito-person",
			"given_name": "Cog", "family_name": "Nito"}, nil)
		b := newSSOBrowser(env)
		me := wantSignedIn(t, b, ssoLogin(t, b, "/api/auth/social/amazon-cognito/login/", nil), "/")
		if me["email"] != email || me["email_verified"] != true || !strings.HasPrefix(me["username"].(string), "cognito-person") || me["first_name"] != "Cog" {
			t.Fatalf("self = %v", me)
		}
	})
	t.Run("google", func(t *testing.T) {
		_, email := uniqueName("goo")
		stub.set(map[string]any{"id": "g-" + email, "email": email, "verified_email": true, "name": "Goo Gle", "given_name": "Goo", "family_name": "Gle"}, nil)
		b := newSSOBrowser(env)
		// The browser would go to accounts.google.com: act as Google there.
		to := mustLocation(t, b.do("GET", "/api/auth/social/google/login/", nil))
		if to.Host != "accounts.google.com" || to.Query().Get("client_id") != "stub-client" {
			t.Fatalf("login went to %s", to)
		}
		q := url.Values{"redirect_uri": {to.Query().Get("redirect_uri")}, "client_id": {"stub-client"}, "state": {to.Query().Get("state")}}
		res, err := b.client.Get(stub.URL + "/oauth2/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		final := mustLocation(t, b.do("GET", res.Header.Get("Location"), nil))
		me := wantSignedIn(t, b, final, "/")
		if me["email"] != email || me["email_verified"] != true || me["last_name"] != "Gle" {
			t.Fatalf("self = %v", me)
		}
		var n int64
		env.db.Model(&models.UserIdentity{}).Where("provider = ? AND subject = ?", "social:google", "g-"+email).Count(&n)
		if n != 1 {
			t.Fatalf("%d google identities", n)
		}
	})
}
