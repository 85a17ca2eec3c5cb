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
	return socialEnvWith(t, stub, envOptions{})
}

// socialEnvWith is socialEnv with more server options (o.auth is set here).
func socialEnvWith(t *testing.T, stub *oauthStub, o envOptions) *accountsEnv {
	t.Helper()
	app := &authconfig.OAuthApp{ClientID: "stub-client", ClientSecret: "stub-secret"}
	o.auth = &authconfig.Config{SocialAccount: authconfig.SocialAccount{
		Enabled: true, GitHub: app, Google: app,
		AmazonCognito: &authconfig.CognitoApp{ClientID: "stub-client", ClientSecret: "stub-secret", Domain: stub.URL},
	}}
	env := newAccountsEnv(t, o)
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
	t.Run("callback without a code", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			query  url.Values // replaces the code GitHub sent
			reason string
		}{
			// What GitHub sends when the person clicks Cancel on its consent page.
			{"denied consent", url.Values{"error": {"access_denied"}, "error_description": {"The user has denied your application access."}}, reasonAccessDenied},
			{"neither code nor error", url.Values{}, reasonInvalidResponse},
		} {
			t.Run(tc.name, func(t *testing.T) {
				stub.set(map[string]any{"id": 4545, "login": "refuser"}, []map[string]any{{"email": "refuser@example.com", "primary": true, "verified": true}})
				b := newSSOBrowser(env)
				final := ssoLogin(t, b, "/api/auth/social/github/login/", func(u *url.URL) {
					q := u.Query()
					q.Del("code")
					for k, v := range tc.query {
						q[k] = v
					}
					u.RawQuery = q.Encode()
				})
				wantError(t, final, tc.reason)
				if final.Query().Get("idp") != "GitHub" {
					t.Fatalf("error page does not name the provider: %s", final)
				}
				expect(t, b.do("GET", "/api/users/self", nil), 401)
				var n int64
				env.db.Model(&models.UserIdentity{}).Where("provider = ? AND subject = ?", "social:github", "4545").Count(&n)
				if n != 0 {
					t.Fatalf("%d identities made by a sign-in without a code", n)
				}
			})
		}
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

// inviteToNewOrg makes an organization owned by a new user and invites email
// to it as a worker. It returns the organization's id and the secret of the
// sign-up link mailed to email.
func inviteToNewOrg(t *testing.T, env *accountsEnv, email string) (uint64, string) {
	t.Helper()
	owner, _, _ := registerWithDB(t, env)
	slug, _ := uniqueName("invorg")
	r := owner.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "Invited Org"})
	expect(t, r, 201)
	var org struct{ ID uint64 }
	decodeInto(t, r, &org)
	expect(t, inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": "worker"}), 201)
	return org.ID, mailedInvitationSecret(t, env.db, email)
}

// wantInvitationAccepted fails unless the invitation of email to orgID is
// accepted by the account with that address, which is an active member
// with the invited role.
func wantInvitationAccepted(t *testing.T, env *accountsEnv, email string, orgID uint64, role string) {
	t.Helper()
	var u models.User
	if err := env.db.Where("email_lower = ?", strings.ToLower(email)).First(&u).Error; err != nil {
		t.Fatalf("no account for %s: %v", email, err)
	}
	var inv models.Invitation
	if err := env.db.Where("email_lower = ? AND organization_id = ?", strings.ToLower(email), orgID).First(&inv).Error; err != nil {
		t.Fatal(err)
	}
	if inv.AcceptedAt == nil || inv.InviteeID == nil || *inv.InviteeID != u.ID {
		t.Fatalf("invitation %+v not accepted by user %d", inv, u.ID)
	}
	var m models.Membership
	if err := env.db.Where("organization_id = ? AND user_id = ?", orgID, u.ID).First(&m).Error; err != nil {
		t.Fatalf("user %d is no member of organization %d: %v", u.ID, orgID, err)
	}
	if !m.IsActive || m.Role != role {
		t.Fatalf("membership %+v, want an active %s", m, role)
	}
}

// TestSocialInvitationAccepted: the invitation link's secret survives the
// GitHub round trip; it opens registration (closed here) and the new
// account joins the organization.
func TestSocialInvitationAccepted(t *testing.T) {
	stub := startOAuthStub(t)
	env := socialEnvWith(t, stub, envOptions{noSignUp: true})
	name, email := uniqueName("ghinv")
	orgID, secret := inviteToNewOrg(t, env, email)

	// Without the invitation, registration stays closed.
	stub.set(map[string]any{"id": 5151, "login": name}, []map[string]any{{"email": email, "primary": true, "verified": true}})
	wantError(t, ssoLogin(t, newSSOBrowser(env), "/api/auth/social/github/login/", nil), reasonRegistrationOff)

	b := newSSOBrowser(env)
	final := ssoLogin(t, b, "/api/auth/social/github/login/?next=%2Forganizations&invitation="+secret, nil)
	me := wantSignedIn(t, b, final, "/organizations")
	if me["email"] != email || me["username"] != name {
		t.Fatalf("self = %v", me)
	}
	wantInvitationAccepted(t, env, email, orgID, "worker")
	var ev models.AuditEvent
	if err := env.db.Where("event = ? AND detail LIKE ?", AuditInvitationAccepted, `%"via":"social:github"%`).First(&ev).Error; err != nil {
		t.Fatalf("no invitation.accepted audit event via social:github: %v", err)
	}
}
