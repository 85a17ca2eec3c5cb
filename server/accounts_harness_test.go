package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
	"github.com/gatehouse/gatehouse/policies"
	"github.com/gatehouse/gatehouse/server/mail"
	"github.com/gatehouse/gatehouse/server/mail/mailpittest"
)

// cheapHash keeps tests fast; production uses auth.DefaultParams.
var cheapHash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// accountsEnv is a real server with a real mailer pointed at Mailpit (when
// smtp is on) over a fresh database.
type accountsEnv struct {
	*testServer
	mailer  *mail.Mailer
	mailpit *mailpittest.Server
}

type envOptions struct {
	verification string // none|optional|mandatory
	smtp         bool
	terms        string
	authBudget   int
	db           *models.DB
	policiesDir  string // when set, policies are read (and watched) there too
	auth         *authconfig.Config
	noSignUp     bool // --disable-registration
	// plans is the plan catalog; nil: unlimitedFreePlans, so that fixtures
	// may hold more than the Free plan allows (limits_test.go sets it).
	plans *models.Catalog
	// trustedProxies is --trusted-proxies.
	trustedProxies []netip.Prefix
}

func newAccountsEnv(t *testing.T, o envOptions) *accountsEnv {
	t.Helper()
	db := o.db
	if db == nil {
		db = modelstest.Open(t)
	}
	clk := clock.NewFake(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	var logOut io.Writer = io.Discard
	if os.Getenv("GATEHOUSE_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	env := &accountsEnv{}
	cfg := mail.Config{}
	if o.smtp {
		env.mailpit = mailpittest.Start(t)
		host, port := env.mailpit.SMTPHostPort()
		var err error
		cfg, err = mail.ParseConfig(fmt.Sprintf("smtp://%s:%d?tls=none", host, port), func(string) string { return "" })
		if err != nil {
			t.Fatalf("mail config: %v", err)
		}
	}
	env.mailer = mail.New(db, cfg, clk, log)
	var engine *policies.Engine
	if o.policiesDir != "" {
		var err error
		engine, err = policies.New(context.Background(), policies.Options{Dir: o.policiesDir, Logger: log, PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go engine.Run(ctx)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := New(Config{BaseURL: base, Version: "test", UI: testUI, Accounts: AccountSettings{
		EmailVerification: o.verification, TermsOfUseURL: o.terms, AuthRequestsPerMinute: o.authBudget, AuthCacheTTL: time.Second,
		DisableRegistration: o.noSignUp,
	}, Auth: o.auth, TrustedProxies: o.trustedProxies}, Deps{DB: db, Clock: clk, Logger: log, Mailer: env.mailer, Hasher: auth.NewHasher(cheapHash, 4), Policies: engine,
		Plans: cmp.Or(o.plans, unlimitedFreePlans)})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	env.testServer = &testServer{t: t, srv: srv, db: db, clock: clk, URL: base, client: &http.Client{Timeout: 30 * time.Second}}
	return env
}

var userSeq atomic.Int64

// uniqueName makes a username/email pair no other test uses (Mailpit is shared).
func uniqueName(prefix string) (string, string) {
	n := userSeq.Add(1)
	name := fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1_000_000, n)
	return name, name + "@example.com"
}

const goodPassword = "Tangerine-Lighthouse-42"

// browser is a client with a cookie jar that behaves like the SPA: it sends
// the CSRF header and the Origin on unsafe requests.
type browser struct {
	t      *testing.T
	env    *accountsEnv
	client *http.Client
	// headers are added to every request (e.g. Authorization).
	headers map[string]string
	noCSRF  bool
}

func (e *accountsEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, env: e, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, headers: map[string]string{}}
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.env.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) do(method, path string, body any) response {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.env.URL + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !isSafeMethod(method) && !b.noCSRF {
		req.Header.Set("Origin", b.env.URL)
		if tok := b.cookie(csrfCookie); tok != "" {
			req.Header.Set(csrfHeader, tok)
		}
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// expect fails unless the response has the status and contains every fragment.
func expect(t *testing.T, r response, status int, fragments ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	for _, f := range fragments {
		if !bytes.Contains(r.Body, []byte(f)) {
			t.Fatalf("body %s does not contain %q", r.Body, f)
		}
	}
}

// registerUser creates an account through the API (verification none) and
// returns a signed-in browser.
func (e *accountsEnv) registerUser(prefix string) (*browser, string, string) {
	e.t.Helper()
	name, email := uniqueName(prefix)
	b := e.browser()
	b.do("GET", "/api/server/about", nil) // picks up the csrftoken cookie, like the SPA
	r := b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword})
	expect(e.t, r, 201)
	return b, name, email
}

// makeAdmin promotes a user directly in the database (the CLI does the same).
func (e *accountsEnv) makeAdmin(username string) {
	e.t.Helper()
	if err := e.db.Model(&models.User{}).Where("username_lower = ?", strings.ToLower(username)).Update("role", models.RoleAdmin).Error; err != nil {
		e.t.Fatal(err)
	}
}

// deliver pushes queued mail to Mailpit and returns the newest message to addr.
func (e *accountsEnv) deliver(addr string, n int) mailpittest.Message {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := e.mailer.DeliverDue(ctx); err != nil {
		e.t.Fatalf("deliver mail: %v", err)
	}
	msg, err := e.mailpit.WaitFor(ctx, addr, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return msg
}

// linkWith returns the first link of msg containing fragment.
func linkWith(t *testing.T, msg mailpittest.Message, fragment string) string {
	t.Helper()
	for _, l := range msg.Links() {
		if strings.Contains(l, fragment) {
			return l
		}
	}
	t.Fatalf("no link with %q in mail %q: %s", fragment, msg.Subject, msg.Text)
	return ""
}
