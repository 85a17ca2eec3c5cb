// Package saml is Gatehouse's SAML 2.0 service provider: one SP per
// configured identity provider, built on github.com/crewjam/saml. It makes
// the AuthnRequest (HTTP-Redirect binding), checks the Response the IdP
// posts back (HTTP-POST binding) and turns a verified assertion into an
// Identity. It knows nothing of the HTTP server, sessions or users: the
// caller keeps the pending request and decides what the identity means.
package saml

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse/gatehouse/clock"
)

// Errors a caller maps to what it tells the user.
var (
	// ErrIdPUnavailable: the IdP metadata could not be fetched or parsed.
	ErrIdPUnavailable = errors.New("saml: identity provider unavailable")
	// ErrBadSignature: the response is well formed but not trustworthy:
	// unsigned or badly signed, wrong issuer, audience, destination or
	// recipient, outside its validity window, not an answer to our request,
	// or replayed.
	ErrBadSignature = errors.New("saml: response failed verification")
	// ErrInvalidResponse: anything else wrong with the response (not base64,
	// not XML, no subject).
	ErrInvalidResponse = errors.New("saml: invalid response")
	// ErrAccessDenied: the IdP answered our request with an error status
	// (the user cancelled, is not assigned to the application, ...).
	ErrAccessDenied = errors.New("saml: the identity provider refused the sign-in")
	// ErrReplayed is what a ReplayStore returns for an assertion ID it has
	// already recorded.
	ErrReplayed = errors.New("saml: assertion already used")
)

// MaxResponseSize bounds a decoded SAMLResponse.
const MaxResponseSize = 1 << 20

// maxMetadataSize bounds a fetched IdP metadata document.
const maxMetadataSize = 10 << 20

// AttributeMapping names the assertion attributes that carry each account
// field (attribute Name or FriendlyName). Empty UID means the NameID.
type AttributeMapping struct {
	UID           string
	Username      string
	Email         string
	FirstName     string
	LastName      string
	EmailVerified string
}

// Options describe one identity provider, as configured in auth_config.yml.
type Options struct {
	// ID is the IdP's id in the configuration; it is part of our URLs.
	ID string
	// BaseURL is Gatehouse's public URL (scheme://host[:port][/prefix]).
	BaseURL string
	// EntityID is the IdP's entity ID; responses must be issued by it.
	EntityID string
	// MetadataURL, when set, is where the IdP metadata is read from.
	MetadataURL string
	// SSOURL and X509Cert describe the IdP when MetadataURL is empty.
	// X509Cert is PEM, bare base64 DER, or the path of a PEM file.
	SSOURL   string
	X509Cert string
	// Mapping says which attributes hold the account fields.
	Mapping AttributeMapping
	// AllowSHA1 accepts XML signatures made with SHA-1 (rsa-sha1 or a sha1
	// digest), for IdPs too old to sign otherwise. Off, such a response is
	// refused as badly signed: SHA-1 collisions can be forged.
	AllowSHA1 bool
}

// ReplayStore remembers assertion IDs until they expire, across replicas.
type ReplayStore interface {
	// Consume records assertionID of idpID until expiresAt; it returns
	// ErrReplayed when it is recorded already.
	Consume(ctx context.Context, idpID, assertionID string, expiresAt time.Time) error
}

// Config is what every provider shares.
type Config struct {
	Keys *Keys
	// Replay is required: assertions are accepted once.
	Replay ReplayStore
	// Clock tells the time for every check (nil = system clock).
	Clock clock.Clock
	// HTTPClient fetches metadata (nil = a client with FetchTimeout).
	HTTPClient *http.Client
	// FetchTimeout bounds one metadata fetch (default 10s).
	FetchTimeout time.Duration
	// MetadataRefresh is how long fetched metadata is used before it is
	// fetched again (default 1h). A failed refresh keeps the old copy.
	MetadataRefresh time.Duration
	// RetryAfter is how long a failed first fetch is remembered before
	// the next attempt (default 30s), so a dead IdP is not hammered.
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// Provider is the service provider for one IdP. It is safe for concurrent use.
type Provider struct {
	opts        Options
	cfg         Config
	entityID    string // our entity ID = metadata URL
	metadataURL url.URL
	acsURL      url.URL
	dsigClock   *dsig.Clock

	static *crewsaml.EntityDescriptor // from sso_url + x509_cert

	mu        sync.Mutex
	fetched   *crewsaml.EntityDescriptor
	fetchedAt time.Time
	failedAt  time.Time
	failErr   error
}

// New checks the options and builds the provider. It does not touch the
// network: metadata is fetched when first needed.
func New(opts Options, cfg Config) (*Provider, error) {
	if opts.ID == "" {
		return nil, errors.New("saml: provider id is empty")
	}
	if cfg.Keys == nil || cfg.Keys.Key == nil || cfg.Keys.Cert == nil {
		return nil, errors.New("saml: service provider keys are missing")
	}
	if cfg.Replay == nil {
		return nil, errors.New("saml: a replay store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.FetchTimeout}
	}
	if cfg.MetadataRefresh <= 0 {
		cfg.MetadataRefresh = time.Hour
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	bu, err := url.Parse(base)
	if err != nil || (bu.Scheme != "http" && bu.Scheme != "https") || bu.Host == "" {
		return nil, fmt.Errorf("saml: base URL %q: want http(s)://host", opts.BaseURL)
	}
	prefix := base + "/api/auth/saml/" + url.PathEscape(opts.ID)
	md, _ := url.Parse(prefix + "/metadata/")
	acs, _ := url.Parse(prefix + "/acs/")
	p := &Provider{opts: opts, cfg: cfg, entityID: md.String(), metadataURL: *md, acsURL: *acs,
		dsigClock: dsig.NewFakeClock(clockAdapter{cfg.Clock})}
	switch {
	case opts.MetadataURL != "":
		u, err := url.Parse(opts.MetadataURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("saml: metadata_url %q: want an http(s) URL", opts.MetadataURL)
		}
	case opts.SSOURL != "" && opts.X509Cert != "":
		ed, err := staticMetadata(opts)
		if err != nil {
			return nil, err
		}
		p.static = ed
	default:
		return nil, errors.New("saml: set metadata_url, or sso_url and x509_cert")
	}
	return p, nil
}

// ID is the IdP's id.
func (p *Provider) ID() string { return p.opts.ID }

// EntityID is our SP entity ID for this IdP (the metadata URL).
func (p *Provider) EntityID() string { return p.entityID }

// ACSURL is where the IdP posts its responses.
func (p *Provider) ACSURL() string { return p.acsURL.String() }

// staticMetadata describes an IdP from its SSO URL and certificate.
func staticMetadata(opts Options) (*crewsaml.EntityDescriptor, error) {
	u, err := url.Parse(opts.SSOURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("saml: sso_url %q: want an http(s) URL", opts.SSOURL)
	}
	cert, err := ParseCertificate(opts.X509Cert)
	if err != nil {
		return nil, fmt.Errorf("saml: x509_cert: %w", err)
	}
	return &crewsaml.EntityDescriptor{
		EntityID: opts.EntityID,
		IDPSSODescriptors: []crewsaml.IDPSSODescriptor{{
			SSODescriptor: crewsaml.SSODescriptor{RoleDescriptor: crewsaml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors: []crewsaml.KeyDescriptor{{
					Use: "signing",
					KeyInfo: crewsaml.KeyInfo{X509Data: crewsaml.X509Data{X509Certificates: []crewsaml.X509Certificate{
						{Data: base64.StdEncoding.EncodeToString(cert.Raw)},
					}}},
				}},
			}},
			SingleSignOnServices: []crewsaml.Endpoint{
				{Binding: crewsaml.HTTPRedirectBinding, Location: u.String()},
				{Binding: crewsaml.HTTPPostBinding, Location: u.String()},
			},
		}},
	}, nil
}

// ParseCertificate reads a certificate given as PEM, as bare base64 DER (as
// IdP consoles show it), or as the path of a file holding either.
func ParseCertificate(s string) (*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty")
	}
	if !strings.Contains(s, "-----BEGIN") && !looksBase64(s) {
		data, err := os.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("neither PEM, base64 nor a readable file: %w", err)
		}
		s = strings.TrimSpace(string(data))
	}
	var der []byte
	if b, _ := pem.Decode([]byte(s)); b != nil {
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", b.Type)
		}
		der = b.Bytes
	} else {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, fmt.Errorf("not PEM and not base64: %w", err)
		}
		der = raw
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return cert, nil
}

func looksBase64(s string) bool {
	if len(s) < 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' ||
			r == '+' || r == '/' || r == '=' || r == ' ' || r == '\n' || r == '\r' || r == '\t') {
			return false
		}
	}
	return true
}

// idpMetadata returns the IdP metadata: the static description, or the
// fetched copy, fetching it when missing or older than MetadataRefresh.
func (p *Provider) idpMetadata(ctx context.Context) (*crewsaml.EntityDescriptor, error) {
	if p.static != nil {
		return p.static, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.Clock.Now()
	if p.fetched != nil && now.Sub(p.fetchedAt) < p.cfg.MetadataRefresh {
		return p.fetched, nil
	}
	if p.fetched == nil && !p.failedAt.IsZero() && now.Sub(p.failedAt) < p.cfg.RetryAfter {
		return nil, fmt.Errorf("%w: %v", ErrIdPUnavailable, p.failErr)
	}
	ed, err := p.fetch(ctx)
	if err != nil {
		p.cfg.Logger.Warn("saml: fetch IdP metadata", "idp", p.opts.ID, "url", p.opts.MetadataURL, "err", err)
		if p.fetched != nil {
			// Keep using the copy we have; try again after RetryAfter.
			p.fetchedAt = now.Add(p.cfg.RetryAfter - p.cfg.MetadataRefresh)
			return p.fetched, nil
		}
		p.failedAt, p.failErr = now, err
		return nil, fmt.Errorf("%w: %v", ErrIdPUnavailable, err)
	}
	p.fetched, p.fetchedAt, p.failedAt, p.failErr = ed, now, time.Time{}, nil
	return ed, nil
}

func (p *Provider) fetch(ctx context.Context) (*crewsaml.EntityDescriptor, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.opts.MetadataURL, nil)
	if err != nil {
		return nil, fmt.Errorf("metadata request: %w", err)
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get metadata: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get metadata: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	if len(data) > maxMetadataSize {
		return nil, errors.New("metadata larger than 10 MiB")
	}
	var ed *crewsaml.EntityDescriptor
	if p.opts.EntityID != "" {
		ed, err = samlsp.ParseMetadataByEntityID(data, p.opts.EntityID)
	} else {
		ed, err = samlsp.ParseMetadata(data)
	}
	if err != nil {
		return nil, fmt.Errorf("parse metadata: %w", err)
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return nil, errors.New("metadata has no IDPSSODescriptor")
	}
	return ed, nil
}

// sp builds the crewjam service provider for one operation.
func (p *Provider) sp(idp *crewsaml.EntityDescriptor, replay crewsaml.AssertionReplayCache) *crewsaml.ServiceProvider {
	return &crewsaml.ServiceProvider{
		EntityID:                         p.entityID,
		Key:                              p.cfg.Keys.Key,
		Certificate:                      p.cfg.Keys.Cert,
		MetadataURL:                      p.metadataURL,
		AcsURL:                           p.acsURL,
		IDPMetadata:                      idp,
		AuthnNameIDFormat:                crewsaml.UnspecifiedNameIDFormat,
		SendUnspecifiedNameIDFormat:      true,
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		AssertionConsumerServiceBindings: []string{crewsaml.HTTPPostBinding},
		LogoutBindings:                   []string{crewsaml.HTTPPostBinding},
		Clock:                            p.dsigClock,
		ReplayCache:                      replay,
		RejectSHA1Signatures:             !p.opts.AllowSHA1,
		MetadataOmitValidUntil:           true, // imported copies at the IdP never go stale
	}
}

// Metadata is our SP metadata document for this IdP.
func (p *Provider) Metadata() ([]byte, error) {
	md := p.sp(nil, nil).Metadata()
	// We do not offer single logout: drop the endpoint crewjam adds.
	for i := range md.SPSSODescriptors {
		md.SPSSODescriptors[i].SingleLogoutServices = nil
	}
	buf, err := xmlMarshal(md)
	if err != nil {
		return nil, fmt.Errorf("saml metadata: %w", err)
	}
	return buf, nil
}

// RequestID is the AuthnRequest ID used with relayState. Deriving it from
// the RelayState (a secret, single-use value the caller keeps server-side)
// ties the response's InResponseTo to that one pending sign-in without
// storing anything more.
func RequestID(relayState string) string {
	sum := sha256.Sum256([]byte("gatehouse saml request\x00" + relayState))
	return "id-" + hex.EncodeToString(sum[:20])
}

// AuthnRequest makes a signed AuthnRequest for the redirect binding and
// returns the URL to send the browser to and the request ID to expect in
// the response (RequestID(relayState)). relayState comes back unchanged
// with the response.
func (p *Provider) AuthnRequest(ctx context.Context, relayState string) (redirect, requestID string, err error) {
	idp, err := p.idpMetadata(ctx)
	if err != nil {
		return "", "", err
	}
	sp := p.sp(idp, nil)
	ssoURL := sp.GetSSOBindingLocation(crewsaml.HTTPRedirectBinding)
	if ssoURL == "" {
		return "", "", fmt.Errorf("%w: the IdP metadata has no HTTP-Redirect SingleSignOnService", ErrIdPUnavailable)
	}
	req, err := sp.MakeAuthenticationRequest(ssoURL, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", "", fmt.Errorf("saml: make AuthnRequest: %w", err)
	}
	req.ID = RequestID(relayState)
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", fmt.Errorf("saml: encode AuthnRequest: %w", err)
	}
	return u.String(), req.ID, nil
}

// replayAdapter gives crewjam's cache interface a context and our IdP id.
// A store failure is kept apart so it is not mistaken for a bad response.
type replayAdapter struct {
	ctx    context.Context
	store  ReplayStore
	idp    string
	failed *error
}

func (r replayAdapter) Consume(id string, expiresAt time.Time) error {
	if err := r.store.Consume(r.ctx, r.idp, id, expiresAt); err != nil {
		if errors.Is(err, ErrReplayed) {
			return fmt.Errorf("%w: %w", crewsaml.ErrAssertionReplayed, err)
		}
		*r.failed = err
		return err
	}
	return nil
}

// ParseResponse checks the base64 SAMLResponse posted to our ACS as the
// answer to requestID and returns who the IdP vouches for. Every error
// wraps ErrBadSignature, ErrInvalidResponse, ErrAccessDenied or
// ErrIdPUnavailable, or is an internal failure (the replay store could not
// be reached).
func (p *Provider) ParseResponse(ctx context.Context, samlResponse, requestID string) (*Identity, error) {
	raw, err := decodeResponse(samlResponse)
	if err != nil {
		return nil, err
	}
	if requestID == "" {
		return nil, fmt.Errorf("%w: no pending request", ErrBadSignature)
	}
	idp, err := p.idpMetadata(ctx)
	if err != nil {
		return nil, err
	}
	var storeErr error
	sp := p.sp(idp, replayAdapter{ctx: ctx, store: p.cfg.Replay, idp: p.opts.ID, failed: &storeErr})
	assertion, err := sp.ParseXMLResponse(raw, []string{requestID}, p.acsURL)
	if storeErr != nil {
		return nil, fmt.Errorf("saml: record assertion: %w", storeErr)
	}
	if err != nil {
		return nil, classifyError(err)
	}
	return mapIdentity(assertion, p.opts.Mapping)
}

func decodeResponse(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, fmt.Errorf("%w: SAMLResponse is empty", ErrInvalidResponse)
	}
	if base64.StdEncoding.DecodedLen(len(s)) > MaxResponseSize {
		return nil, fmt.Errorf("%w: SAMLResponse is too large", ErrInvalidResponse)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: SAMLResponse is not base64", ErrInvalidResponse)
	}
	return raw, nil
}

// classifyError sorts crewjam's reasons into ours. The detail stays in the
// wrapped error for the log.
func classifyError(err error) error {
	detail := err
	var ire *crewsaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		detail = ire.PrivateErr
	}
	var bad crewsaml.ErrBadStatus
	switch {
	case errors.As(err, &bad):
		return fmt.Errorf("%w: IdP answered status %s", ErrAccessDenied, bad.Status)
	case errors.Is(err, crewsaml.ErrAssertionReplayed),
		errors.Is(err, crewsaml.ErrInvalidSignature),
		errors.Is(err, crewsaml.ErrUntrustedCertificate),
		errors.Is(err, crewsaml.ErrCertificateNotValidNow),
		errors.Is(err, crewsaml.ErrExpired),
		errors.Is(err, crewsaml.ErrNotYetValid),
		errors.Is(err, crewsaml.ErrIssuerMismatch),
		errors.Is(err, crewsaml.ErrDestinationMismatch),
		errors.Is(err, crewsaml.ErrRequestIDMismatch),
		errors.Is(err, crewsaml.ErrAudienceMismatch),
		errors.Is(err, crewsaml.ErrDecryptionFailed):
		return fmt.Errorf("%w: %w", ErrBadSignature, detail)
	case errors.Is(err, crewsaml.ErrMalformedMessage),
		errors.Is(err, crewsaml.ErrMissingElement),
		errors.Is(err, crewsaml.ErrUnsupported):
		// An unsigned message is "missing" a Signature: still a signature
		// failure for the user.
		if strings.Contains(strings.ToLower(detail.Error()), "sign") {
			return fmt.Errorf("%w: %w", ErrBadSignature, detail)
		}
		return fmt.Errorf("%w: %w", ErrInvalidResponse, detail)
	}
	if ire != nil {
		// Everything else crewjam refuses is a failed check of the message.
		return fmt.Errorf("%w: %w", ErrBadSignature, detail)
	}
	return fmt.Errorf("saml: parse response: %w", err)
}
