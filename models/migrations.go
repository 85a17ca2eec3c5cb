package models

import (
	"context"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations is the ordered list of schema versions. Each migration carries a
// frozen copy of the tables it creates, so later changes to the entity structs
// never rewrite history. Append only; never edit a released migration.
var migrations = []*gormigrate.Migration{
	{
		ID: "0001_foundation",
		Migrate: func(tx *gorm.DB) error {
			type MailMessage struct {
				ID            uint64    `gorm:"primaryKey"`
				ToAddr        string    `gorm:"size:320;not null"`
				Subject       string    `gorm:"size:998;not null"`
				BodyText      string    `gorm:"type:text;not null"`
				BodyHTML      string    `gorm:"type:text;not null"`
				Status        string    `gorm:"size:16;not null;index:idx_mail_due,priority:1"`
				Attempts      int       `gorm:"not null;default:0"`
				NextAttemptAt time.Time `gorm:"not null;index:idx_mail_due,priority:2"`
				LockedUntil   *time.Time
				LastError     string    `gorm:"size:2000;not null;default:''"`
				CreatedAt     time.Time `gorm:"not null"`
				SentAt        *time.Time
			}
			type CronRun struct {
				ID         uint64    `gorm:"primaryKey"`
				Job        string    `gorm:"size:64;not null;uniqueIndex:idx_cron_tick,priority:1"`
				TickAt     time.Time `gorm:"not null;uniqueIndex:idx_cron_tick,priority:2"`
				Runner     string    `gorm:"size:128;not null"`
				StartedAt  time.Time `gorm:"not null"`
				FinishedAt *time.Time
				Error      string `gorm:"size:2000;not null;default:''"`
			}
			return tx.Migrator().CreateTable(&MailMessage{}, &CronRun{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("mail_messages", "cron_runs")
		},
	},
}

// Migrate brings the schema to the newest version. It is safe to run on every
// start and from several replicas: gormigrate records applied IDs.
func (db *DB) Migrate(ctx context.Context) error {
	m := gormigrate.New(db.WithContext(ctx), &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              64,
		UseTransaction:            true,
		ValidateUnknownMigrations: true,
	}, migrations)
	if err := m.Migrate(); err != nil {
		return fmt.Errorf("migrate %s database: %w", db.Dialect, err)
	}
	return nil
}

// SchemaVersion returns the ID of the newest migration the code knows.
func SchemaVersion() string { return migrations[len(migrations)-1].ID }
