// Command testidp runs a throw-away OpenID Connect provider (mockoidc) for
// browser tests of Gatehouse's single sign-on. It prints one JSON line with
// the issuer and client credentials to put in an auth config file, then
// signs in the same person on every authorization request until stopped.
//
//	go run ./cmd/testidp -addr 127.0.0.1:0 -email ann@corp.example -verified=true
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/oauth2-proxy/mockoidc"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "testidp:", err)
		os.Exit(1)
	}
}

// info is what the caller needs to configure the IdP.
type info struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("testidp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	email := fs.String("email", "jane.doe@example.com", "email of the person every sign-in returns")
	verified := fs.Bool("verified", true, "whether the IdP says the email is verified")
	username := fs.String("username", "", "preferred_username claim (default: the email's local part)")
	subject := fs.String("subject", "", "sub claim (default: derived from the email)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	user := &mockoidc.MockUser{
		Subject: *subject, Email: *email, EmailVerified: *verified, PreferredUsername: *username,
	}
	if user.Subject == "" {
		user.Subject = "testidp-" + strings.ToLower(*email)
	}
	if user.PreferredUsername == "" {
		user.PreferredUsername, _, _ = strings.Cut(*email, "@")
	}
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return err
	}
	// Every authorization signs in the configured person.
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case mockoidc.AuthorizationEndpoint:
				m.QueueUser(user)
			case mockoidc.TokenEndpoint:
				basicToForm(r)
			}
			next.ServeHTTP(w, r)
		})
	}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	if err := m.Start(ln, nil); err != nil {
		return err
	}
	defer func() { _ = m.Shutdown() }()
	line, err := json.Marshal(info{Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "testidp: signing in %s (verified: %v) at %s\n", user.Email, user.EmailVerified, m.Issuer())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

// basicToForm moves HTTP Basic client credentials into the form: mockoidc
// reads them only from the form, but announces client_secret_basic (first)
// as well, which clients then use.
func basicToForm(r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	form, _ := url.ParseQuery(string(raw))
	if u, err := url.QueryUnescape(id); err == nil {
		id = u
	}
	if u, err := url.QueryUnescape(secret); err == nil {
		secret = u
	}
	form.Set("client_id", id)
	form.Set("client_secret", secret)
	body := form.Encode()
	r.Header.Del("Authorization")
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
}
