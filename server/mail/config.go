package mail

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TLSMode says how the connection to the SMTP server is secured.
type TLSMode string

// The TLS modes.
const (
	// TLSOpportunistic uses STARTTLS when the server offers it (the default).
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSStartTLS requires STARTTLS; sending fails without it.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (smtps://, usually port 465).
	TLSImplicit TLSMode = "implicit"
	// TLSNone never encrypts, and allows PLAIN/LOGIN auth in the clear.
	TLSNone TLSMode = "none"
)

// DefaultFrom is the sender when none is configured.
const DefaultFrom = "Gatehouse <noreply@localhost>"

// DefaultTimeout bounds the dial and each message's transfer.
const DefaultTimeout = 15 * time.Second

// Config says where mail goes. The zero Host means no SMTP server: mail is
// kept in the outbox table for admins to read.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string // never logged: see LogValue
	TLS      TLSMode
	From     string        // RFC 5322 address, e.g. "Gatehouse <noreply@example.com>"
	Timeout  time.Duration // per dial and per message; 0 = DefaultTimeout
}

// Enabled tells whether an SMTP server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// Addr is host:port of the SMTP server.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// String describes the configuration without the password.
func (c Config) String() string {
	if !c.Enabled() {
		return "outbox (no SMTP server configured)"
	}
	user := ""
	if c.Username != "" {
		user = c.Username + "@"
	}
	return fmt.Sprintf("smtp %s%s tls=%s from=%q", user, c.Addr(), c.TLS, c.From)
}

// LogValue keeps the password out of logs.
func (c Config) LogValue() slog.Value {
	if !c.Enabled() {
		return slog.GroupValue(slog.String("mode", "outbox"), slog.String("from", c.From))
	}
	return slog.GroupValue(
		slog.String("mode", "smtp"),
		slog.String("addr", c.Addr()),
		slog.String("user", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("tls", string(c.TLS)),
		slog.String("from", c.From),
	)
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// ParseConfig reads the mail configuration from the --smtp-url flag value
// or, when it is empty, from the environment through getenv:
//
//	--smtp-url smtp://user:pass@host:port?tls=starttls|mandatory|opportunistic|none&from=addr
//	--smtp-url smtps://user:pass@host:port?from=addr     (implicit TLS, port 465 by default)
//	EMAIL_HOST, EMAIL_PORT (25), EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
//	EMAIL_USE_TLS (true: STARTTLS required), EMAIL_USE_SSL (true: implicit TLS),
//	DEFAULT_FROM_EMAIL (also the sender when the URL has no from=)
//
// With neither an URL nor EMAIL_HOST the result is outbox mode. Errors name
// the flag or variable at fault and never contain the password.
func ParseConfig(smtpURL string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	from := DefaultFrom
	if v := strings.TrimSpace(getenv("DEFAULT_FROM_EMAIL")); v != "" {
		if err := checkAddress(v); err != nil {
			return Config{}, fmt.Errorf("DEFAULT_FROM_EMAIL: %q is not an email address: %w", v, err)
		}
		from = v
	}
	if strings.TrimSpace(smtpURL) != "" {
		return parseURL(strings.TrimSpace(smtpURL), from)
	}
	return parseEnv(getenv, from)
}

func parseURL(raw, from string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url errors quote the input, password included: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return Config{}, fmt.Errorf("--smtp-url: not a valid URL: %v", err)
	}
	cfg := Config{From: from}
	switch u.Scheme {
	case "smtp":
		cfg.TLS, cfg.Port = TLSOpportunistic, 25
	case "smtps":
		cfg.TLS, cfg.Port = TLSImplicit, 465
	default:
		return Config{}, fmt.Errorf("--smtp-url: scheme %q is not supported (want smtp:// or smtps://)", u.Scheme)
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return Config{}, errors.New("--smtp-url: no host (want smtp://user:pass@host:port)")
	}
	if p := u.Port(); p != "" {
		if cfg.Port, err = parsePort(p); err != nil {
			return Config{}, fmt.Errorf("--smtp-url: %w", err)
		}
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	for key, vals := range u.Query() {
		val := vals[len(vals)-1]
		switch key {
		case "tls":
			switch strings.ToLower(val) {
			case "starttls", "mandatory":
				if cfg.TLS == TLSImplicit {
					return Config{}, fmt.Errorf("--smtp-url: tls=%s cannot be used with smtps:// (which is already TLS)", val)
				}
				cfg.TLS = TLSStartTLS
			case "opportunistic", "":
				if cfg.TLS == TLSImplicit {
					return Config{}, fmt.Errorf("--smtp-url: tls=%s cannot be used with smtps:// (which is already TLS)", val)
				}
				cfg.TLS = TLSOpportunistic
			case "none":
				if cfg.TLS == TLSImplicit {
					return Config{}, errors.New("--smtp-url: tls=none cannot be used with smtps:// (use smtp://)")
				}
				cfg.TLS = TLSNone
			default:
				return Config{}, fmt.Errorf("--smtp-url: tls=%q is not one of starttls, mandatory, opportunistic, none", val)
			}
		case "from":
			if err := checkAddress(val); err != nil {
				return Config{}, fmt.Errorf("--smtp-url: from=%q is not an email address: %w", val, err)
			}
			cfg.From = val
		default:
			return Config{}, fmt.Errorf("--smtp-url: unknown parameter %q (known: tls, from)", key)
		}
	}
	return cfg, nil
}

func parseEnv(getenv func(string) string, from string) (Config, error) {
	host := strings.TrimSpace(getenv("EMAIL_HOST"))
	if host == "" {
		return Config{From: from}, nil
	}
	if strings.ContainsAny(host, "/: ") && net.ParseIP(host) == nil {
		return Config{}, fmt.Errorf("EMAIL_HOST: %q is not a host name (put the port in EMAIL_PORT)", host)
	}
	cfg := Config{Host: host, Port: 25, TLS: TLSOpportunistic, From: from}
	cfg.Username = getenv("EMAIL_HOST_USER")
	cfg.Password = getenv("EMAIL_HOST_PASSWORD")
	if p := strings.TrimSpace(getenv("EMAIL_PORT")); p != "" {
		port, err := parsePort(p)
		if err != nil {
			return Config{}, fmt.Errorf("EMAIL_PORT: %w", err)
		}
		cfg.Port = port
	}
	useTLS, err := parseBool("EMAIL_USE_TLS", getenv("EMAIL_USE_TLS"))
	if err != nil {
		return Config{}, err
	}
	useSSL, err := parseBool("EMAIL_USE_SSL", getenv("EMAIL_USE_SSL"))
	if err != nil {
		return Config{}, err
	}
	switch {
	case useTLS && useSSL:
		return Config{}, errors.New("EMAIL_USE_TLS and EMAIL_USE_SSL are both true: set only one (SSL = implicit TLS, usually port 465; TLS = STARTTLS, usually port 587)")
	case useSSL:
		cfg.TLS = TLSImplicit
	case useTLS:
		cfg.TLS = TLSStartTLS
	}
	return cfg, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	return p, nil
}

func parseBool(name, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off", "f", "n":
		return false, nil
	case "1", "true", "yes", "on", "t", "y":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is not a boolean (use true or false)", name, s)
}

func checkAddress(s string) error {
	if _, err := netmail.ParseAddress(s); err != nil {
		return err
	}
	return nil
}
