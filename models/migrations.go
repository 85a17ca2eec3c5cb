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
	{
		ID: "0002_accounts",
		Migrate: func(tx *gorm.DB) error {
			type User struct {
				ID                uint64    `gorm:"primaryKey"`
				Username          string    `gorm:"size:150;not null"`
				UsernameLower     string    `gorm:"size:150;not null;uniqueIndex"`
				Email             string    `gorm:"size:254;not null;default:''"`
				EmailLower        *string   `gorm:"size:254;uniqueIndex"`
				PasswordHash      string    `gorm:"size:256;not null;default:''"`
				FirstName         string    `gorm:"size:150;not null;default:''"`
				LastName          string    `gorm:"size:150;not null;default:''"`
				Role              string    `gorm:"size:16;not null;default:'user'"`
				IsActive          bool      `gorm:"not null;default:true"`
				EmailVerified     bool      `gorm:"not null;default:false"`
				DateJoined        time.Time `gorm:"not null"`
				LastLogin         *time.Time
				PasswordChangedAt time.Time `gorm:"not null"`
				UpdatedAt         time.Time `gorm:"not null"`
			}
			type Session struct {
				ID          uint64    `gorm:"primaryKey"`
				UserID      uint64    `gorm:"not null;index"`
				User        *User     `gorm:"constraint:OnDelete:CASCADE"`
				SessionHash string    `gorm:"size:64;not null;uniqueIndex"`
				TokenHash   string    `gorm:"size:64;not null;uniqueIndex"`
				CreatedAt   time.Time `gorm:"not null"`
				LastSeenAt  time.Time `gorm:"not null"`
				ExpiresAt   time.Time `gorm:"not null;index"`
				IP          string    `gorm:"size:64;not null;default:''"`
				UserAgent   string    `gorm:"size:512;not null;default:''"`
			}
			type AccessToken struct {
				ID         uint64 `gorm:"primaryKey"`
				UserID     uint64 `gorm:"not null;index"`
				User       *User  `gorm:"constraint:OnDelete:CASCADE"`
				Name       string `gorm:"size:128;not null"`
				TokenHash  string `gorm:"size:64;not null;uniqueIndex"`
				ReadOnly   bool   `gorm:"not null;default:false"`
				ExpiresAt  *time.Time
				CreatedAt  time.Time `gorm:"not null"`
				LastUsedAt *time.Time
			}
			type OneTimeToken struct {
				ID        uint64    `gorm:"primaryKey"`
				Purpose   string    `gorm:"size:32;not null;index:idx_ott_user,priority:2"`
				TokenHash string    `gorm:"size:64;not null;uniqueIndex"`
				UserID    *uint64   `gorm:"index:idx_ott_user,priority:1"`
				User      *User     `gorm:"constraint:OnDelete:CASCADE"`
				Email     string    `gorm:"size:254;not null;default:''"`
				CreatedAt time.Time `gorm:"not null"`
				ExpiresAt time.Time `gorm:"not null"`
				UsedAt    *time.Time
			}
			type LoginFailure struct {
				ID         uint64    `gorm:"primaryKey"`
				AccountKey string    `gorm:"size:254;not null;index:idx_fail_account,priority:1"`
				IP         string    `gorm:"size:64;not null;index:idx_fail_ip,priority:1"`
				At         time.Time `gorm:"not null;index:idx_fail_account,priority:2;index:idx_fail_ip,priority:2"`
			}
			type RateCounter struct {
				Key         string    `gorm:"primaryKey;size:200"`
				WindowStart time.Time `gorm:"primaryKey"`
				Count       int       `gorm:"not null"`
			}
			return tx.Migrator().CreateTable(&User{}, &Session{}, &AccessToken{}, &OneTimeToken{}, &LoginFailure{}, &RateCounter{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("rate_counters", "login_failures", "one_time_tokens", "access_tokens", "sessions", "users")
		},
	},
	{
		ID: "0003_organizations",
		Migrate: func(tx *gorm.DB) error {
			type User struct {
				ID uint64 `gorm:"primaryKey"`
			}
			type Organization struct {
				ID          uint64    `gorm:"primaryKey"`
				Slug        string    `gorm:"size:16;not null"`
				SlugLower   string    `gorm:"size:16;not null;uniqueIndex"`
				Name        string    `gorm:"size:64;not null;default:''"`
				Description string    `gorm:"type:text;not null;default:''"`
				Contact     string    `gorm:"type:text;not null;default:'{}'"`
				OwnerID     *uint64   `gorm:"index"`
				Owner       *User     `gorm:"constraint:OnDelete:SET NULL"`
				CreatedAt   time.Time `gorm:"not null"`
				UpdatedAt   time.Time `gorm:"not null"`
			}
			type Membership struct {
				ID             uint64        `gorm:"primaryKey"`
				UserID         uint64        `gorm:"not null;uniqueIndex:idx_membership_user_org,priority:1"`
				User           *User         `gorm:"constraint:OnDelete:CASCADE"`
				OrganizationID uint64        `gorm:"not null;uniqueIndex:idx_membership_user_org,priority:2;index"`
				Organization   *Organization `gorm:"constraint:OnDelete:CASCADE"`
				Role           string        `gorm:"size:16;not null"`
				IsActive       bool          `gorm:"not null;default:true"`
				JoinedAt       *time.Time
				InvitationKey  *string `gorm:"size:64"`
			}
			type Invitation struct {
				ID             uint64        `gorm:"primaryKey"`
				Key            string        `gorm:"size:64;not null;uniqueIndex"`
				TokenHash      string        `gorm:"size:64;not null;uniqueIndex"`
				OrganizationID uint64        `gorm:"not null;index"`
				Organization   *Organization `gorm:"constraint:OnDelete:CASCADE"`
				OwnerID        *uint64       `gorm:"index"`
				Owner          *User         `gorm:"foreignKey:OwnerID;constraint:OnDelete:SET NULL"`
				Email          string        `gorm:"size:254;not null"`
				EmailLower     string        `gorm:"size:254;not null;index"`
				InviteeID      *uint64       `gorm:"index"`
				Invitee        *User         `gorm:"foreignKey:InviteeID;constraint:OnDelete:CASCADE"`
				Role           string        `gorm:"size:16;not null"`
				CreatedAt      time.Time     `gorm:"not null"`
				SentAt         time.Time     `gorm:"not null"`
				ExpiresAt      time.Time     `gorm:"not null"`
				AcceptedAt     *time.Time
				RemovedAt      *time.Time
			}
			return tx.Migrator().CreateTable(&Organization{}, &Membership{}, &Invitation{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("invitations", "memberships", "organizations")
		},
	},
	{
		ID: "0004_resources",
		Migrate: func(tx *gorm.DB) error {
			type User struct {
				ID uint64 `gorm:"primaryKey"`
			}
			type Organization struct {
				ID uint64 `gorm:"primaryKey"`
			}
			type CloudStorage struct {
				ID                 uint64        `gorm:"primaryKey"`
				DisplayName        string        `gorm:"size:63;not null"`
				ProviderType       string        `gorm:"size:32;not null;index:idx_cloud_storage_match,priority:2"`
				Resource           string        `gorm:"size:222;not null;index:idx_cloud_storage_match,priority:3"`
				CredentialsType    string        `gorm:"size:32;not null;default:'ANONYMOUS_ACCESS'"`
				Description        string        `gorm:"type:text;not null;default:''"`
				SpecificAttributes string        `gorm:"size:1024;not null;default:''"`
				OwnerID            *uint64       `gorm:"index"`
				Owner              *User         `gorm:"foreignKey:OwnerID;constraint:OnDelete:SET NULL"`
				OrganizationID     *uint64       `gorm:"index:idx_cloud_storage_match,priority:1"`
				Organization       *Organization `gorm:"constraint:OnDelete:CASCADE"`
				CreatedAt          time.Time     `gorm:"not null"`
				UpdatedAt          time.Time     `gorm:"not null"`
			}
			type Project struct {
				ID              uint64        `gorm:"primaryKey"`
				Name            string        `gorm:"size:256;not null"`
				OwnerID         *uint64       `gorm:"index"`
				Owner           *User         `gorm:"foreignKey:OwnerID;constraint:OnDelete:SET NULL"`
				AssigneeID      *uint64       `gorm:"index"`
				Assignee        *User         `gorm:"foreignKey:AssigneeID;constraint:OnDelete:SET NULL"`
				OrganizationID  *uint64       `gorm:"index"`
				Organization    *Organization `gorm:"constraint:OnDelete:CASCADE"`
				BugTracker      string        `gorm:"size:2000;not null;default:''"`
				SourceStorageID *uint64       `gorm:"index"`
				SourceStorage   *CloudStorage `gorm:"foreignKey:SourceStorageID;constraint:OnDelete:SET NULL"`
				TargetStorageID *uint64       `gorm:"index"`
				TargetStorage   *CloudStorage `gorm:"foreignKey:TargetStorageID;constraint:OnDelete:SET NULL"`
				CreatedAt       time.Time     `gorm:"not null"`
				UpdatedAt       time.Time     `gorm:"not null"`
			}
			type Task struct {
				ID              uint64        `gorm:"primaryKey"`
				Name            string        `gorm:"size:256;not null"`
				ProjectID       *uint64       `gorm:"index"`
				Project         *Project      `gorm:"constraint:OnDelete:CASCADE"`
				OwnerID         *uint64       `gorm:"index"`
				Owner           *User         `gorm:"foreignKey:OwnerID;constraint:OnDelete:SET NULL"`
				AssigneeID      *uint64       `gorm:"index"`
				Assignee        *User         `gorm:"foreignKey:AssigneeID;constraint:OnDelete:SET NULL"`
				OrganizationID  *uint64       `gorm:"index"`
				Organization    *Organization `gorm:"constraint:OnDelete:CASCADE"`
				BugTracker      string        `gorm:"size:2000;not null;default:''"`
				Subset          string        `gorm:"size:64;not null;default:''"`
				SourceStorageID *uint64       `gorm:"index"`
				SourceStorage   *CloudStorage `gorm:"foreignKey:SourceStorageID;constraint:OnDelete:SET NULL"`
				TargetStorageID *uint64       `gorm:"index"`
				TargetStorage   *CloudStorage `gorm:"foreignKey:TargetStorageID;constraint:OnDelete:SET NULL"`
				CreatedAt       time.Time     `gorm:"not null"`
				UpdatedAt       time.Time     `gorm:"not null"`
			}
			// A job's organization_id is its task's, kept here so lists
			// filter and organizations delete without a join.
			type Job struct {
				ID             uint64        `gorm:"primaryKey"`
				TaskID         uint64        `gorm:"not null;index"`
				Task           *Task         `gorm:"constraint:OnDelete:CASCADE"`
				OrganizationID *uint64       `gorm:"index"`
				Organization   *Organization `gorm:"constraint:OnDelete:CASCADE"`
				AssigneeID     *uint64       `gorm:"index"`
				Assignee       *User         `gorm:"foreignKey:AssigneeID;constraint:OnDelete:SET NULL"`
				Stage          string        `gorm:"size:16;not null"`
				State          string        `gorm:"size:16;not null"`
				Type           string        `gorm:"size:16;not null"`
				CreatedAt      time.Time     `gorm:"not null"`
				UpdatedAt      time.Time     `gorm:"not null"`
			}
			return tx.Migrator().CreateTable(&CloudStorage{}, &Project{}, &Task{}, &Job{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("jobs", "tasks", "projects", "cloud_storages")
		},
	},
	{
		// Paging an organization's jobs newest first reads only this index:
		// the organization, the order and the fields the policy filters on.
		// It covers the old organization_id index, which goes (SQLite kept
		// choosing the narrower one).
		ID: "0005_jobs_org_page_index",
		Migrate: func(tx *gorm.DB) error {
			create := "CREATE INDEX idx_jobs_org_page ON jobs (organization_id, id, assignee_id, task_id)"
			if tx.Dialector.Name() == "postgres" {
				create = "CREATE INDEX idx_jobs_org_page ON jobs (organization_id, id) INCLUDE (assignee_id, task_id)"
			}
			if err := tx.Exec(create).Error; err != nil {
				return fmt.Errorf("create idx_jobs_org_page: %w", err)
			}
			if err := tx.Exec("DROP INDEX IF EXISTS idx_jobs_organization_id").Error; err != nil {
				return fmt.Errorf("drop idx_jobs_organization_id: %w", err)
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("CREATE INDEX idx_jobs_organization_id ON jobs (organization_id)").Error; err != nil {
				return fmt.Errorf("create idx_jobs_organization_id: %w", err)
			}
			return tx.Exec("DROP INDEX IF EXISTS idx_jobs_org_page").Error
		},
	},
	migration0006,
	migration0007,
	migration0008,
	migration0011,
	migration0012,
	migration0013,
}

// Migrate brings the schema to the newest version. It is safe to run on every
// start and from several replicas: gormigrate records applied IDs.
func (db *DB) Migrate(ctx context.Context) error {
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
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
