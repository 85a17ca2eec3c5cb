package server

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/auth/saml"
	"github.com/gatehouse/gatehouse/auth/saml/samltest"
	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// samlEnv is the real server with SAML IdPs configured from YAML, and a
// real crewjam IdP on loopback that shares the server's fake clock.
type samlEnv struct {
	*accountsEnv
	idp     *samltest.IdP
	dataDir string
}

// samlYAML is an auth_config.yml in the seed's layout; %s are the IdP's
// entity ID and metadata URL.
const samlYAML = `sso:
  enabled: true
  selection_mode: email_address
  identity_providers:
  - id: corp-saml
    protocol: SAML
    name: Corp SAML IdP
    entity_id: %s
    metadata_url: %s
    attribute_mapping:
      uid: uidAttribute
      email_verified: emailVerifiedAttribute
      email: emailAttribute
      last_name: lastNameAttribute
      first_name: firstNameAttribute
      username: usernameAttribute
    email_domain: corp.test
`

func newSAMLEnv(t *testing.T, yamlFor func(idp *samltest.IdP) string) *samlEnv {
	t.Helper()
	return newSAMLEnvScheme(t, yamlFor, "http")
}

// newSAMLEnvScheme is newSAMLEnv with the public base URL on scheme: with
// "https" the server believes it sits behind TLS (Secure cookies, https
// URLs in its metadata) while the test talks plain HTTP to it.
func newSAMLEnvScheme(t *testing.T, yamlFor func(idp *samltest.IdP) string, scheme string) *samlEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	idp := samltest.Start(t, clk)
	cfg, err := authconfig.Parse([]byte(yamlFor(idp)))
	if err != nil {
		t.Fatalf("auth config: %v", err)
	}
	db := modelstest.Open(t)
	var logOut io.Writer = io.Discard
	if os.Getenv("GATEHOUSE_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dataDir := t.TempDir()
	srv, err := New(Config{BaseURL: scheme + "://" + ln.Addr().String(), Version: "test", UI: testUI, Auth: cfg, DataDir: dataDir,
		Accounts: AccountSettings{EmailVerification: VerifyNone, AuthCacheTTL: time.Second}},
		Deps{DB: db, Clock: clk, Logger: log, Hasher: auth.NewHasher(cheapHash, 4)})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.App().Shutdown() })
	env := &accountsEnv{testServer: &testServer{t: t, srv: srv, db: db, clock: clk, URL: base, client: &http.Client{Timeout: 30 * time.Second}}}
	return &samlEnv{accountsEnv: env, idp: idp, dataDir: dataDir}
}

func corpYAML(idp *samltest.IdP) string {
	return fmt.Sprintf(samlYAML, idp.EntityID(), idp.MetadataURL)
}

// register gives the IdP our SP metadata, as an operator would.
func (e *samlEnv) register(id string) {
	e.t.Helper()
	if err := e.idp.RegisterSPFrom(e.URL + "/api/auth/saml/" + id + "/metadata/"); err != nil {
		e.t.Fatal(err)
	}
}

var corpUser = samltest.User{NameID: "transient-1", Attributes: map[string]string{
	"uidAttribute": "corp-1001", "usernameAttribute": "janedoe", "emailAttribute": "jdoe@corp.test",
	"firstNameAttribute": "Jane", "lastNameAttribute": "Doe", "emailVerifiedAttribute": "true",
}}

// startLogin asks our login URL for the IdP redirect and lets the IdP answer.
func (e *samlEnv) startLogin(b *browser, query string) samltest.Form {
	e.t.Helper()
	r := b.do("GET", "/api/auth/saml/corp-saml/login/"+query, nil)
	if r.Status != http.StatusFound {
		e.t.Fatalf("login: status %d, body %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, e.idp.SSOURL+"?") {
		e.t.Fatalf("login redirects to %q, want the IdP SSO URL", loc)
	}
	form, err := e.idp.Login(loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return form
}

// postACS posts the IdP's form like a browser on the IdP's page would:
// cross-site Origin, no CSRF header. It returns the redirect target.
func (e *samlEnv) postACS(b *browser, f samltest.Form) string {
	e.t.Helper()
	body := url.Values{"SAMLResponse": {f.SAMLResponse}, "RelayState": {f.RelayState}}.Encode()
	req, err := http.NewRequest("POST", f.Action, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.idp.Server.URL)
	res, err := b.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusFound {
		e.t.Fatalf("ACS: status %d, body %s", res.StatusCode, raw)
	}
	return res.Header.Get("Location")
}

func (e *samlEnv) errorURL(reason string) string {
	return e.URL + "/auth/error?" + url.Values{"idp": {"Corp SAML IdP"}, "reason": {reason}}.Encode()
}

func TestSAMLLoginEndToEnd(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: corpUser})
	b := e.browser()
	form := e.startLogin(b, "?next=/projects%3Fpage%3D2")
	if form.Action != e.URL+"/api/auth/saml/corp-saml/acs/" {
		t.Fatalf("IdP posts to %q", form.Action)
	}
	if loc := e.postACS(b, form); loc != e.URL+"/projects?page=2" {
		t.Fatalf("after login redirected to %q, want the next path", loc)
	}
	r := b.do("GET", "/api/users/self", nil)
	expect(t, r, 200, `"username":"janedoe"`, `"email":"jdoe@corp.test"`, `"first_name":"Jane"`, `"last_name":"Doe"`)
	var ident models.UserIdentity
	if err := e.db.Where("provider = ?", "saml:corp-saml").First(&ident).Error; err != nil {
		t.Fatalf("identity not linked: %v", err)
	}
	if ident.Subject != "corp-1001" {
		t.Fatalf("subject = %q, want the uid attribute", ident.Subject)
	}
	var u models.User
	if err := e.db.First(&u, ident.UserID).Error; err != nil || !u.EmailVerified {
		t.Fatalf("user %+v (err %v): email should be verified (IdP said true)", u, err)
	}

	// A second sign-in finds the same account.
	b2 := e.browser()
	if loc := e.postACS(b2, e.startLogin(b2, "")); loc != e.URL+"/" {
		t.Fatalf("second login redirected to %q", loc)
	}
	expect(t, b2.do("GET", "/api/users/self", nil), 200, `"username":"janedoe"`)
	var n int64
	e.db.Model(&models.User{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d users after two sign-ins, want 1", n)
	}
}

// TestSAMLKeysSharedByReplicas: the SP key pair lives in the database, so a
// replica with another data dir serves the same certificate; a pair an older
// version left in <data dir>/saml is imported, not replaced.
func TestSAMLKeysSharedByReplicas(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	md1 := e.do("GET", "/api/auth/saml/corp-saml/metadata/", nil, nil)
	if _, err := os.Stat(filepath.Join(e.dataDir, "saml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the key pair went to the data dir too: %v", err)
	}
	metadataOf := func(srv *Server) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", "/api/auth/saml/corp-saml/metadata/", nil)
		res, err := srv.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		md, _ := io.ReadAll(res.Body)
		return md
	}
	// Another replica: same database, its own (empty) data dir.
	cfg, _ := authconfig.Parse([]byte(corpYAML(e.idp)))
	other, err := New(Config{BaseURL: e.URL, UI: testUI, Auth: cfg, DataDir: t.TempDir()}, Deps{DB: e.db, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if spCert(t, md1.Body) != spCert(t, metadataOf(other)) {
		t.Fatal("two replicas on one database serve different SP certificates")
	}

	// Upgrade: a fresh database and the files of an older version.
	k, keyPEM, certPEM, err := saml.NewKeyPair(e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "saml"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"sp.key": keyPEM, "sp.crt": certPEM} {
		if err := os.WriteFile(filepath.Join(dir, "saml", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := modelstest.Open(t)
	upgraded, err := New(Config{BaseURL: e.URL, UI: testUI, Auth: cfg, DataDir: dir}, Deps{DB: db, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spCert(t, metadataOf(upgraded)), base64.StdEncoding.EncodeToString(k.Cert.Raw); got != want {
		t.Fatal("the certificate of the data dir was not kept on upgrade")
	}
	if stored, err := db.SAMLSPKeyPair(t.Context()); err != nil || stored.Source != "imported" {
		t.Fatalf("stored pair %+v, %v", stored, err)
	}
}

func spCert(t *testing.T, md []byte) string {
	t.Helper()
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil || len(ed.SPSSODescriptors) == 0 || len(ed.SPSSODescriptors[0].KeyDescriptors) == 0 {
		t.Fatalf("bad metadata (%v): %s", err, md)
	}
	return ed.SPSSODescriptors[0].KeyDescriptors[0].KeyInfo.X509Data.X509Certificates[0].Data
}

func TestSAMLMetadataEndpoint(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	r := e.do("GET", "/api/auth/saml/corp-saml/metadata/", nil, nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "xml") {
		t.Fatalf("metadata: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(r.Body, &ed); err != nil {
		t.Fatalf("not SAML metadata: %v", err)
	}
	if ed.EntityID != e.URL+"/api/auth/saml/corp-saml/metadata/" {
		t.Fatalf("entityID %q", ed.EntityID)
	}
	acs := ed.SPSSODescriptors[0].AssertionConsumerServices
	if len(acs) != 1 || acs[0].Location != e.URL+"/api/auth/saml/corp-saml/acs/" || acs[0].Binding != crewsaml.HTTPPostBinding {
		t.Fatalf("ACS %+v", acs)
	}
	if w := ed.SPSSODescriptors[0].WantAssertionsSigned; w == nil || !*w {
		t.Fatal("metadata does not ask for signed assertions")
	}
	// Only the ACS skips the CSRF checks: other unsafe requests under the
	// same prefix still meet them.
	req, _ := http.NewRequest("POST", e.URL+"/api/auth/saml/corp-saml/metadata/", nil)
	req.Header.Set("Origin", "https://evil.test")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST beside the ACS: %d, want 403", res.StatusCode)
	}
	// Unknown IdPs: no metadata, and a login ends on the error page.
	expect(t, e.do("GET", "/api/auth/saml/nope/metadata/", nil, nil), 404)
	r = e.browser().do("GET", "/api/auth/saml/nope/login/", nil)
	if r.Status != http.StatusFound || !strings.Contains(r.Header.Get("Location"), "reason=unknown_idp") {
		t.Fatalf("unknown idp login: %d %q", r.Status, r.Header.Get("Location"))
	}
}

func TestSAMLAttributeMapping(t *testing.T) {
	// The Azure-style claim URIs of the seed, with email_verified left out.
	const ns = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
	e := newSAMLEnv(t, func(idp *samltest.IdP) string {
		return fmt.Sprintf(`sso:
  enabled: true
  identity_providers:
  - id: corp-saml
    protocol: SAML
    name: Corp SAML IdP
    entity_id: %s
    metadata_url: %s
    attribute_mapping:
      uid: %[3]suid
      username: %[3]snameidentifier
      email: %[3]semailaddress
      first_name: %[3]sgivenname
      last_name: %[3]ssurname
`, idp.EntityID(), idp.MetadataURL, ns)
	})
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: samltest.User{NameID: "ignored", Attributes: map[string]string{
		ns + "uid": "obj-42", ns + "nameidentifier": "m.curie", ns + "emailaddress": "marie@corp.test",
		ns + "givenname": "Marie", ns + "surname": "Curie",
	}}})
	b := e.browser()
	e.postACS(b, e.startLogin(b, ""))
	expect(t, b.do("GET", "/api/users/self", nil), 200, `"username":"m.curie"`, `"email":"marie@corp.test"`, `"first_name":"Marie"`, `"last_name":"Curie"`)
	var ident models.UserIdentity
	if err := e.db.Where("provider = ? AND subject = ?", "saml:corp-saml", "obj-42").First(&ident).Error; err != nil {
		t.Fatalf("identity by uid: %v", err)
	}
	var u models.User
	if err := e.db.First(&u, ident.UserID).Error; err != nil || u.EmailVerified {
		t.Fatalf("user %+v (err %v): email must stay unverified without email_verified", u, err)
	}
}

func TestSAMLRefusedResponses(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	e.register("corp-saml")
	for _, tc := range []struct {
		name    string
		b       samltest.Behaviour
		advance time.Duration
		edit    func(doc *etree.Document)
		reason  string
	}{
		{name: "unsigned", b: samltest.Behaviour{UnsignedResponse: true, UnsignedAssertion: true}, reason: reasonBadSignature},
		{name: "signed with SHA-1", b: samltest.Behaviour{SignatureMethod: dsig.RSASHA1SignatureMethod}, reason: reasonBadSignature},
		{name: "wrong audience", b: samltest.Behaviour{Mutate: func(a *crewsaml.Assertion) {
			a.Conditions.AudienceRestrictions = []crewsaml.AudienceRestriction{{Audience: crewsaml.Audience{Value: "https://elsewhere.test/metadata/"}}}
		}}, reason: reasonBadSignature},
		{name: "expired assertion", advance: 6 * time.Minute, reason: reasonBadSignature},
		{name: "second unsigned assertion injected", b: samltest.Behaviour{UnsignedResponse: true}, edit: func(doc *etree.Document) {
			signed := doc.Root().SelectElement("Assertion")
			evil := signed.Copy()
			evil.RemoveChild(evil.SelectElement("Signature"))
			evil.CreateAttr("ID", "id-evil")
			for _, a := range evil.FindElements(".//AttributeValue") {
				if a.Text() == "corp-1001" {
					a.SetText("admin-1")
				}
			}
			doc.Root().InsertChildAt(signed.Index(), evil)
		}, reason: reasonBadSignature},
		{name: "signed assertion moved, evil one in its place", b: samltest.Behaviour{UnsignedResponse: true}, edit: func(doc *etree.Document) {
			root := doc.Root()
			signed := root.SelectElement("Assertion")
			evil := signed.Copy()
			evil.RemoveChild(evil.SelectElement("Signature"))
			root.RemoveChild(signed)
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(signed)
			root.InsertChildAt(root.SelectElement("Status").Index(), ext)
			root.AddChild(evil)
		}, reason: reasonBadSignature},
		{name: "garbage", edit: func(doc *etree.Document) { doc.SetRoot(etree.NewElement("nonsense")) }, reason: reasonInvalidResponse},
		{name: "IdP error status", b: samltest.Behaviour{UnsignedResponse: true}, edit: func(doc *etree.Document) {
			root := doc.Root()
			for _, c := range root.ChildElements() {
				if c.Tag == "Assertion" {
					root.RemoveChild(c)
				}
			}
			root.FindElement("./Status/StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")
		}, reason: reasonAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.User = corpUser
			e.idp.Configure(tc.b)
			b := e.browser()
			form := e.startLogin(b, "")
			if tc.edit != nil {
				raw, _ := form.Decode()
				doc, err := samltest.ParseXML(raw)
				if err != nil {
					t.Fatal(err)
				}
				tc.edit(doc)
				form = form.WithXML(samltest.XML(doc))
			}
			e.clock.Advance(tc.advance)
			if loc := e.postACS(b, form); loc != e.errorURL(tc.reason) {
				t.Fatalf("ACS redirected to %q, want %q", loc, e.errorURL(tc.reason))
			}
			expect(t, b.do("GET", "/api/users/self", nil), 401)
		})
	}
	var n int64
	e.db.Model(&models.User{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d users created by refused responses", n)
	}
}

func TestSAMLReplayAndStateChecks(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: corpUser})

	// The same POST twice: the second is refused.
	b := e.browser()
	form := e.startLogin(b, "")
	if loc := e.postACS(b, form); loc != e.URL+"/" {
		t.Fatalf("first post: %q", loc)
	}
	attacker := e.browser()
	if loc := e.postACS(attacker, form); loc != e.errorURL(reasonBadState) {
		t.Fatalf("replayed post: %q", loc)
	}
	expect(t, attacker.do("GET", "/api/users/self", nil), 401)
	var recorded int64
	e.db.Model(&models.SAMLAssertion{}).Count(&recorded)
	if recorded != 1 {
		t.Fatalf("%d assertions recorded, want 1", recorded)
	}

	// A response to one sign-in posted with another sign-in's RelayState:
	// InResponseTo does not match.
	b1, b2 := e.browser(), e.browser()
	f1, f2 := e.startLogin(b1, ""), e.startLogin(b2, "")
	f1.RelayState = f2.RelayState
	if loc := e.postACS(b2, f1); loc != e.errorURL(reasonBadSignature) {
		t.Fatalf("InResponseTo mismatch: %q", loc)
	}

	// No or unknown RelayState.
	f3 := e.startLogin(e.browser(), "")
	for _, rs := range []string{"", "made-up"} {
		f := f3
		f.RelayState = rs
		if loc := e.postACS(e.browser(), f); loc != e.errorURL(reasonBadState) {
			t.Fatalf("RelayState %q: %q", rs, loc)
		}
	}
}

func TestSAMLIdPDownAtStart(t *testing.T) {
	e := newSAMLEnv(t, func(idp *samltest.IdP) string {
		idp.Server.Close() // nothing answers at the metadata URL
		return corpYAML(idp)
	})
	expect(t, e.do("GET", "/healthz", nil, nil), 200)
	b := e.browser()
	r := b.do("GET", "/api/auth/saml/corp-saml/login/", nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != e.errorURL(reasonIdPUnavailable) {
		t.Fatalf("login with the IdP down: %d %q", r.Status, r.Header.Get("Location"))
	}
	// Our metadata does not depend on the IdP.
	expect(t, e.do("GET", "/api/auth/saml/corp-saml/metadata/", nil, nil), 200, "EntityDescriptor")
}

func TestSAMLStaticCertificateConfig(t *testing.T) {
	e := newSAMLEnv(t, func(idp *samltest.IdP) string {
		cert := strings.ReplaceAll(strings.TrimSpace(idp.CertPEM()), "\n", "\n      ")
		return fmt.Sprintf(`sso:
  enabled: true
  identity_providers:
  - id: corp-saml
    protocol: SAML
    name: Corp SAML IdP
    entity_id: %s
    sso_url: %s
    x509_cert: |
      %s
    attribute_mapping:
      email: emailAttribute
`, idp.EntityID(), idp.SSOURL, cert)
	})
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: samltest.User{NameID: "static-9", Attributes: map[string]string{"emailAttribute": "s9@corp.test"}}})
	b := e.browser()
	if loc := e.postACS(b, e.startLogin(b, "")); loc != e.URL+"/" {
		t.Fatalf("static config login: %q", loc)
	}
	expect(t, b.do("GET", "/api/users/self", nil), 200, `"email":"s9@corp.test"`)
}

func TestSAMLListedInAuthMethodsAndSelect(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	b := e.browser()
	r := b.do("GET", "/api/server/auth-methods", nil)
	expect(t, r, 200, `"protocol":"saml"`, `"login_url":"`+e.URL+`/api/auth/saml/corp-saml/login/"`)
	r = b.do("POST", "/api/auth/sso/select", map[string]any{"email": "someone@corp.test", "next": "/tasks"})
	expect(t, r, 200, `"protocol":"saml"`)
	loginURL, _ := r.JSON(t)["login_url"].(string)
	if !strings.HasPrefix(loginURL, e.URL+"/api/auth/saml/corp-saml/login/") || !strings.Contains(loginURL, "next=%2Ftasks") {
		t.Fatalf("select login_url = %q", loginURL)
	}
	// The URL the select answers starts the SAML round trip.
	res := b.do("GET", loginURL, nil)
	if res.Status != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), e.idp.SSOURL+"?SAMLRequest=") {
		t.Fatalf("select's login URL: %d %q", res.Status, res.Header.Get("Location"))
	}
}

// TestSAMLInvitationAccepted: the invitation link's secret survives the SAML
// round trip (kept with the RelayState) and the new account joins the
// organization.
func TestSAMLInvitationAccepted(t *testing.T) {
	e := newSAMLEnv(t, corpYAML)
	e.register("corp-saml")
	_, email := uniqueName("samlinv")
	orgID, secret := inviteToNewOrg(t, e.accountsEnv, email)
	e.idp.Configure(samltest.Behaviour{User: samltest.User{NameID: "inv-1", Attributes: map[string]string{
		"uidAttribute": "corp-inv-1", "emailAttribute": email, "emailVerifiedAttribute": "true",
	}}})
	b := e.browser()
	form := e.startLogin(b, "?next=%2Forganizations&invitation="+secret)
	if loc := e.postACS(b, form); loc != e.URL+"/organizations" {
		t.Fatalf("after login redirected to %q, want the next path", loc)
	}
	expect(t, b.do("GET", "/api/users/self", nil), 200, `"email":"`+email+`"`)
	wantInvitationAccepted(t, e.accountsEnv, email, orgID, "worker")
	var ev models.AuditEvent
	if err := e.db.Where("event = ? AND detail LIKE ?", AuditInvitationAccepted, `%"via":"saml:corp-saml"%`).First(&ev).Error; err != nil {
		t.Fatalf("no invitation.accepted audit event via saml:corp-saml: %v", err)
	}
}

// An operator can let a legacy IdP sign with SHA-1, for that IdP only.
func TestSAMLAllowSHA1Signatures(t *testing.T) {
	e := newSAMLEnv(t, func(idp *samltest.IdP) string {
		return strings.Replace(corpYAML(idp), "    email_domain: corp.test\n", "    email_domain: corp.test\n    allow_sha1_signatures: true\n", 1)
	})
	e.register("corp-saml")
	e.idp.Configure(samltest.Behaviour{User: corpUser, SignatureMethod: dsig.RSASHA1SignatureMethod})
	b := e.browser()
	form := e.startLogin(b, "")
	if raw, _ := form.Decode(); !strings.Contains(string(raw), dsig.RSASHA1SignatureMethod) {
		t.Fatal("the IdP did not sign with SHA-1")
	}
	if loc := e.postACS(b, form); loc != e.URL+"/" {
		t.Fatalf("ACS redirected to %q, want the home page", loc)
	}
	expect(t, b.do("GET", "/api/users/self", nil), 200, `"username":"janedoe"`)
}
