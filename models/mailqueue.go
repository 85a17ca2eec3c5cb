package models

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Column limits of mail_messages (see migration 0001); longer values are cut
// so that PostgreSQL's varchar checks never reject a row.
const (
	maxMailAddr    = 320
	maxMailSubject = 998
	maxErrorText   = 2000
)

// InsertMail stores m in the mail queue through tx, which may be a caller's
// transaction so that a mail is queued if and only if that transaction
// commits. m.Status and m.NextAttemptAt must be set by the caller; m.ID and
// m.CreatedAt are filled in.
func InsertMail(tx *gorm.DB, m *MailMessage) error {
	m.ToAddr = truncate(m.ToAddr, maxMailAddr)
	m.Subject = truncate(m.Subject, maxMailSubject)
	m.LastError = truncate(m.LastError, maxErrorText)
	m.NextAttemptAt = m.NextAttemptAt.UTC()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = tx.NowFunc()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if err := tx.Create(m).Error; err != nil {
		return fmt.Errorf("queue mail to %s: %w", m.ToAddr, err)
	}
	return nil
}

// ClaimDueMail atomically takes up to limit messages that are due at now
// (status queued, or sending with an expired lock) and marks them sending
// until lockUntil. Concurrent callers, in this process or in other replicas
// on the same database, never receive the same row while its lock holds.
func (db *DB) ClaimDueMail(ctx context.Context, now, lockUntil time.Time, limit int) ([]MailMessage, error) {
	now, lockUntil = now.UTC(), lockUntil.UTC()
	// The outer WHERE repeats the conditions: on PostgreSQL a row that another
	// transaction claimed between our subquery and our update is re-checked
	// and skipped; SKIP LOCKED keeps claimers from queueing behind each other.
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	const due = `status IN (?, ?) AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)`
	q := `UPDATE mail_messages SET status = ?, locked_until = ?
WHERE id IN (SELECT id FROM mail_messages WHERE ` + due + ` ORDER BY id LIMIT ?` + lock + `)
AND ` + due + `
RETURNING id, to_addr, subject, body_text, body_html, status, attempts, next_attempt_at, locked_until, last_error, created_at, sent_at`
	var rows []MailMessage
	err := db.WithContext(ctx).Raw(q,
		MailSending, lockUntil,
		MailQueued, MailSending, now, now, limit,
		MailQueued, MailSending, now, now,
	).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("claim due mail: %w", err)
	}
	return rows, nil
}

// MarkMailSent records that the server accepted message id.
func (db *DB) MarkMailSent(ctx context.Context, id uint64, at time.Time) error {
	at = at.UTC()
	err := db.WithContext(ctx).Model(&MailMessage{}).Where("id = ?", id).
		Updates(map[string]any{
			"status":       MailSent,
			"sent_at":      at,
			"locked_until": nil,
			"last_error":   "",
		}).Error
	if err != nil {
		return fmt.Errorf("mark mail %d sent: %w", id, err)
	}
	return nil
}

// MarkMailAttemptFailed records a failed delivery of message id: attempts is
// the new attempt count and lastErr the reason. With giveUp the message ends
// as failed; otherwise it is queued again for nextAttempt.
func (db *DB) MarkMailAttemptFailed(ctx context.Context, id uint64, attempts int, lastErr string, nextAttempt time.Time, giveUp bool) error {
	status := MailQueued
	if giveUp {
		status = MailFailed
	}
	err := db.WithContext(ctx).Model(&MailMessage{}).Where("id = ?", id).
		Updates(map[string]any{
			"status":          status,
			"attempts":        attempts,
			"last_error":      truncate(lastErr, maxErrorText),
			"next_attempt_at": nextAttempt.UTC(),
			"locked_until":    nil,
		}).Error
	if err != nil {
		return fmt.Errorf("record failed attempt of mail %d: %w", id, err)
	}
	return nil
}

// ListMail returns one page (1-based) of messages with any of the given
// statuses (all when none), newest first, and the total count.
func (db *DB) ListMail(ctx context.Context, statuses []string, page, pageSize int) ([]MailMessage, int64, error) {
	if page < 1 {
		page = 1
	}
	if pageSize < 1 {
		pageSize = 10
	}
	q := db.WithContext(ctx).Model(&MailMessage{})
	if len(statuses) > 0 {
		q = q.Where("status IN ?", statuses)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count mail: %w", err)
	}
	var rows []MailMessage
	err := q.Order("id DESC").Offset((page - 1) * pageSize).Limit(pageSize).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list mail: %w", err)
	}
	return rows, total, nil
}

// GetMail returns message id, or gorm.ErrRecordNotFound (wrapped).
func (db *DB) GetMail(ctx context.Context, id uint64) (MailMessage, error) {
	var m MailMessage
	if err := db.WithContext(ctx).First(&m, id).Error; err != nil {
		return MailMessage{}, fmt.Errorf("get mail %d: %w", id, err)
	}
	return m, nil
}

// PruneMail deletes sent, outbox and failed messages created before
// olderThan and returns how many went. Queued messages are never pruned.
func (db *DB) PruneMail(ctx context.Context, olderThan time.Time) (int64, error) {
	res := db.WithContext(ctx).
		Where("status IN ? AND created_at < ?", []string{MailSent, MailOutbox, MailFailed}, olderThan.UTC()).
		Delete(&MailMessage{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune mail: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Drop the bytes of a rune that the cut split in two.
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// ReleaseMail puts claimed messages back in the queue without counting an
// attempt (a worker stopping before it could send them).
func (db *DB) ReleaseMail(ctx context.Context, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	err := db.WithContext(ctx).Model(&MailMessage{}).
		Where("id IN ? AND status = ?", ids, MailSending).
		Updates(map[string]any{"status": MailQueued, "locked_until": nil}).Error
	if err != nil {
		return fmt.Errorf("release %d claimed mails: %w", len(ids), err)
	}
	return nil
}
