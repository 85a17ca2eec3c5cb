package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/gatehouse/gatehouse/models"
)

// runBackup writes a consistent copy of the SQLite database to FILE while
// the server may keep running. SQLite's VACUUM INTO reads one snapshot (a
// read transaction, which WAL mode lets run beside the writer) and writes it
// as a compact new database. For PostgreSQL it prints the pg_dump command.
func runBackup(ctx context.Context, args []string, io stdio) error {
	fset := newFlagSet("backup", io)
	var o options
	o.register(fset, false)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return usageErrorf("want one argument: the file to write (gatehouse backup [flags] FILE)")
	}
	if err := o.validate(false); err != nil {
		return err
	}
	file := fset.Arg(0)
	if isPostgresURL(o.DB) {
		cmd, err := pgCommand("pg_dump --format=custom", o.DB, "--file", file)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "The database is PostgreSQL: back it up with pg_dump (the password comes from PGPASSWORD or ~/.pgpass):\n\n  %s\n\nRestore with pg_restore into an empty database, then run 'gatehouse migrate'.\n", cmd)
		return nil
	}
	src, err := sqlitePath(o)
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s (check --data-dir or --db)", src)
		}
		return fmt.Errorf("database %s: %w", src, err)
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s already exists: choose a new file name (a backup never overwrites)", file)
	}
	dir := filepath.Dir(file)
	if err := ensureDir(dir); err != nil {
		return err
	}
	db, err := models.Open(ctx, models.Options{URL: "sqlite://" + src, MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()

	// Write beside the target and rename, so FILE is either absent or whole.
	tmp := filepath.Join(dir, "."+filepath.Base(file)+".partial")
	_ = os.Remove(tmp)
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", tmp).Error; err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	check, err := checkSQLiteFile(ctx, tmp)
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("move the backup into place: %w", err)
	}
	_ = syncFile(dir)
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("backup written but cannot be read back: %w", err)
	}
	fmt.Fprintf(io.out, "backup of %s written to %s (%d bytes, schema %s, %d users, integrity ok)\n",
		src, file, info.Size(), check.schema, check.users)
	return nil
}

// sqliteFacts is what checkSQLiteFile learns about a database file.
type sqliteFacts struct {
	schema string // last applied migration id
	users  int64
}

// checkSQLiteFile opens path read-only (no journal or lock files are made
// beside it), runs PRAGMA integrity_check and checks that it is a Gatehouse
// database.
func checkSQLiteFile(ctx context.Context, path string) (sqliteFacts, error) {
	var facts sqliteFacts
	head := make([]byte, 16)
	f, err := os.Open(path)
	if err != nil {
		return facts, fmt.Errorf("open %s: %w", path, err)
	}
	n, _ := f.Read(head)
	_ = f.Close()
	if n < 16 || string(head) != "SQLite format 3\x00" {
		return facts, fmt.Errorf("%s is not a SQLite database", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return facts, fmt.Errorf("%s: %w", path, err)
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: "mode=ro&immutable=1"}).String()
	gdb, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return facts, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return facts, fmt.Errorf("open %s: %w", path, err)
	}
	defer sqlDB.Close()
	var results []string
	if err := gdb.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&results).Error; err != nil {
		return facts, fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if len(results) != 1 || results[0] != "ok" {
		shown := results
		if len(shown) > 5 {
			shown = shown[:5]
		}
		return facts, fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(shown, "; "))
	}
	if err := gdb.WithContext(ctx).Raw("SELECT id FROM schema_migrations ORDER BY id DESC LIMIT 1").Scan(&facts.schema).Error; err != nil || facts.schema == "" {
		return facts, fmt.Errorf("%s is not a Gatehouse database (no schema_migrations table)", path)
	}
	if err := gdb.WithContext(ctx).Raw("SELECT COUNT(*) FROM users").Scan(&facts.users).Error; err != nil {
		return facts, fmt.Errorf("%s is not a Gatehouse database: %w", path, err)
	}
	return facts, nil
}

// sqlitePath is the database file the options name (as models.Open reads them).
func sqlitePath(o options) (string, error) {
	switch {
	case o.DB == "" || o.DB == "sqlite://":
		return filepath.Join(o.DataDir, models.DefaultSQLiteFile), nil
	case strings.HasPrefix(o.DB, "sqlite://"):
		return strings.TrimPrefix(o.DB, "sqlite://"), nil
	default:
		scheme, _, _ := strings.Cut(o.DB, "://")
		return "", fmt.Errorf("--db: unsupported database %q (want sqlite://PATH or postgres://user:pass@host:port/dbname)", scheme)
	}
}

func isPostgresURL(raw string) bool {
	return strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
}

// pgCommand builds a pg_dump/pg_restore command line from a database URL:
// host, port, user and database name, never the password.
func pgCommand(prog, raw string, extra ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", errors.New("--db: not a valid postgres URL (want postgres://user:pass@host:5432/dbname)")
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	parts := []string{prog, "--host", shellQuote(host), "--port", port}
	if mode := u.Query().Get("sslmode"); mode != "" {
		parts = append([]string{"PGSSLMODE=" + shellQuote(mode)}, parts...)
	}
	if u.User != nil && u.User.Username() != "" {
		parts = append(parts, "--username", shellQuote(u.User.Username()))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		db = "postgres"
	}
	parts = append(parts, "--dbname", shellQuote(db))
	for _, e := range extra {
		parts = append(parts, shellQuote(e))
	}
	return strings.Join(parts, " "), nil
}

// shellQuote quotes s for a POSIX shell when it holds anything unusual.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	if ip := net.ParseIP(s); ip != nil {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("folder %s cannot be created: %w", dir, err)
	}
	return nil
}

// syncFile flushes a file or folder to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
