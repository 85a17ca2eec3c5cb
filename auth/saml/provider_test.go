package saml_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/auth/saml"
	"github.com/gatehouse/gatehouse/auth/saml/samltest"
	"github.com/gatehouse/gatehouse/clock"
)

// memReplay is an in-memory ReplayStore (the server uses the database).
type memReplay struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (m *memReplay) Consume(_ context.Context, idp, id string, exp time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	if _, ok := m.seen[idp+"\x00"+id]; ok {
		return saml.ErrReplayed
	}
	m.seen[idp+"\x00"+id] = exp
	return nil
}

var (
	keysOnce sync.Once
	keys     *saml.Keys
)

func spKeys(t *testing.T) *saml.Keys {
	t.Helper()
	keysOnce.Do(func() {
		k, err := saml.GenerateKeys(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		keys = k
	})
	return keys
}

type fixture struct {
	clk *clock.Fake
	idp *samltest.IdP
	sp  *saml.Provider
}

func newFixture(t *testing.T, mapping saml.AttributeMapping) *fixture {
	t.Helper()
	return newFixtureWith(t, mapping, nil)
}

// newFixtureOpts is newFixture with a hook that changes the SP's options.
func newFixtureOpts(t *testing.T, edit func(*saml.Options)) *fixture {
	t.Helper()
	return newFixtureWithOpts(t, saml.AttributeMapping{}, nil, edit)
}

// newFixtureWith is newFixture with a hook that sees the IdP before the
// provider exists and may change the provider's Config.
func newFixtureWith(t *testing.T, mapping saml.AttributeMapping, setup func(*samltest.IdP, *saml.Config)) *fixture {
	t.Helper()
	return newFixtureWithOpts(t, mapping, setup, nil)
}

func newFixtureWithOpts(t *testing.T, mapping saml.AttributeMapping, setup func(*samltest.IdP, *saml.Config), edit func(*saml.Options)) *fixture {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	idp := samltest.Start(t, clk)
	cfg := saml.Config{Keys: spKeys(t), Replay: &memReplay{}, Clock: clk}
	if setup != nil {
		setup(idp, &cfg)
	}
	opts := saml.Options{ID: "corp", BaseURL: "https://gatehouse.test", EntityID: idp.EntityID(),
		MetadataURL: idp.MetadataURL, Mapping: mapping}
	if edit != nil {
		edit(&opts)
	}
	sp, err := saml.New(opts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if err := idp.RegisterSP(md); err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, idp: idp, sp: sp}
}

// login runs one round trip and returns the form and the request id.
func (f *fixture) login(t *testing.T, b samltest.Behaviour) (samltest.Form, string) {
	t.Helper()
	f.idp.Configure(b)
	u, reqID, err := f.sp.AuthnRequest(context.Background(), "relay-1")
	if err != nil {
		t.Fatalf("authn request: %v", err)
	}
	form, err := f.idp.Login(u)
	if err != nil {
		t.Fatalf("idp login: %v", err)
	}
	if form.RelayState != "relay-1" || form.Action != f.sp.ACSURL() {
		t.Fatalf("form = %+v, want relay-1 to %s", form, f.sp.ACSURL())
	}
	return form, reqID
}

func TestGoodLoginBothSigningStyles(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    samltest.Behaviour
	}{
		{"response and assertion signed", samltest.Behaviour{}},
		{"only assertion signed", samltest.Behaviour{UnsignedResponse: true}},
		{"only response signed", samltest.Behaviour{UnsignedAssertion: true}},
		{"encrypted assertion", samltest.Behaviour{Encrypt: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, saml.AttributeMapping{})
			tc.b.User = samltest.User{NameID: "alice-42"}
			form, reqID := f.login(t, tc.b)
			id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if id.Subject != "alice-42" {
				t.Fatalf("subject = %q, want the NameID", id.Subject)
			}
		})
	}
}

func TestAttributeMapping(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{UID: "uidAttribute", Username: "usernameAttribute", Email: "emailAttribute",
		FirstName: "firstNameAttribute", LastName: "lastNameAttribute", EmailVerified: "emailVerifiedAttribute"})
	form, reqID := f.login(t, samltest.Behaviour{User: samltest.User{NameID: "transient-xyz", Attributes: map[string]string{
		"uidAttribute": "u-1001", "usernameAttribute": "jdoe", "emailAttribute": "jdoe@corp.test",
		"firstNameAttribute": "Jane", "lastNameAttribute": "Doe", "emailVerifiedAttribute": "True",
	}}})
	id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
	if err != nil {
		t.Fatal(err)
	}
	want := saml.Identity{Subject: "u-1001", Username: "jdoe", Email: "jdoe@corp.test", FirstName: "Jane", LastName: "Doe",
		EmailVerified: true, AssertionID: id.AssertionID}
	if *id != want {
		t.Fatalf("identity = %+v\nwant       %+v", *id, want)
	}
}

func TestTruthyEmailVerified(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "yes": true, "false": false, "0": false, "": false, "maybe": false} {
		f := newFixture(t, saml.AttributeMapping{Email: "email", EmailVerified: "ev"})
		form, reqID := f.login(t, samltest.Behaviour{User: samltest.User{NameID: "n", Attributes: map[string]string{"email": "a@b.test", "ev": v}}})
		id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
		if err != nil {
			t.Fatal(err)
		}
		if id.EmailVerified != want {
			t.Errorf("email_verified %q read as %v, want %v", v, id.EmailVerified, want)
		}
	}
}

func xmlEdit(t *testing.T, form samltest.Form, edit func(doc *etree.Document)) samltest.Form {
	t.Helper()
	raw, err := form.Decode()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := samltest.ParseXML(raw)
	if err != nil {
		t.Fatal(err)
	}
	edit(doc)
	return form.WithXML(samltest.XML(doc))
}

func setNameID(el *etree.Element, v string) {
	for _, n := range el.FindElements(".//NameID") {
		n.SetText(v)
	}
}

func TestRejectedResponses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       samltest.Behaviour
		advance time.Duration
		reqID   string
		edit    func(doc *etree.Document)
		want    error
	}{
		{name: "unsigned response and assertion", b: samltest.Behaviour{UnsignedResponse: true, UnsignedAssertion: true}, want: saml.ErrBadSignature},
		{name: "wrong audience", b: samltest.Behaviour{Mutate: func(a *crewsaml.Assertion) {
			a.Conditions.AudienceRestrictions = []crewsaml.AudienceRestriction{{Audience: crewsaml.Audience{Value: "https://other.test/metadata/"}}}
		}}, want: saml.ErrBadSignature},
		{name: "wrong recipient", b: samltest.Behaviour{Mutate: func(a *crewsaml.Assertion) {
			for i := range a.Subject.SubjectConfirmations {
				a.Subject.SubjectConfirmations[i].SubjectConfirmationData.Recipient = "https://other.test/acs/"
			}
		}}, want: saml.ErrBadSignature},
		{name: "wrong issuer", b: samltest.Behaviour{Mutate: func(a *crewsaml.Assertion) { a.Issuer.Value = "https://evil.test/" }}, want: saml.ErrBadSignature},
		{name: "expired", advance: 10 * time.Minute, want: saml.ErrBadSignature},
		{name: "not yet valid", b: samltest.Behaviour{Mutate: func(a *crewsaml.Assertion) {
			a.Conditions.NotBefore = a.Conditions.NotBefore.Add(time.Hour)
		}}, want: saml.ErrBadSignature},
		{name: "InResponseTo mismatch", reqID: "id-some-other-request", want: saml.ErrBadSignature},
		{name: "destination changed after signing", edit: func(doc *etree.Document) {
			doc.Root().CreateAttr("Destination", "https://other.test/acs/")
		}, want: saml.ErrBadSignature},
		{name: "NameID changed after signing", edit: func(doc *etree.Document) { setNameID(doc.Root(), "mallory") }, want: saml.ErrBadSignature},
		{name: "unsigned assertion injected before the signed one", b: samltest.Behaviour{UnsignedResponse: true},
			edit: func(doc *etree.Document) {
				signed := doc.Root().SelectElement("Assertion")
				evil := signed.Copy()
				evil.RemoveChild(evil.SelectElement("Signature"))
				evil.CreateAttr("ID", "id-evil")
				setNameID(evil, "mallory")
				doc.Root().InsertChildAt(signed.Index(), evil)
			}, want: saml.ErrBadSignature},
		{name: "signed assertion moved into Extensions, evil one in its place", b: samltest.Behaviour{UnsignedResponse: true},
			edit: func(doc *etree.Document) {
				root := doc.Root()
				signed := root.SelectElement("Assertion")
				evil := signed.Copy()
				evil.RemoveChild(evil.SelectElement("Signature"))
				setNameID(evil, "mallory")
				root.RemoveChild(signed)
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(signed)
				root.InsertChildAt(root.SelectElement("Status").Index(), ext)
				root.AddChild(evil)
			}, want: saml.ErrBadSignature},
		{name: "signed response wrapped, evil response outside", edit: func(doc *etree.Document) {
			orig := doc.Root()
			evil := orig.Copy()
			evil.RemoveChild(evil.SelectElement("Signature"))
			evil.CreateAttr("ID", "id-evil-response")
			setNameID(evil, "mallory")
			ext := etree.NewElement("samlp:Extensions")
			ext.AddChild(orig)
			evil.InsertChildAt(evil.SelectElement("Status").Index(), ext)
			doc.SetRoot(evil)
		}, want: saml.ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, saml.AttributeMapping{})
			tc.b.User = samltest.User{NameID: "alice"}
			form, reqID := f.login(t, tc.b)
			if tc.reqID != "" {
				reqID = tc.reqID
			}
			if tc.edit != nil {
				form = xmlEdit(t, form, tc.edit)
			}
			f.clk.Advance(tc.advance)
			id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
			if err == nil {
				t.Fatalf("accepted: %+v", id)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// errorStatus turns the response into an unsigned error answer from the IdP.
func errorStatus(doc *etree.Document) {
	root := doc.Root()
	for _, c := range root.ChildElements() {
		if c.Tag == "Assertion" || c.Tag == "Signature" {
			root.RemoveChild(c)
		}
	}
	root.FindElement("./Status/StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
}

func TestIdPErrorStatus(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	form, reqID := f.login(t, samltest.Behaviour{UnsignedResponse: true})
	form = xmlEdit(t, form, errorStatus)
	if _, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID); !errors.Is(err, saml.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAccessDenied", err)
	}
	// The same error answer to another request is not believed.
	if _, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, "id-other"); !errors.Is(err, saml.ErrBadSignature) {
		t.Fatalf("err = %v, want ErrBadSignature", err)
	}
}

func TestReplayRefused(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	form, reqID := f.login(t, samltest.Behaviour{})
	if _, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID); err != nil {
		t.Fatal(err)
	}
	_, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
	if !errors.Is(err, saml.ErrBadSignature) || !strings.Contains(err.Error(), "already") {
		t.Fatalf("replay: err = %v, want a replay refusal", err)
	}
}

func TestMalformedResponses(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	_, reqID := f.login(t, samltest.Behaviour{})
	for name, body := range map[string]string{
		"empty":      "",
		"not base64": "%%%not base64%%%",
		"not xml":    "bm90IHhtbA==",
		"wrong root": "PGZvby8+",
	} {
		_, err := f.sp.ParseResponse(context.Background(), body, reqID)
		if !errors.Is(err, saml.ErrInvalidResponse) {
			t.Errorf("%s: err = %v, want ErrInvalidResponse", name, err)
		}
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	raw, err := f.sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(raw, &ed); err != nil {
		t.Fatalf("metadata is not an EntityDescriptor: %v", err)
	}
	if ed.EntityID != "https://gatehouse.test/api/auth/saml/corp/metadata/" {
		t.Fatalf("entityID = %q", ed.EntityID)
	}
	if len(ed.SPSSODescriptors) != 1 {
		t.Fatalf("want one SPSSODescriptor, got %d", len(ed.SPSSODescriptors))
	}
	sp := ed.SPSSODescriptors[0]
	if len(sp.AssertionConsumerServices) != 1 || sp.AssertionConsumerServices[0].Location != "https://gatehouse.test/api/auth/saml/corp/acs/" ||
		sp.AssertionConsumerServices[0].Binding != crewsaml.HTTPPostBinding {
		t.Fatalf("ACS = %+v", sp.AssertionConsumerServices)
	}
	if sp.WantAssertionsSigned == nil || !*sp.WantAssertionsSigned {
		t.Fatal("metadata must ask for signed assertions")
	}
	if len(sp.KeyDescriptors) == 0 {
		t.Fatal("metadata has no key")
	}
	if !ed.ValidUntil.IsZero() || ed.CacheDuration == 0 {
		t.Fatalf("metadata should carry cacheDuration, not validUntil (%v, %v)", ed.ValidUntil, ed.CacheDuration)
	}
}

func TestStaticIdPConfig(t *testing.T) {
	clk := clock.NewFake(time.Now().UTC())
	idp := samltest.Start(t, clk)
	for name, cert := range map[string]string{
		"pem":    idp.CertPEM(),
		"base64": strings.Join(strings.Split(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(idp.CertPEM()), "-----BEGIN CERTIFICATE-----"), "-----END CERTIFICATE-----")), "\n"), ""),
		"file": func() string {
			p := filepath.Join(t.TempDir(), "idp.pem")
			if err := os.WriteFile(p, []byte(idp.CertPEM()), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			sp, err := saml.New(saml.Options{ID: "static", BaseURL: "http://127.0.0.1:1", EntityID: idp.EntityID(),
				SSOURL: idp.SSOURL, X509Cert: cert}, saml.Config{Keys: spKeys(t), Replay: &memReplay{}, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			md, _ := sp.Metadata()
			if err := idp.RegisterSP(md); err != nil {
				t.Fatal(err)
			}
			idp.Configure(samltest.Behaviour{User: samltest.User{NameID: "static-user"}})
			u, reqID, err := sp.AuthnRequest(context.Background(), "r")
			if err != nil {
				t.Fatal(err)
			}
			form, err := idp.Login(u)
			if err != nil {
				t.Fatal(err)
			}
			id, err := sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
			if err != nil || id.Subject != "static-user" {
				t.Fatalf("id = %+v, err = %v", id, err)
			}
		})
	}
}

func TestStaticCertOfAnotherKeyRefused(t *testing.T) {
	clk := clock.NewFake(time.Now().UTC())
	idp := samltest.Start(t, clk)
	other := samltest.Start(t, clk) // its certificate is not the one that signs
	sp, err := saml.New(saml.Options{ID: "static", BaseURL: "http://127.0.0.1:1", EntityID: idp.EntityID(),
		SSOURL: idp.SSOURL, X509Cert: other.CertPEM()}, saml.Config{Keys: spKeys(t), Replay: &memReplay{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	md, _ := sp.Metadata()
	if err := idp.RegisterSP(md); err != nil {
		t.Fatal(err)
	}
	u, reqID, err := sp.AuthnRequest(context.Background(), "r")
	if err != nil {
		t.Fatal(err)
	}
	form, err := idp.Login(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.ParseResponse(context.Background(), form.SAMLResponse, reqID); !errors.Is(err, saml.ErrBadSignature) {
		t.Fatalf("err = %v, want ErrBadSignature", err)
	}
}

func TestMetadataURLDown(t *testing.T) {
	clk := clock.NewFake(time.Now().UTC())
	sp, err := saml.New(saml.Options{ID: "down", BaseURL: "http://127.0.0.1:1", EntityID: "x", MetadataURL: "http://127.0.0.1:1/metadata"},
		saml.Config{Keys: spKeys(t), Replay: &memReplay{}, Clock: clk, FetchTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("a dead IdP must not stop New: %v", err)
	}
	if _, _, err := sp.AuthnRequest(context.Background(), "r"); !errors.Is(err, saml.ErrIdPUnavailable) {
		t.Fatalf("err = %v, want ErrIdPUnavailable", err)
	}
	if _, err := sp.ParseResponse(context.Background(), "PGZvby8+", "id-1"); !errors.Is(err, saml.ErrIdPUnavailable) {
		t.Fatalf("err = %v, want ErrIdPUnavailable", err)
	}
}

func TestMetadataRefreshKeepsOldCopyWhenIdPGoesDown(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	if _, _, err := f.sp.AuthnRequest(context.Background(), "r"); err != nil {
		t.Fatal(err)
	}
	f.idp.Server.Close()
	f.clk.Advance(2 * time.Hour)
	if _, _, err := f.sp.AuthnRequest(context.Background(), "r"); err != nil {
		t.Fatalf("stale metadata should still serve: %v", err)
	}
}

// TestMetadataRefreshPicksUpRotatedCertificate: fetched IdP metadata is
// used for MetadataRefresh, then fetched again, so a signing certificate the
// IdP rotated is trusted after the refresh (and the old one no longer).
func TestMetadataRefreshPicksUpRotatedCertificate(t *testing.T) {
	const refresh = 20 * time.Minute
	var fetches atomic.Int32
	f := newFixtureWith(t, saml.AttributeMapping{}, func(idp *samltest.IdP, cfg *saml.Config) {
		cfg.MetadataRefresh = refresh
		// Count the metadata requests the IdP serves.
		inner := idp.Server.Config.Handler
		idp.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/metadata" {
				fetches.Add(1)
			}
			inner.ServeHTTP(w, r)
		})
	})
	type signer struct {
		key  *rsa.PrivateKey
		cert *x509.Certificate
	}
	oldKey, ok := f.idp.IDP.Key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("IdP key is a %T", f.idp.IDP.Key)
	}
	old := signer{oldKey, f.idp.IDP.Certificate}
	newKey, newCert := samltest.NewKeyPair(t, f.clk.Now())
	rotated := signer{newKey, newCert}

	for _, step := range []struct {
		name    string
		advance time.Duration
		signer  signer // the IdP signs with it and lists it in its metadata
		wantErr error
		fetches int32 // metadata requests so far
	}{
		{"first login fetches the metadata", 0, old, nil, 1},
		{"rotated before the refresh is due: the cached certificate refuses it", refresh - time.Minute, rotated, saml.ErrBadSignature, 1},
		{"past the refresh interval: fetched again, rotated certificate trusted", 2 * time.Minute, rotated, nil, 2},
		{"old key after the refresh: no longer trusted", 0, old, saml.ErrBadSignature, 2},
	} {
		// Steps depend on each other: stop at the first failure.
		if !t.Run(step.name, func(t *testing.T) {
			f.idp.IDP.Key, f.idp.IDP.Certificate, f.idp.Cert = step.signer.key, step.signer.cert, step.signer.cert
			f.clk.Advance(step.advance)
			form, reqID := f.login(t, samltest.Behaviour{User: samltest.User{NameID: "rotating"}})
			id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
			switch {
			case step.wantErr == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case step.wantErr == nil && id.Subject != "rotating":
				t.Fatalf("subject %q", id.Subject)
			case step.wantErr != nil && !errors.Is(err, step.wantErr):
				t.Fatalf("err = %v, want %v", err, step.wantErr)
			}
			if got := fetches.Load(); got != step.fetches {
				t.Fatalf("%d metadata requests, want %d", got, step.fetches)
			}
		}) {
			return
		}
	}
}

// TestReadKeyFiles: the pair an older version kept in <data dir>/saml is
// read back as it was; none is "not found"; half a pair or a certificate of
// another key is an error, never replaced silently.
func TestReadKeyFiles(t *testing.T) {
	k, keyPEM, certPEM, err := saml.NewKeyPair(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, _, otherCert, err := saml.NewKeyPair(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func(dir string, files map[string][]byte) {
		if err := os.MkdirAll(filepath.Join(dir, "saml"), 0o700); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, "saml", name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name  string
		files map[string][]byte
		found bool
		bad   string
	}{
		{name: "none"},
		{name: "pair", files: map[string][]byte{"sp.key": keyPEM, "sp.crt": certPEM}, found: true},
		{name: "key only", files: map[string][]byte{"sp.key": keyPEM}, bad: "only one of sp.key and sp.crt"},
		{name: "certificate only", files: map[string][]byte{"sp.crt": certPEM}, bad: "only one of sp.key and sp.crt"},
		{name: "foreign certificate", files: map[string][]byte{"sp.key": keyPEM, "sp.crt": otherCert}, bad: "does not belong"},
		{name: "not PEM", files: map[string][]byte{"sp.key": []byte("junk"), "sp.crt": certPEM}, bad: "not PEM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.files != nil {
				write(dir, tc.files)
			}
			gotKey, gotCert, found, err := saml.ReadKeyFiles(dir)
			if tc.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err = %v, want one about %q", err, tc.bad)
				}
				return
			}
			if err != nil || found != tc.found {
				t.Fatalf("found = %v, err = %v", found, err)
			}
			if found {
				back, err := saml.ParseKeys(gotKey, gotCert)
				if err != nil || !back.Key.Equal(k.Key) || !back.Cert.Equal(k.Cert) {
					t.Fatalf("read back another pair (%v)", err)
				}
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	cfg := saml.Config{Keys: spKeys(t), Replay: &memReplay{}}
	for name, o := range map[string]saml.Options{
		"no source":       {ID: "a", BaseURL: "http://x"},
		"bad metadataurl": {ID: "a", BaseURL: "http://x", MetadataURL: "ftp://x"},
		"bad cert":        {ID: "a", BaseURL: "http://x", SSOURL: "https://idp/sso", X509Cert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
		"bad base":        {ID: "a", BaseURL: "x", MetadataURL: "https://idp/md"},
		"no id":           {BaseURL: "http://x", MetadataURL: "https://idp/md"},
	} {
		if _, err := saml.New(o, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRequestIDFollowsRelayState(t *testing.T) {
	f := newFixture(t, saml.AttributeMapping{})
	_, reqID, err := f.sp.AuthnRequest(context.Background(), "relay-xyz")
	if err != nil {
		t.Fatal(err)
	}
	if reqID != saml.RequestID("relay-xyz") || saml.RequestID("relay-xyz") == saml.RequestID("relay-xy") {
		t.Fatalf("request id %q does not follow the relay state", reqID)
	}
}

// SHA-1 XML signatures are refused unless the IdP's entry allows them; the
// same IdP signing with SHA-256 is accepted either way.
func TestSHA1Signatures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		allowSHA1 bool
		b         samltest.Behaviour
		wantErr   bool
	}{
		{"SHA-1 on both signatures, refused by default", false, samltest.Behaviour{SignatureMethod: dsig.RSASHA1SignatureMethod}, true},
		{"SHA-1 on the response only, refused", false, samltest.Behaviour{SignatureMethod: dsig.RSASHA1SignatureMethod, UnsignedAssertion: true}, true},
		{"SHA-1 on the assertion only, refused", false, samltest.Behaviour{SignatureMethod: dsig.RSASHA1SignatureMethod, UnsignedResponse: true}, true},
		{"SHA-1 with allow_sha1_signatures", true, samltest.Behaviour{SignatureMethod: dsig.RSASHA1SignatureMethod}, false},
		{"SHA-256, default", false, samltest.Behaviour{SignatureMethod: dsig.RSASHA256SignatureMethod}, false},
		{"SHA-512 with allow_sha1_signatures", true, samltest.Behaviour{SignatureMethod: dsig.RSASHA512SignatureMethod}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureOpts(t, func(o *saml.Options) { o.AllowSHA1 = tc.allowSHA1 })
			tc.b.User = samltest.User{NameID: "sha-user"}
			form, reqID := f.login(t, tc.b)
			doc := decodeForm(t, form)
			if !strings.Contains(doc, `Algorithm="`+tc.b.SignatureMethod+`"`) ||
				tc.b.SignatureMethod != dsig.RSASHA1SignatureMethod && strings.Contains(doc, "sha1") {
				t.Fatalf("the IdP did not sign with %s only:\n%s", tc.b.SignatureMethod, doc)
			}
			id, err := f.sp.ParseResponse(context.Background(), form.SAMLResponse, reqID)
			if tc.wantErr {
				if !errors.Is(err, saml.ErrBadSignature) || id != nil {
					t.Fatalf("got %v, %v; want ErrBadSignature", id, err)
				}
				return
			}
			if err != nil || id.Subject != "sha-user" {
				t.Fatalf("got %+v, %v; want sha-user", id, err)
			}
		})
	}
}

func decodeForm(t *testing.T, f samltest.Form) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(f.SAMLResponse)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
