// Package samltest runs a real SAML identity provider (crewjam/saml's
// IdentityProvider) on 127.0.0.1 for tests, with switches to make it
// misbehave: unsigned messages, altered assertions, tampered XML.
package samltest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewsaml "github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/clock"
)

// User is who the IdP logs in.
type User struct {
	NameID string
	// Attributes are sent as they are named here (Basic name format).
	Attributes map[string]string
}

// IdP is a running identity provider.
type IdP struct {
	IDP         *crewsaml.IdentityProvider
	Server      *httptest.Server
	MetadataURL string
	SSOURL      string
	Cert        *x509.Certificate

	mu  sync.Mutex
	sps map[string]*crewsaml.EntityDescriptor
	// Behaviour, read under mu by the handlers; set with Configure.
	user          User
	unsignedResp  bool
	unsignedAsser bool
	encrypt       bool
	mutate        func(*crewsaml.Assertion)
	tamper        func(resp *etree.Element)
}

// Behaviour is how the IdP answers the next logins.
type Behaviour struct {
	User User
	// UnsignedResponse / UnsignedAssertion leave that element unsigned.
	UnsignedResponse  bool
	UnsignedAssertion bool
	// Encrypt sends an EncryptedAssertion when the SP offers a key.
	Encrypt bool
	// Mutate changes the assertion before it is signed.
	Mutate func(*crewsaml.Assertion)
	// Tamper changes the signed Response element (after signing).
	Tamper func(resp *etree.Element)
	// SignatureMethod signs with this algorithm (a goxmldsig constant;
	// "" = crewjam's default, RSA-SHA256). The digest follows its hash.
	SignatureMethod string
}

// Start runs an IdP whose clock is clk (nil = real time).
func Start(t testing.TB, clk clock.Clock) *IdP {
	t.Helper()
	if clk == nil {
		clk = clock.System{}
	}
	key, cert := NewKeyPair(t, clk.Now())
	i := &IdP{Cert: cert, sps: map[string]*crewsaml.EntityDescriptor{}}
	i.user = User{NameID: "alice"}
	mux := http.NewServeMux()
	i.Server = httptest.NewServer(mux)
	t.Cleanup(i.Server.Close)
	base, _ := url.Parse(i.Server.URL)
	md, sso := *base, *base
	md.Path, sso.Path = "/metadata", "/sso"
	i.MetadataURL, i.SSOURL = md.String(), sso.String()
	i.IDP = &crewsaml.IdentityProvider{
		Key:                     key,
		Certificate:             cert,
		MetadataURL:             md,
		SSOURL:                  sso,
		ServiceProviderProvider: i,
		SessionProvider:         i,
		AssertionMaker:          i,
		ResponseWriter:          i,
		Clock:                   dsig.NewFakeClock(clockAdapter{clk}),
	}
	mux.HandleFunc("/metadata", i.IDP.ServeMetadata)
	mux.HandleFunc("/sso", i.IDP.ServeSSO)
	return i
}

// NewKeyPair makes an RSA key and a self-signed certificate valid around now.
func NewKeyPair(t testing.TB, now time.Time) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "samltest IdP"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.AddDate(5, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// CertPEM is the IdP certificate in PEM.
func (i *IdP) CertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Cert.Raw}))
}

// EntityID is the IdP's entity ID (its metadata URL).
func (i *IdP) EntityID() string { return i.MetadataURL }

// Configure sets how the IdP answers from now on.
func (i *IdP) Configure(b Behaviour) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if b.User.NameID == "" && len(b.User.Attributes) == 0 {
		b.User = User{NameID: "alice"}
	}
	i.user, i.unsignedResp, i.unsignedAsser, i.encrypt = b.User, b.UnsignedResponse, b.UnsignedAssertion, b.Encrypt
	i.mutate, i.tamper = b.Mutate, b.Tamper
	// Read by crewjam while it answers the next login, which the caller
	// starts after this returns.
	i.IDP.SignatureMethod = b.SignatureMethod
}

// RegisterSP trusts the SP described by its metadata document.
func (i *IdP) RegisterSP(metadata []byte) error {
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(metadata, &ed); err != nil {
		return fmt.Errorf("parse SP metadata: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.sps[ed.EntityID] = &ed
	return nil
}

// RegisterSPFrom fetches the SP metadata from url and registers it.
func (i *IdP) RegisterSPFrom(u string) error {
	res, err := http.Get(u) //nolint:gosec // test helper on loopback
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return i.RegisterSP(body)
}

// GetServiceProvider implements crewsaml.ServiceProviderProvider. Unless
// encryption is on, the SP's encryption key is hidden so assertions stay in
// the clear (tests then can tamper with them).
func (i *IdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	ed, ok := i.sps[id]
	if !ok {
		return nil, os.ErrNotExist
	}
	cp := *ed
	cp.SPSSODescriptors = append([]crewsaml.SPSSODescriptor(nil), ed.SPSSODescriptors...)
	if !i.encrypt {
		for n := range cp.SPSSODescriptors {
			var kds []crewsaml.KeyDescriptor
			for _, kd := range cp.SPSSODescriptors[n].KeyDescriptors {
				if kd.Use != "encryption" && kd.Use != "" {
					kds = append(kds, kd)
				}
			}
			cp.SPSSODescriptors[n].KeyDescriptors = kds
		}
	}
	return &cp, nil
}

// GetSession implements crewsaml.SessionProvider: the user is always signed in.
func (i *IdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	i.mu.Lock()
	defer i.mu.Unlock()
	s := &crewsaml.Session{ID: "sess", NameID: i.user.NameID, NameIDFormat: string(crewsaml.UnspecifiedNameIDFormat)}
	for k, v := range i.user.Attributes {
		s.CustomAttributes = append(s.CustomAttributes, crewsaml.Attribute{
			Name: k, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []crewsaml.AttributeValue{{Type: "xs:string", Value: v}},
		})
	}
	return s
}

// MakeAssertion implements crewsaml.AssertionMaker.
func (i *IdP) MakeAssertion(req *crewsaml.IdpAuthnRequest, s *crewsaml.Session) error {
	if err := (crewsaml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	i.mu.Lock()
	mutate := i.mutate
	i.mu.Unlock()
	if mutate != nil {
		mutate(req.Assertion)
	}
	return nil
}

// WriteResponse implements crewsaml.ResponseWriter.
func (i *IdP) WriteResponse(w http.ResponseWriter, req *crewsaml.IdpAuthnRequest) error {
	i.mu.Lock()
	unsignedResp, unsignedAsser, tamper := i.unsignedResp, i.unsignedAsser, i.tamper
	i.mu.Unlock()
	if unsignedAsser {
		req.AssertionEl = req.Assertion.Element()
	}
	if err := req.MakeResponse(); err != nil {
		return err
	}
	if unsignedResp {
		for _, c := range req.ResponseEl.ChildElements() {
			if c.Tag == "Signature" {
				req.ResponseEl.RemoveChild(c)
			}
		}
	}
	if tamper != nil {
		tamper(req.ResponseEl)
	}
	return req.WriteResponse(w)
}

// Form is the auto-submit form the IdP returns to the browser.
type Form struct {
	Action, SAMLResponse, RelayState string
}

var (
	formAction = regexp.MustCompile(`action="([^"]*)"`)
	formInput  = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)
)

// Login follows the SP's redirect URL to the IdP, as a browser would, and
// returns the form the IdP answers with.
func (i *IdP) Login(authnURL string) (Form, error) {
	res, err := http.Get(authnURL) //nolint:gosec // test helper on loopback
	if err != nil {
		return Form{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return Form{}, err
	}
	if res.StatusCode != http.StatusOK {
		return Form{}, fmt.Errorf("IdP answered %d: %s", res.StatusCode, body)
	}
	var f Form
	if m := formAction.FindSubmatch(body); m != nil {
		f.Action = html.UnescapeString(string(m[1]))
	}
	for _, m := range formInput.FindAllSubmatch(body, -1) {
		v := html.UnescapeString(string(m[2]))
		if string(m[1]) == "SAMLResponse" {
			f.SAMLResponse = v
		} else {
			f.RelayState = v
		}
	}
	if f.Action == "" || f.SAMLResponse == "" {
		return Form{}, errors.New("IdP page has no SAML form: " + string(body))
	}
	return f, nil
}

// Decode returns the Response XML carried by the form.
func (f Form) Decode() ([]byte, error) { return base64.StdEncoding.DecodeString(f.SAMLResponse) }

// WithXML returns the form carrying another Response document.
func (f Form) WithXML(doc []byte) Form {
	f.SAMLResponse = base64.StdEncoding.EncodeToString(doc)
	return f
}

// ParseXML reads a Response document into an etree document.
func ParseXML(doc []byte) (*etree.Document, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, err
	}
	return d, nil
}

// XML writes an etree document back.
func XML(d *etree.Document) []byte {
	var b bytes.Buffer
	_, _ = d.WriteTo(&b)
	return b.Bytes()
}

type clockAdapter struct{ c clock.Clock }

func (a clockAdapter) Now() time.Time                         { return a.c.Now() }
func (a clockAdapter) Since(t time.Time) time.Duration        { return a.c.Now().Sub(t) }
func (a clockAdapter) Until(t time.Time) time.Duration        { return t.Sub(a.c.Now()) }
func (a clockAdapter) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (a clockAdapter) Sleep(d time.Duration)                  { time.Sleep(d) }
func (a clockAdapter) NewTicker(d time.Duration) clockwork.Ticker {
	return clockwork.NewRealClock().NewTicker(d)
}
func (a clockAdapter) NewTimer(d time.Duration) clockwork.Timer {
	return clockwork.NewRealClock().NewTimer(d)
}
func (a clockAdapter) AfterFunc(d time.Duration, f func()) clockwork.Timer {
	return clockwork.NewRealClock().AfterFunc(d, f)
}
