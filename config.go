package main

import (
	"flag"
	"fmt"
	"github.com/gatehouse/gatehouse/server"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// options are the settings shared by the commands that touch the database
// and the mailer. Precedence: flags > environment > defaults.
type options struct {
	HTTP        string
	DataDir     string
	DB          string
	BaseURL     string
	SMTPURL     string
	PoliciesDir string
	PlansFile   string
	AuthConfig  string
	LogLevel    string
	LogFormat   string
	AccessLog   bool

	EmailVerification   string
	TermsOfUseURL       string
	DisableRegistration bool
	AuthRateLimit       int
	TrustedProxies      string
	PprofAddr           string
	BillingNoticeDays   int
	AuditRetentionDays  int
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// defaultBaseURL follows GATEHOUSE_BASE_URL, then the CVAT variables the seed's
// guides use, so their instructions work as written.
func defaultBaseURL() string {
	if v := env("GATEHOUSE_BASE_URL", env("CVAT_BASE_URL", "")); v != "" {
		return v
	}
	if h := env("CVAT_HOST", ""); h != "" {
		if strings.Contains(h, "://") {
			return h
		}
		return "http://" + h
	}
	return ""
}

func envInt(name string, def int) int {
	v := env(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1 // reported by validate as out of range
	}
	return n
}

// register adds the flags; withServer adds those only `serve` needs.
func (o *options) register(fs *flag.FlagSet, withServer bool) {
	fs.StringVar(&o.DataDir, "data-dir", env("GATEHOUSE_DATA_DIR", "gatehouse_data"), "folder for the SQLite database, keys and outbox (env GATEHOUSE_DATA_DIR)")
	fs.StringVar(&o.DB, "db", env("GATEHOUSE_DB", ""), "database URL: sqlite://PATH (default: a file in the data dir) or postgres://user:pass@host:5432/db (env GATEHOUSE_DB)")
	fs.StringVar(&o.SMTPURL, "smtp-url", env("GATEHOUSE_SMTP_URL", ""), "SMTP server, e.g. smtp://user:pass@host:587; unset = EMAIL_* variables, else the outbox (env GATEHOUSE_SMTP_URL)")
	fs.StringVar(&o.BaseURL, "base-url", defaultBaseURL(), "public URL of this server, used in mailed links (env GATEHOUSE_BASE_URL, CVAT_BASE_URL or CVAT_HOST)")
	fs.StringVar(&o.LogLevel, "log-level", env("GATEHOUSE_LOG_LEVEL", "info"), "debug, info, warn or error (env GATEHOUSE_LOG_LEVEL)")
	fs.IntVar(&o.BillingNoticeDays, "billing-notice-days", envInt("GATEHOUSE_BILLING_NOTICE_DAYS", 14), "days between the notice after a cancelled subscription's grace month and the deletion of the excess (env GATEHOUSE_BILLING_NOTICE_DAYS)")
	fs.StringVar(&o.LogFormat, "log-format", env("GATEHOUSE_LOG_FORMAT", "json"), "json or text (env GATEHOUSE_LOG_FORMAT)")
	fs.IntVar(&o.AuditRetentionDays, "audit-retention-days", envInt("GATEHOUSE_AUDIT_RETENTION_DAYS", 365), "days the audit log keeps an event; the audit-prune job deletes older ones (0 = keep forever) (env GATEHOUSE_AUDIT_RETENTION_DAYS)")
	if withServer {
		fs.StringVar(&o.HTTP, "http", env("GATEHOUSE_HTTP", "127.0.0.1:8080"), "address to listen on (env GATEHOUSE_HTTP)")
		fs.StringVar(&o.PoliciesDir, "policies-dir", env("GATEHOUSE_POLICIES_DIR", ""), "folder of .rego files that override the built-in policies (env GATEHOUSE_POLICIES_DIR)")
		fs.StringVar(&o.PlansFile, "plans-file", env("GATEHOUSE_PLANS_FILE", ""), "YAML plan catalog replacing the built-in one (env GATEHOUSE_PLANS_FILE)")
		fs.StringVar(&o.AuthConfig, "auth-config", env("AUTH_CONFIG_PATH", ""), "YAML file with the SSO and social login settings (env AUTH_CONFIG_PATH)")
		fs.StringVar(&o.EmailVerification, "email-verification", env("GATEHOUSE_EMAIL_VERIFICATION", ""), "none, optional or mandatory; default mandatory with SMTP, else none (env GATEHOUSE_EMAIL_VERIFICATION)")
		fs.StringVar(&o.TermsOfUseURL, "terms-url", env("GATEHOUSE_TERMS_URL", ""), "terms of use page that new users must accept (env GATEHOUSE_TERMS_URL)")
		fs.BoolVar(&o.DisableRegistration, "disable-registration", env("GATEHOUSE_DISABLE_REGISTRATION", "false") == "true", "close self-service sign-up (env GATEHOUSE_DISABLE_REGISTRATION)")
		fs.StringVar(&o.TrustedProxies, "trusted-proxies", env("GATEHOUSE_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For names the client (env GATEHOUSE_TRUSTED_PROXIES)")
		fs.IntVar(&o.AuthRateLimit, "auth-rate-limit", envInt("GATEHOUSE_AUTH_RATE_LIMIT", 120), "requests per minute per IP to /api/auth/* (0 = no limit) (env GATEHOUSE_AUTH_RATE_LIMIT)")
		fs.StringVar(&o.PprofAddr, "pprof-addr", env("GATEHOUSE_PPROF_ADDR", ""), "serve Go profiling endpoints on this loopback address, e.g. 127.0.0.1:6060 (off by default)")
		fs.BoolVar(&o.AccessLog, "access-log", env("GATEHOUSE_ACCESS_LOG", "true") == "true", "log one line per request (env GATEHOUSE_ACCESS_LOG)")
	}
}

// validate checks the options and fills derived defaults. Every problem is
// one line naming the flag.
func (o *options) validate(withServer bool) error {
	var problems []string
	if withServer {
		if _, _, err := net.SplitHostPort(o.HTTP); err != nil {
			problems = append(problems, fmt.Sprintf("--http %q: want host:port, e.g. 127.0.0.1:8080", o.HTTP))
		}
	}
	if o.BaseURL == "" {
		host := o.HTTP
		if host == "" {
			host = "127.0.0.1:8080"
		}
		if h, p, err := net.SplitHostPort(host); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			host = net.JoinHostPort("127.0.0.1", p)
		}
		o.BaseURL = "http://" + host
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("--base-url %q: want http(s)://host[:port]", o.BaseURL))
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	switch o.EmailVerification {
	case "", "none", "optional", "mandatory":
	default:
		problems = append(problems, fmt.Sprintf("--email-verification %q: want none, optional or mandatory", o.EmailVerification))
	}
	if o.AuditRetentionDays < 0 {
		problems = append(problems, fmt.Sprintf("--audit-retention-days %d: must be 0 (keep forever) or more", o.AuditRetentionDays))
	}
	if _, err := server.ParseTrustedProxies(o.TrustedProxies); err != nil {
		problems = append(problems, fmt.Sprintf("--trusted-proxies: %v", err))
	}
	if o.AuthRateLimit < 0 {
		problems = append(problems, fmt.Sprintf("--auth-rate-limit %d: must be 0 or more", o.AuthRateLimit))
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		problems = append(problems, err.Error())
	}
	if o.LogFormat != "json" && o.LogFormat != "text" {
		problems = append(problems, fmt.Sprintf("--log-format %q: want json or text", o.LogFormat))
	}
	if len(problems) > 0 {
		return usageErrorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func (o *options) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(o.LogLevel)
	hopts := &slog.HandlerOptions{Level: level}
	if o.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, hopts))
	}
	return slog.New(slog.NewJSONHandler(w, hopts))
}
