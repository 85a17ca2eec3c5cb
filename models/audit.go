package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditEvent is one row of the audit log. Detail is a JSON object of
// non-secret facts about the event (never passwords, tokens or keys).
type AuditEvent struct {
	ID          uint64 `gorm:"primaryKey"`
	CreatedDate time.Time
	Event       string
	ActorID     *uint64
	IP          string
	TargetType  string
	TargetID    string
	Detail      string
}

// Column limits of audit_events (see migration 0011).
const (
	maxAuditEvent  = 64
	maxAuditIP     = 64
	maxAuditTarget = 64
)

// CreateAuditEventTx appends ev to the audit log inside tx, so an event of
// a change that rolls back is rolled back with it.
func CreateAuditEventTx(tx *gorm.DB, ev *AuditEvent) error {
	ev.Event = truncate(ev.Event, maxAuditEvent)
	ev.IP = truncate(ev.IP, maxAuditIP)
	ev.TargetType = truncate(ev.TargetType, 32)
	ev.TargetID = truncate(ev.TargetID, maxAuditTarget)
	ev.CreatedDate = ev.CreatedDate.UTC()
	if ev.Detail == "" {
		ev.Detail = "{}"
	}
	if err := tx.Create(ev).Error; err != nil {
		return fmt.Errorf("record audit event %s: %w", ev.Event, err)
	}
	return nil
}

// AuditQuery narrows the audit log. Zero fields do not filter.
type AuditQuery struct {
	// Event is an exact event name, or a prefix when it ends with "." or
	// "*" ("auth." and "auth.*" both match every auth event).
	Event string
	// Actor is a user id or a username (case-insensitive).
	Actor string
	// Search matches, case-insensitively, a part of the event, IP, target,
	// detail or the actor's username.
	Search string
	// From and To bound created_date: From <= created_date < To.
	From, To *time.Time
}

// AuditRow is an event with its actor's username ("" when the actor's
// account is gone).
type AuditRow struct {
	AuditEvent
	ActorUsername *string
}

// AuditRows builds the filtered query of the audit log (not yet ordered or
// paged), joined with the actors' usernames.
func (db *DB) AuditRows(ctx context.Context, q AuditQuery) *gorm.DB {
	tx := db.WithContext(ctx).Table("audit_events").
		Select("audit_events.*, users.username AS actor_username").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id")
	if ev := strings.TrimSpace(q.Event); ev != "" {
		if p, ok := strings.CutSuffix(ev, "*"); ok || strings.HasSuffix(ev, ".") {
			if !ok {
				p = ev
			}
			tx = tx.Where("audit_events.event LIKE ? ESCAPE '\\'", escapeLike(p)+"%")
		} else {
			tx = tx.Where("audit_events.event = ?", ev)
		}
	}
	if a := strings.TrimSpace(q.Actor); a != "" {
		if id, err := strconv.ParseUint(a, 10, 64); err == nil {
			tx = tx.Where("audit_events.actor_id = ?", id)
		} else {
			tx = tx.Where("users.username_lower = ?", strings.ToLower(a))
		}
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		like := "%" + escapeLike(strings.ToLower(s)) + "%"
		var conds []string
		var args []any
		for _, col := range []string{"audit_events.event", "audit_events.ip", "audit_events.target_type",
			"audit_events.target_id", "audit_events.detail", "users.username_lower"} {
			conds = append(conds, "LOWER("+col+") LIKE ? ESCAPE '\\'")
			args = append(args, like)
		}
		tx = tx.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if q.From != nil {
		tx = tx.Where("audit_events.created_date >= ?", q.From.UTC())
	}
	if q.To != nil {
		tx = tx.Where("audit_events.created_date < ?", q.To.UTC())
	}
	return tx
}

// PruneAuditEvents deletes events created before olderThan.
func (db *DB) PruneAuditEvents(ctx context.Context, olderThan time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("created_date < ?", olderThan.UTC()).Delete(&AuditEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune audit events: %w", res.Error)
	}
	return res.RowsAffected, nil
}
