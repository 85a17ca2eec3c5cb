package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/models"
)

// runRestore puts a backup made by `gatehouse backup` in place as the
// database of an empty data dir, then brings its schema up to date. It never
// overwrites: a data dir that holds anything (above all the database of a
// server that may be running) is refused.
func runRestore(ctx context.Context, args []string, stdio stdio) error {
	fset := newFlagSet("restore", stdio)
	var o options
	o.register(fset, false)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return usageErrorf("want one argument: the backup file (gatehouse restore [flags] FILE)")
	}
	if err := o.validate(false); err != nil {
		return err
	}
	file := fset.Arg(0)
	if isPostgresURL(o.DB) {
		cmd, err := pgCommand("pg_restore --no-owner", o.DB, file)
		if err != nil {
			return err
		}
		return fmt.Errorf("restore handles SQLite backups only; for PostgreSQL restore a pg_dump archive into an empty database with:\n  %s\nthen run 'gatehouse migrate'", cmd)
	}
	dst, err := sqlitePath(o)
	if err != nil {
		return err
	}
	if err := checkRestoreTarget(o, dst); err != nil {
		return err
	}
	if _, err := os.Stat(file + "-wal"); err == nil {
		return fmt.Errorf("refusing to restore: %s has a write-ahead log beside it, so it is a live database, not a backup: make one with 'gatehouse backup'", file)
	}
	facts, err := checkSQLiteFile(ctx, file)
	if err != nil {
		return fmt.Errorf("refusing to restore: %w", err)
	}
	if err := ensureDir(filepath.Dir(dst)); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	if err := copyFile(file, tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("move the database into place: %w", err)
	}
	_ = syncFile(filepath.Dir(dst))

	db, err := models.Open(ctx, models.Options{URL: "sqlite://" + dst})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("restored %s but could not bring its schema up to date: %w", dst, err)
	}
	fmt.Fprintf(stdio.out, "restored %s into %s (%d users; schema %s, now %s)\n", file, dst, facts.users, facts.schema, models.SchemaVersion())
	return nil
}

// checkRestoreTarget refuses a data dir (or database path) that is not empty.
func checkRestoreTarget(o options, dst string) error {
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dst + suffix); err == nil {
			return fmt.Errorf("%s is in use or was not closed cleanly (%s exists): stop the server and restore into a new, empty data dir", dst, filepath.Base(dst+suffix))
		}
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s already exists: restore only into a new, empty data dir (stop the server and move the old data away first)", dst)
	}
	if o.DB != "" && o.DB != "sqlite://" {
		return nil // an explicit file path: only that file matters
	}
	entries, err := os.ReadDir(o.DataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir %s: %w", o.DataDir, err)
	}
	if len(entries) > 0 {
		names := make([]string, 0, 3)
		for i, e := range entries {
			if i == 3 {
				names = append(names, "…")
				break
			}
			names = append(names, e.Name())
		}
		return fmt.Errorf("data dir %s is not empty (%s): restore only into a new, empty data dir", o.DataDir, strings.Join(names, ", "))
	}
	return nil
}

// copyFile copies src to a new file dst and flushes it to disk.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return fmt.Errorf("sync %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst, err)
	}
	return nil
}
