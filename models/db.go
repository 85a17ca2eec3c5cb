// Package models holds Gatehouse's data: the GORM entities, the queries and
// transactions over them, and the versioned migrations that build the schema
// on SQLite and PostgreSQL alike.
package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's handle on its database.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// Location is a human-readable place of the database (file path or host),
	// never containing a password.
	Location string
}

// Options tell Open where the data lives.
type Options struct {
	// URL is "" (SQLite in DataDir), "sqlite://PATH", or "postgres://...".
	URL string
	// DataDir holds the SQLite file when URL does not name one.
	DataDir string
	// MaxOpenConns bounds the pool (0 = a sensible default per engine).
	MaxOpenConns int
}

// DefaultSQLiteFile is the database file name inside the data dir.
const DefaultSQLiteFile = "gatehouse.db"

// Open connects to the database named by opts and checks that it answers.
// It does not migrate; call Migrate for that.
func Open(ctx context.Context, opts Options) (*DB, error) {
	dialect, target, err := parseURL(opts.URL, opts.DataDir)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		DisableForeignKeyConstraintWhenMigrating: false,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		TranslateError:                           true,
	}
	var gdb *gorm.DB
	var location string
	switch dialect {
	case SQLite:
		if err := ensureWritableDir(filepath.Dir(target)); err != nil {
			return nil, err
		}
		// WAL lets readers run beside the single writer; immediate transactions
		// take the write lock at BEGIN so a check-then-insert cannot race.
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		dsn := "file:" + target + "?" + q.Encode()
		gdb, err = gorm.Open(sqlite.Open(dsn), cfg)
		location = target
	case Postgres:
		gdb, err = gorm.Open(postgres.Open(target), cfg)
		location = redact(target)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database %s: %w", dialect, location, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database %s: %w", dialect, location, err)
	}
	maxOpen := opts.MaxOpenConns
	if maxOpen == 0 {
		maxOpen = 16
		if dialect == SQLite {
			maxOpen = 8
		}
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", dialect, location, err)
	}
	return &DB{DB: gdb, Dialect: dialect, Location: location}, nil
}

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close releases the pool.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	return sqlDB.Close()
}

func parseURL(raw, dataDir string) (Dialect, string, error) {
	if dataDir == "" {
		dataDir = "gatehouse_data"
	}
	switch {
	case raw == "":
		return SQLite, filepath.Join(dataDir, DefaultSQLiteFile), nil
	case strings.HasPrefix(raw, "sqlite://"):
		p := strings.TrimPrefix(raw, "sqlite://")
		if p == "" {
			return SQLite, filepath.Join(dataDir, DefaultSQLiteFile), nil
		}
		return SQLite, p, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", fmt.Errorf("--db: not a valid postgres URL: %v", redactErr(err, raw))
		}
		if u.Host == "" {
			return "", "", errors.New("--db: the postgres URL has no host (want postgres://user:pass@host:5432/dbname)")
		}
		return Postgres, raw, nil
	default:
		scheme := raw
		if i := strings.Index(raw, "://"); i >= 0 {
			scheme = raw[:i]
		}
		return "", "", fmt.Errorf("--db: unsupported database %q (want sqlite://PATH or postgres://user:pass@host:port/dbname)", scheme)
	}
}

func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data dir %s cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

// redact hides the password of a database URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func redactErr(err error, raw string) string {
	u, perr := url.Parse(raw)
	msg := err.Error()
	if perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// IsUniqueViolation tells whether err comes from a unique constraint.
func IsUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
