package models

import (
	"context"
	"fmt"
)

// migrationLockKey is the PostgreSQL advisory lock that serializes Migrate
// across processes (an arbitrary constant: "gatehous" in ASCII).
const migrationLockKey int64 = 0x6761746568_6f7573

// lockMigrations makes replicas that start at the same time on one
// PostgreSQL database migrate one after the other: without it both see an
// empty schema_migrations table and the second fails on CREATE TABLE. The
// session-level advisory lock is held on a connection of its own until
// unlock is called; the migrations run on the pool's other connections.
// SQLite needs nothing: its transactions take the file's write lock.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if db.Dialect != Postgres {
		return func() {}, nil
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		// Closing the connection would also end the lock, but a pooled
		// connection stays open: unlock explicitly first.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		_ = conn.Close()
	}, nil
}
