package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/auth/saml/samltest"
)

// TestSAMLResponseBoundToTheBrowser: on an https site the ACS accepts a
// response only in the browser that started the sign-in (the RelayState in
// a SameSite=None cookie), so a response obtained by an attacker cannot sign
// a victim in as the attacker (login CSRF).
func TestSAMLResponseBoundToTheBrowser(t *testing.T) {
	e := newSAMLEnvScheme(t, corpYAML, "https")
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: corpUser})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := func() (form url.Values, action string, cookie *http.Cookie) {
		t.Helper()
		res, err := noRedirect.Get(e.URL + "/api/auth/saml/corp-saml/login/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("login: status %d", res.StatusCode)
		}
		for _, c := range res.Cookies() {
			if c.Name == samlBindCookie {
				cookie = c
			}
		}
		if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteNoneMode {
			t.Fatalf("binding cookie %+v: want Secure, HttpOnly, SameSite=None", cookie)
		}
		f, err := e.idp.Login(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if cookie.Value != f.RelayState {
			t.Fatal("the binding cookie does not hold the RelayState")
		}
		// The IdP posts to our https ACS; the test server speaks http.
		return url.Values{"SAMLResponse": {f.SAMLResponse}, "RelayState": {f.RelayState}}, strings.Replace(f.Action, "https://", "http://", 1), cookie
	}
	post := func(action string, form url.Values, cookie *http.Cookie) string {
		t.Helper()
		req, _ := http.NewRequest("POST", action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.idp.Server.URL)
		if cookie != nil {
			req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("ACS: status %d, body %s", res.StatusCode, raw)
		}
		return res.Header.Get("Location")
	}
	badState := "/auth/error?" + url.Values{"idp": {"Corp SAML IdP"}, "reason": {"bad_state"}}.Encode()

	// The attacker's own sign-in, replayed from a victim's browser (no cookie).
	form, action, _ := start()
	if loc := post(action, form, nil); !strings.HasSuffix(loc, badState) {
		t.Fatalf("response posted without the binding cookie: redirect %q, want the bad_state page", loc)
	}
	// Another browser's cookie does not fit either.
	form, action, _ = start()
	_, _, other := start()
	if loc := post(action, form, other); !strings.HasSuffix(loc, badState) {
		t.Fatalf("response posted with another sign-in's cookie: redirect %q, want the bad_state page", loc)
	}
	// The browser that started the sign-in ends signed in.
	form, action, mine := start()
	if loc := post(action, form, mine); strings.Contains(loc, "/auth/error") || !strings.HasPrefix(loc, "https://") {
		t.Fatalf("response posted by the browser that started it: redirect %q, want the app", loc)
	}
}
