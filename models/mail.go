package models

import "time"

// Mail statuses.
const (
	MailQueued  = "queued"  // waiting for its first or next attempt
	MailSending = "sending" // claimed by a worker until LockedUntil
	MailSent    = "sent"    // accepted by the SMTP server
	MailFailed  = "failed"  // gave up after the last retry
	MailOutbox  = "outbox"  // no SMTP configured: kept here for admins to read
)

// MailMessage is one email in the durable queue (table mail_messages).
type MailMessage struct {
	ID            uint64     `gorm:"primaryKey" json:"id"`
	ToAddr        string     `json:"to"`
	Subject       string     `json:"subject"`
	BodyText      string     `json:"body_text"`
	BodyHTML      string     `json:"body_html"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LockedUntil   *time.Time `json:"-"`
	LastError     string     `json:"last_error"`
	CreatedAt     time.Time  `json:"created_date"`
	SentAt        *time.Time `json:"sent_date"`
}

// CronRun records one run of a scheduled job (table cron_runs). The unique
// (job, tick_at) pair is the lock that lets exactly one replica run a tick.
type CronRun struct {
	ID         uint64     `gorm:"primaryKey" json:"id"`
	Job        string     `json:"job"`
	TickAt     time.Time  `json:"tick_at"`
	Runner     string     `json:"runner"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      string     `json:"error"`
}
