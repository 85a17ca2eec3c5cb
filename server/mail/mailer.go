// Package mail sends Gatehouse's email: templates rendered to text and HTML,
// a durable queue in the mail_messages table delivered over SMTP by a
// background worker (safe with several replicas on one PostgreSQL), and an
// outbox mode that only stores and logs mail when no SMTP server is set.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
)

// Delivery tuning.
const (
	// MaxAttempts is how many times a message is tried before it is failed.
	MaxAttempts = 8
	// PollInterval is how often Run looks for due messages when not woken.
	PollInterval = time.Second
	// batchSize is how many messages one claim takes (one SMTP connection).
	batchSize = 10
)

// backoff[n-1] is the wait after the n-th failed attempt.
var backoff = []time.Duration{
	30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
}

// Backoff returns the wait before the next try after attempts failures.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		return 0
	}
	if attempts > len(backoff) {
		return backoff[len(backoff)-1]
	}
	return backoff[attempts-1]
}

// Mailer queues and delivers mail. It is safe for concurrent use.
type Mailer struct {
	db   *models.DB
	cfg  Config
	clk  clock.Clock
	log  *slog.Logger
	wake chan struct{}
}

// New returns a Mailer that keeps its queue in db and delivers it as cfg
// says (or keeps it in the outbox when cfg is not Enabled). A nil clk means
// the system clock, a nil log slog.Default().
func New(db *models.DB, cfg Config, clk clock.Clock, log *slog.Logger) *Mailer {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	return &Mailer{db: db, cfg: cfg, clk: clk, log: log.With("component", "mail"), wake: make(chan struct{}, 1)}
}

// Config returns the configuration the Mailer was made with.
func (m *Mailer) Config() Config { return m.cfg }

// Enabled tells whether mail is sent over SMTP (false: outbox mode).
func (m *Mailer) Enabled() bool { return m.cfg.Enabled() }

// Enqueue stores msg for delivery. It never talks to the SMTP server, so a
// slow or dead server cannot block the caller.
func (m *Mailer) Enqueue(ctx context.Context, msg Message) error {
	return m.EnqueueTx(m.db.WithContext(ctx), msg)
}

// EnqueueTx stores msg through tx, a caller's transaction, so that the mail
// is queued if and only if the caller's writes commit. The worker picks the
// message up at its next poll (about a second); call Wake after the commit
// to have it go at once.
func (m *Mailer) EnqueueTx(tx *gorm.DB, msg Message) error {
	msg, err := clean(msg)
	if err != nil {
		return err
	}
	now := m.clk.Now()
	row := models.MailMessage{
		ToAddr:        msg.To,
		Subject:       msg.Subject,
		BodyText:      msg.Text,
		BodyHTML:      msg.HTML,
		Status:        models.MailQueued,
		NextAttemptAt: now,
		CreatedAt:     now,
	}
	if !m.cfg.Enabled() {
		row.Status = models.MailOutbox
	}
	if err := models.InsertMail(tx, &row); err != nil {
		return err
	}
	if row.Status == models.MailOutbox {
		// Bodies may hold one-time links: log who and what, never the body.
		m.log.Info("mail kept in the outbox (no SMTP server configured)",
			"mail_id", row.ID, "to", row.ToAddr, "subject", row.Subject)
		return nil
	}
	m.log.Debug("mail queued", "mail_id", row.ID, "to", row.ToAddr, "subject", row.Subject)
	m.Wake()
	return nil
}

// Wake makes a running worker look for due mail now.
func (m *Mailer) Wake() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run delivers queued mail until ctx ends: at every PollInterval and
// whenever Enqueue wakes it. In outbox mode it only waits for ctx.
func (m *Mailer) Run(ctx context.Context) {
	if !m.cfg.Enabled() {
		m.log.Info("mail delivery off: messages go to the outbox", "config", m.cfg)
		<-ctx.Done()
		return
	}
	m.log.Info("mail delivery started", "config", m.cfg)
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		if _, err := m.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("mail delivery pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			m.log.Info("mail delivery stopped")
			return
		case <-tick.C:
		case <-m.wake:
		}
	}
}

// DeliverDue claims the messages that are due, sends them over one SMTP
// connection per batch and records the outcome of each; it repeats until
// nothing is due and returns how many were sent. A failed message is
// retried later with exponential backoff (see Backoff), and failed for good
// after MaxAttempts. In outbox mode it does nothing.
func (m *Mailer) DeliverDue(ctx context.Context) (int, error) {
	if !m.cfg.Enabled() {
		return 0, nil
	}
	total := 0
	for ctx.Err() == nil {
		now := m.clk.Now()
		// The lock outlives a whole batch at its slowest (dial + every
		// message timing out); a crashed worker's rows are retaken after it.
		lockUntil := now.Add(m.cfg.timeout() * (batchSize + 2))
		rows, err := m.db.ClaimDueMail(ctx, now, lockUntil, batchSize)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			break
		}
		sent, err := m.deliver(ctx, rows)
		total += sent
		if err != nil {
			return total, err
		}
		if len(rows) < batchSize {
			break
		}
	}
	return total, nil
}

// deliver sends the claimed rows and records each outcome.
func (m *Mailer) deliver(ctx context.Context, rows []models.MailMessage) (sent int, err error) {
	client, err := m.client()
	if err != nil {
		return 0, errors.Join(err, m.release(ctx, rows))
	}
	// Bookkeeping after a send must happen even when ctx ends meanwhile, or
	// the message would be sent again once its lock expires.
	bctx := context.WithoutCancel(ctx)
	var conn *smtp.Client
	defer func() {
		if conn != nil {
			_ = client.CloseWithSMTPClient(conn)
		}
	}()
	for i, row := range rows {
		if ctx.Err() != nil {
			return sent, m.release(ctx, rows[i:])
		}
		if conn == nil {
			c, derr := client.DialToSMTPClientWithContext(ctx)
			if derr != nil {
				if ctx.Err() != nil {
					return sent, m.release(ctx, rows[i:])
				}
				// The server is unreachable: every claimed message waits.
				serr := &SMTPError{Addr: m.cfg.Addr(), Op: dialOp(derr), Err: derr}
				for _, r := range rows[i:] {
					if err := m.recordFailure(bctx, r, serr, false); err != nil {
						return sent, err
					}
				}
				return sent, nil
			}
			conn = c
		}
		msg, err := m.build(row)
		if err != nil {
			// A message that cannot be built never will be: fail it now.
			if err := m.recordFailure(bctx, row, err, true); err != nil {
				return sent, err
			}
			continue
		}
		if serr := client.SendWithSMTPClient(conn, msg); serr != nil {
			// The connection may be in any state now: start afresh.
			_ = client.CloseWithSMTPClient(conn)
			conn = nil
			if err := m.recordFailure(bctx, row, &SMTPError{Addr: m.cfg.Addr(), Op: "send", Err: serr}, false); err != nil {
				return sent, err
			}
			continue
		}
		if err := m.db.MarkMailSent(bctx, row.ID, m.clk.Now()); err != nil {
			return sent, err
		}
		sent++
		m.log.Info("mail sent", "mail_id", row.ID, "to", row.ToAddr, "subject", row.Subject, "attempt", row.Attempts+1)
	}
	return sent, nil
}

// recordFailure counts a failed attempt and schedules the next one, or
// fails the message after MaxAttempts or when the failure is permanent.
func (m *Mailer) recordFailure(ctx context.Context, row models.MailMessage, cause error, permanent bool) error {
	attempts := row.Attempts + 1
	now := m.clk.Now()
	giveUp := permanent || attempts >= MaxAttempts
	next := now.Add(Backoff(attempts))
	if giveUp {
		next = now
	}
	if err := m.db.MarkMailAttemptFailed(ctx, row.ID, attempts, cause.Error(), next, giveUp); err != nil {
		return err
	}
	if giveUp {
		m.log.Error("mail failed for good", "mail_id", row.ID, "to", row.ToAddr, "subject", row.Subject,
			"attempts", attempts, "error", cause)
		return nil
	}
	m.log.Warn("mail not sent, will retry", "mail_id", row.ID, "to", row.ToAddr, "attempt", attempts,
		"next_attempt_at", next, "error", cause)
	return nil
}

// release puts claimed but unsent rows back in the queue untouched (the
// worker is stopping), so that another worker need not wait for the lock.
func (m *Mailer) release(ctx context.Context, rows []models.MailMessage) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return m.db.ReleaseMail(rctx, ids)
}

// SendNow sends msg at once, bypassing the queue, and says why it failed,
// e.g. "smtp 127.0.0.1:2525: dial: connection refused". It is for
// `gatehouse admin send-test-mail` and needs an SMTP server.
func (m *Mailer) SendNow(ctx context.Context, msg Message) error {
	if !m.cfg.Enabled() {
		return errors.New("no SMTP server is configured (mail goes to the outbox): set --smtp-url or EMAIL_HOST")
	}
	msg, err := clean(msg)
	if err != nil {
		return err
	}
	client, err := m.client()
	if err != nil {
		return err
	}
	gm, err := m.build(models.MailMessage{
		ToAddr: msg.To, Subject: msg.Subject, BodyText: msg.Text, BodyHTML: msg.HTML, CreatedAt: m.clk.Now(),
	})
	if err != nil {
		return err
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return &SMTPError{Addr: m.cfg.Addr(), Op: dialOp(err), Err: err}
	}
	if err := client.SendWithSMTPClient(conn, gm); err != nil {
		_ = client.CloseWithSMTPClient(conn)
		return &SMTPError{Addr: m.cfg.Addr(), Op: "send", Err: err}
	}
	if err := client.CloseWithSMTPClient(conn); err != nil {
		m.log.Debug("closing SMTP connection", "error", err)
	}
	m.log.Info("mail sent directly", "to", msg.To, "subject", msg.Subject)
	return nil
}

// ListOutbox returns one page (1-based) of the messages kept in the outbox,
// newest first, and their total count.
func (m *Mailer) ListOutbox(ctx context.Context, page, pageSize int) ([]models.MailMessage, int64, error) {
	return m.db.ListMail(ctx, []string{models.MailOutbox}, page, pageSize)
}

// Prune deletes sent, outbox and failed messages created before olderThan.
func (m *Mailer) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	n, err := m.db.PruneMail(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		m.log.Info("old mail pruned", "count", n, "older_than", olderThan)
	}
	return n, nil
}

// client makes a go-mail client for the configured server. It does not
// connect.
func (m *Mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.timeout())}
	switch m.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if m.cfg.Username != "" {
		// PLAIN and LOGIN go only over TLS (or to localhost) unless the
		// operator chose tls=none and so accepted clear text.
		plain, login := gomail.SMTPAuthPlain, gomail.SMTPAuthLogin
		if m.cfg.TLS == TLSNone {
			plain, login = gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				plain, login, gomail.SMTPAuthCramMD5),
			gomail.WithUsername(m.cfg.Username),
			gomail.WithPassword(m.cfg.Password),
		)
	}
	c, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp %s: configure client: %w", m.cfg.Addr(), err)
	}
	return c, nil
}

// build turns a stored row into a MIME message.
func (m *Mailer) build(row models.MailMessage) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", m.cfg.From, err)
	}
	if err := msg.To(row.ToAddr); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", row.ToAddr, err)
	}
	msg.Subject(row.Subject)
	msg.SetDateWithValue(row.CreatedAt)
	// A stable Message-ID lets mail clients drop the copy of a message that a
	// crashed worker had already handed over before it could record it.
	domain := "localhost"
	if a, err := netmail.ParseAddress(m.cfg.From); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	if row.ID != 0 {
		msg.SetMessageIDWithValue(fmt.Sprintf("gatehouse.%d.%d@%s", row.ID, row.CreatedAt.UnixNano(), domain))
	} else {
		msg.SetMessageID()
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, row.BodyText)
	if row.BodyHTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, row.BodyHTML)
	}
	return msg, nil
}

// clean checks a message before it is stored or sent.
func clean(msg Message) (Message, error) {
	msg.To = strings.TrimSpace(msg.To)
	if msg.To == "" {
		return msg, errors.New("mail has no recipient")
	}
	if _, err := netmail.ParseAddress(msg.To); err != nil {
		return msg, fmt.Errorf("mail recipient %q is not an email address: %w", msg.To, err)
	}
	msg.Subject = strings.Join(strings.Fields(msg.Subject), " ")
	if msg.Subject == "" {
		return msg, fmt.Errorf("mail to %s has no subject", msg.To)
	}
	if msg.Text == "" && msg.HTML == "" {
		return msg, fmt.Errorf("mail to %s has no body", msg.To)
	}
	return msg, nil
}
