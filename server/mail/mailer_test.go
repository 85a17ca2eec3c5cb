package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
	"github.com/gatehouse/gatehouse/server/mail"
	"github.com/gatehouse/gatehouse/server/mail/mailpittest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func smtpConfig(addr string) mail.Config {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return mail.Config{Host: host, Port: p, TLS: mail.TLSOpportunistic, From: "Gatehouse <noreply@gatehouse.test>", Timeout: 5 * time.Second}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// uniqueAddr gives each (sub)test its own recipients, so a shared Mailpit
// never mixes them up.
func uniqueAddr(t *testing.T, local string) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace(strings.ToLower(t.Name()))
	return fmt.Sprintf("%s.%s.%d@gatehouse.test", local, name, time.Now().UnixNano())
}

func mailRow(t *testing.T, db *models.DB, to string) models.MailMessage {
	t.Helper()
	var m models.MailMessage
	if err := db.Where("to_addr = ?", to).First(&m).Error; err != nil {
		t.Fatalf("mail to %s: %v", to, err)
	}
	return m
}

func TestDeliverToMailpit(t *testing.T) {
	mp := mailpittest.Start(t)
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		tests := []struct {
			name string
			cfg  func(mail.Config) mail.Config
		}{
			{"no auth", func(c mail.Config) mail.Config { return c }},
			{"auth", func(c mail.Config) mail.Config { c.Username, c.Password = "gh", "pw"; return c }},
			{"tls none with auth", func(c mail.Config) mail.Config {
				c.Username, c.Password, c.TLS = "gh", "pw", mail.TLSNone
				return c
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				clk := clock.NewFake(t0)
				m := mail.New(db, tc.cfg(smtpConfig(mp.SMTPAddr)), clk, newLogger(io.Discard))
				to := uniqueAddr(t, "alice")
				link := "https://gh.example/api/auth/account-confirm-email/KEY123/"
				msg, err := mail.Render("verify_email", map[string]any{"Username": "alice", "Link": link})
				if err != nil {
					t.Fatal(err)
				}
				msg.To = to
				if err := m.Enqueue(ctx, msg); err != nil {
					t.Fatal(err)
				}
				if row := mailRow(t, db, to); row.Status != models.MailQueued {
					t.Fatalf("status after Enqueue = %s", row.Status)
				}
				sent, err := m.DeliverDue(ctx)
				if err != nil || sent != 1 {
					t.Fatalf("DeliverDue = %d, %v; want 1 sent", sent, err)
				}
				row := mailRow(t, db, to)
				if row.Status != models.MailSent || row.SentAt == nil || !row.SentAt.Equal(t0) || row.Attempts != 0 {
					t.Errorf("row after send = %+v", row)
				}
				got, err := mp.LatestTo(ctx, to)
				if err != nil {
					t.Fatal(err)
				}
				if got.Subject != "Confirm your email address for Gatehouse" {
					t.Errorf("subject = %q", got.Subject)
				}
				if links := got.Links(); len(links) == 0 || links[0] != link {
					t.Errorf("links in text = %v, want %s first", links, link)
				}
				if !strings.Contains(got.HTML, `href="`+link+`"`) || !strings.Contains(got.Text, "Hello alice,") {
					t.Errorf("bodies:\n%s\n%s", got.Text, got.HTML)
				}
				if wantUser := tc.cfg(mail.Config{}).Username; got.Username != wantUser {
					t.Errorf("SMTP AUTH user = %q, want %q", got.Username, wantUser)
				}
				if got.From == nil || got.From.Address != "noreply@gatehouse.test" {
					t.Errorf("from = %+v", got.From)
				}
				// Nothing left to do.
				if sent, err := m.DeliverDue(ctx); err != nil || sent != 0 {
					t.Errorf("second DeliverDue = %d, %v", sent, err)
				}
			})
		}
	})
}

func TestOutboxMode(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var logs logBuffer
		cfg, err := mail.ParseConfig("", func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		m := mail.New(db, cfg, clock.NewFake(t0), newLogger(&logs))
		if m.Enabled() {
			t.Fatal("outbox config is Enabled")
		}
		msg, _ := mail.Render("password_reset", map[string]any{"Username": "bob", "Link": "https://gh.example/reset?token=SECRET"})
		msg.To = "bob@example.com"
		if err := m.Enqueue(ctx, msg); err != nil {
			t.Fatal(err)
		}
		if sent, err := m.DeliverDue(ctx); err != nil || sent != 0 {
			t.Fatalf("DeliverDue in outbox mode = %d, %v", sent, err)
		}
		rows, total, err := m.ListOutbox(ctx, 1, 10)
		if err != nil || total != 1 || len(rows) != 1 {
			t.Fatalf("ListOutbox = %v, %d, %v", rows, total, err)
		}
		if r := rows[0]; r.Status != models.MailOutbox || r.ToAddr != "bob@example.com" || !strings.Contains(r.BodyText, "token=SECRET") {
			t.Errorf("outbox row = %+v", r)
		}
		out := logs.String()
		if !strings.Contains(out, "bob@example.com") || !strings.Contains(out, "Reset your Gatehouse password") {
			t.Errorf("log lacks recipient or subject: %s", out)
		}
		if strings.Contains(out, "SECRET") {
			t.Errorf("log shows the body: %s", out)
		}
		if err := m.SendNow(ctx, msg); err == nil || !strings.Contains(err.Error(), "no SMTP server") {
			t.Errorf("SendNow in outbox mode: %v", err)
		}
	})
}

// forwarder stands in for an SMTP server that comes back: it relays
// connections from addr to target.
func forwarder(t *testing.T, addr, target string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer func() { _ = u.Close() }()
				done := make(chan struct{})
				go func() { _, _ = io.Copy(u, c); _ = u.(*net.TCPConn).CloseWrite(); close(done) }()
				_, _ = io.Copy(c, u)
				_ = c.Close()
				<-done
			}()
		}
	}()
}

func TestRetryWhileServerDown(t *testing.T) {
	mp := mailpittest.Start(t)
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		dead := closedAddr(t)
		m := mail.New(db, smtpConfig(dead), clk, newLogger(io.Discard))
		to := uniqueAddr(t, "carol")
		msg, _ := mail.Render("test", nil)
		msg.To = to

		start := time.Now()
		if err := m.Enqueue(ctx, msg); err != nil {
			t.Fatalf("Enqueue with a dead server: %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Enqueue took %v with a dead server", d)
		}
		sent, err := m.DeliverDue(ctx)
		if err != nil || sent != 0 {
			t.Fatalf("DeliverDue = %d, %v; want 0, nil", sent, err)
		}
		row := mailRow(t, db, to)
		if row.Status != models.MailQueued || row.Attempts != 1 || !row.NextAttemptAt.Equal(t0.Add(30*time.Second)) {
			t.Fatalf("after a refused attempt: status %s attempts %d next %v", row.Status, row.Attempts, row.NextAttemptAt)
		}
		wantErr := "smtp " + dead + ": dial: connection refused"
		if row.LastError != wantErr {
			t.Errorf("last_error = %q, want %q", row.LastError, wantErr)
		}
		// Not due yet: no new attempt.
		clk.Advance(29 * time.Second)
		if _, err := m.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if row := mailRow(t, db, to); row.Attempts != 1 {
			t.Fatalf("attempted before the backoff ended: attempts %d", row.Attempts)
		}
		// The server comes back on the same address.
		forwarder(t, dead, mp.SMTPAddr)
		clk.Advance(time.Second)
		sent, err = m.DeliverDue(ctx)
		if err != nil || sent != 1 {
			t.Fatalf("DeliverDue after recovery = %d, %v; want 1", sent, err)
		}
		if row := mailRow(t, db, to); row.Status != models.MailSent || row.LastError != "" {
			t.Errorf("row after recovery = %+v", row)
		}
		if got, err := mp.LatestTo(ctx, to); err != nil || got.Subject != "Gatehouse test message" {
			t.Errorf("Mailpit has %+v, %v", got, err)
		}
	})
}

func TestBackoffUntilFailed(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		m := mail.New(db, smtpConfig(closedAddr(t)), clk, newLogger(io.Discard))
		to := uniqueAddr(t, "dave")
		if err := m.Enqueue(ctx, mail.Message{To: to, Subject: "s", Text: "b"}); err != nil {
			t.Fatal(err)
		}
		wantWaits := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour}
		for attempt := 1; attempt <= mail.MaxAttempts; attempt++ {
			if _, err := m.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			row := mailRow(t, db, to)
			if row.Attempts != attempt {
				t.Fatalf("attempt %d: attempts = %d", attempt, row.Attempts)
			}
			if attempt == mail.MaxAttempts {
				if row.Status != models.MailFailed {
					t.Fatalf("after %d attempts status = %s, want failed", attempt, row.Status)
				}
				break
			}
			wait := wantWaits[attempt-1]
			if row.Status != models.MailQueued || !row.NextAttemptAt.Equal(clk.Now().Add(wait)) {
				t.Fatalf("attempt %d: status %s next %v, want queued at +%v", attempt, row.Status, row.NextAttemptAt, wait)
			}
			clk.Advance(wait)
		}
		clk.Advance(24 * time.Hour)
		if _, err := m.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if row := mailRow(t, db, to); row.Attempts != mail.MaxAttempts {
			t.Errorf("a failed mail was tried again: attempts %d", row.Attempts)
		}
	})
}

func TestConcurrentDeliveryNeverDuplicates(t *testing.T) {
	mp := mailpittest.Start(t)
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		cfg := smtpConfig(mp.SMTPAddr)
		// Two replicas on one database.
		a := mail.New(db, cfg, clk, newLogger(io.Discard))
		b := mail.New(db, cfg, clk, newLogger(io.Discard))
		const n = 25
		addrs := make([]string, n)
		for i := range addrs {
			addrs[i] = uniqueAddr(t, fmt.Sprintf("u%02d", i))
			if err := a.Enqueue(ctx, mail.Message{To: addrs[i], Subject: fmt.Sprintf("m%d", i), Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, m := range []*mail.Mailer{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent, err := m.DeliverDue(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = sent
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != n {
			t.Fatalf("sent %d + %d, want %d in all", counts[0], counts[1], n)
		}
		for _, addr := range addrs {
			list, err := mp.SearchTo(ctx, addr)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 {
				t.Errorf("%s received %d copies", addr, len(list))
			}
		}
	})
}

func TestSendNow(t *testing.T) {
	mp := mailpittest.Start(t)
	db := modelstest.Open(t)
	ctx := context.Background()
	msg, _ := mail.Render("test", nil)

	dead := closedAddr(t)
	m := mail.New(db, smtpConfig(dead), clock.System{}, newLogger(io.Discard))
	msg.To = "x@example.com"
	err := m.SendNow(ctx, msg)
	if want := "smtp " + dead + ": dial: connection refused"; err == nil || err.Error() != want {
		t.Fatalf("SendNow to a dead server = %v, want %q", err, want)
	}
	var serr *mail.SMTPError
	if !errors.As(err, &serr) || serr.Op != "dial" {
		t.Errorf("error is not an SMTPError with Op dial: %#v", err)
	}

	m = mail.New(db, smtpConfig(mp.SMTPAddr), clock.System{}, newLogger(io.Discard))
	msg.To = uniqueAddr(t, "admin")
	if err := m.SendNow(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if got, err := mp.LatestTo(ctx, msg.To); err != nil || got.Subject != msg.Subject {
		t.Errorf("Mailpit has %+v, %v", got, err)
	}
	var queued int64
	db.Model(&models.MailMessage{}).Count(&queued)
	if queued != 0 {
		t.Errorf("SendNow queued %d rows", queued)
	}
}

func TestEnqueueTx(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		m := mail.New(db, smtpConfig(closedAddr(t)), clock.NewFake(t0), newLogger(io.Discard))
		boom := errors.New("business write failed")
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := m.EnqueueTx(tx, mail.Message{To: "rollback@example.com", Subject: "s", Text: "b"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return m.EnqueueTx(tx, mail.Message{To: "commit@example.com", Subject: "s", Text: "b"})
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		db.Model(&models.MailMessage{}).Order("id").Pluck("to_addr", &got)
		if strings.Join(got, ",") != "commit@example.com" {
			t.Errorf("queued = %v, want only the committed mail", got)
		}
	})
}

func TestEnqueueRejectsBadMessages(t *testing.T) {
	db := modelstest.Open(t)
	m := mail.New(db, mail.Config{}, clock.NewFake(t0), newLogger(io.Discard))
	tests := []struct {
		name string
		msg  mail.Message
		want string
	}{
		{"no recipient", mail.Message{Subject: "s", Text: "b"}, "no recipient"},
		{"bad recipient", mail.Message{To: "a@b.c\r\nBcc: x@y.z", Subject: "s", Text: "b"}, "not an email address"},
		{"no subject", mail.Message{To: "a@example.com", Text: "b"}, "no subject"},
		{"no body", mail.Message{To: "a@example.com", Subject: "s"}, "no body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := m.Enqueue(context.Background(), tc.msg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRunDeliversWhenWoken(t *testing.T) {
	mp := mailpittest.Start(t)
	db := modelstest.Open(t)
	m := mail.New(db, smtpConfig(mp.SMTPAddr), clock.System{}, newLogger(io.Discard))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	to := uniqueAddr(t, "run")
	if err := m.Enqueue(context.Background(), mail.Message{To: to, Subject: "from the worker", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if got, err := mp.WaitFor(wctx, to, 1); err != nil || got.Subject != "from the worker" {
		t.Fatalf("worker did not deliver: %+v, %v", got, err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestPrune(t *testing.T) {
	db := modelstest.Open(t)
	clk := clock.NewFake(t0)
	m := mail.New(db, mail.Config{}, clk, newLogger(io.Discard))
	ctx := context.Background()
	if err := m.Enqueue(ctx, mail.Message{To: "old@example.com", Subject: "s", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(48 * time.Hour)
	if err := m.Enqueue(ctx, mail.Message{To: "new@example.com", Subject: "s", Text: "b"}); err != nil {
		t.Fatal(err)
	}
	n, err := m.Prune(ctx, clk.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if _, total, _ := m.ListOutbox(ctx, 1, 10); total != 1 {
		t.Errorf("outbox holds %d, want 1", total)
	}
}
