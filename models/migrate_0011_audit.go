package models

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0011 creates the audit log: one row per security-relevant event
// (sign-ins, role changes, revocations, ...). Rows are never updated; the
// audit-prune job deletes them after the retention period.
var migration0011 = &gormigrate.Migration{
	ID: "0011_audit",
	Migrate: func(tx *gorm.DB) error {
		type AuditEvent struct {
			ID          uint64    `gorm:"primaryKey"`
			CreatedDate time.Time `gorm:"not null;index"`
			Event       string    `gorm:"size:64;not null;index"`
			ActorID     *uint64   `gorm:"index"`
			IP          string    `gorm:"size:64;not null;default:''"`
			TargetType  string    `gorm:"size:32;not null;default:''"`
			TargetID    string    `gorm:"size:64;not null;default:''"`
			Detail      string    `gorm:"type:text;not null;default:'{}'"`
		}
		return tx.Migrator().CreateTable(&AuditEvent{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("audit_events")
	},
}
