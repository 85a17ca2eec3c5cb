package mail

import (
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		env     map[string]string
		want    Config
		wantErr string // substring; "" = no error
	}{
		{name: "nothing set: outbox", want: Config{From: DefaultFrom}},
		{name: "outbox keeps DEFAULT_FROM_EMAIL", env: map[string]string{"DEFAULT_FROM_EMAIL": "Ops <ops@example.com>"},
			want: Config{From: "Ops <ops@example.com>"}},
		{name: "url plain", url: "smtp://mail.example.com",
			want: Config{Host: "mail.example.com", Port: 25, TLS: TLSOpportunistic, From: DefaultFrom}},
		{name: "url full", url: "smtp://bob:s%40cret@mail.example.com:587?tls=starttls&from=Gate%20%3Cgate@example.com%3E",
			want: Config{Host: "mail.example.com", Port: 587, Username: "bob", Password: "s@cret", TLS: TLSStartTLS, From: "Gate <gate@example.com>"}},
		{name: "url tls=mandatory", url: "smtp://h:2525?tls=mandatory",
			want: Config{Host: "h", Port: 2525, TLS: TLSStartTLS, From: DefaultFrom}},
		{name: "url tls=none", url: "smtp://h?tls=none",
			want: Config{Host: "h", Port: 25, TLS: TLSNone, From: DefaultFrom}},
		{name: "smtps default port", url: "smtps://u:p@h",
			want: Config{Host: "h", Port: 465, Username: "u", Password: "p", TLS: TLSImplicit, From: DefaultFrom}},
		{name: "url wins over env, env from used", url: "smtp://h:1025",
			env:  map[string]string{"EMAIL_HOST": "other", "DEFAULT_FROM_EMAIL": "x@example.com"},
			want: Config{Host: "h", Port: 1025, TLS: TLSOpportunistic, From: "x@example.com"}},
		{name: "ipv6 url", url: "smtp://[::1]:1025", want: Config{Host: "::1", Port: 1025, TLS: TLSOpportunistic, From: DefaultFrom}},
		{name: "env minimal", env: map[string]string{"EMAIL_HOST": "smtp.example.com"},
			want: Config{Host: "smtp.example.com", Port: 25, TLS: TLSOpportunistic, From: DefaultFrom}},
		{name: "env full tls", env: map[string]string{"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "587",
			"EMAIL_HOST_USER": "u", "EMAIL_HOST_PASSWORD": "pw", "EMAIL_USE_TLS": "True", "DEFAULT_FROM_EMAIL": "a@example.com"},
			want: Config{Host: "smtp.example.com", Port: 587, Username: "u", Password: "pw", TLS: TLSStartTLS, From: "a@example.com"}},
		{name: "env ssl", env: map[string]string{"EMAIL_HOST": "h", "EMAIL_PORT": "465", "EMAIL_USE_SSL": "1", "EMAIL_USE_TLS": "false"},
			want: Config{Host: "h", Port: 465, TLS: TLSImplicit, From: DefaultFrom}},

		{name: "bad port env", env: map[string]string{"EMAIL_HOST": "h", "EMAIL_PORT": "abc"}, wantErr: `EMAIL_PORT: "abc" is not a port number`},
		{name: "port out of range", env: map[string]string{"EMAIL_HOST": "h", "EMAIL_PORT": "70000"}, wantErr: `EMAIL_PORT: "70000" is not a port number`},
		{name: "bad bool", env: map[string]string{"EMAIL_HOST": "h", "EMAIL_USE_TLS": "maybe"}, wantErr: `EMAIL_USE_TLS: "maybe" is not a boolean`},
		{name: "tls and ssl", env: map[string]string{"EMAIL_HOST": "h", "EMAIL_USE_TLS": "yes", "EMAIL_USE_SSL": "yes"}, wantErr: "EMAIL_USE_TLS and EMAIL_USE_SSL"},
		{name: "host with port", env: map[string]string{"EMAIL_HOST": "h:25"}, wantErr: "EMAIL_HOST:"},
		{name: "bad from env", env: map[string]string{"DEFAULT_FROM_EMAIL": "not an address"}, wantErr: "DEFAULT_FROM_EMAIL:"},
		{name: "bad scheme", url: "http://h", wantErr: `--smtp-url: scheme "http"`},
		{name: "no host", url: "smtp://:25", wantErr: "--smtp-url: no host"},
		{name: "bad url port", url: "smtp://u:hunter2@h:abc", wantErr: "--smtp-url: not a valid URL"},
		{name: "bad tls", url: "smtp://h?tls=always", wantErr: `--smtp-url: tls="always"`},
		{name: "smtps with starttls", url: "smtps://h?tls=starttls", wantErr: "cannot be used with smtps://"},
		{name: "unknown param", url: "smtp://h?foo=1", wantErr: `--smtp-url: unknown parameter "foo"`},
		{name: "bad from param", url: "smtp://h?from=nope", wantErr: `--smtp-url: from="nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig(tc.url, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if got.Enabled() != (tc.want.Host != "") {
				t.Errorf("Enabled() = %v", got.Enabled())
			}
		})
	}
}

func TestConfigNeverShowsPassword(t *testing.T) {
	cfg := Config{Host: "h", Port: 25, Username: "u", Password: "hunter2", TLS: TLSStartTLS, From: DefaultFrom, Timeout: time.Second}
	for _, s := range []string{cfg.String(), cfg.LogValue().String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%q shows the password", s)
		}
	}
}
