// Package modelstest gives tests a migrated, throw-away database: SQLite in a
// temp dir by default and, when GATEHOUSE_TEST_PG holds a PostgreSQL URL, a
// fresh schema in that database that is dropped when the test ends.
package modelstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvPostgres = "GATEHOUSE_TEST_PG"

// PostgresURL returns the test PostgreSQL URL, or "" when none is set.
func PostgresURL() string { return os.Getenv(EnvPostgres) }

// Open returns a migrated SQLite database in a temp dir, closed when t ends.
func Open(t testing.TB) *models.DB {
	t.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, models.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite test database: %v", err)
	}
	return db
}

// OpenPostgres returns a migrated database living in a new schema of the
// GATEHOUSE_TEST_PG database; the schema is dropped when t ends. The test is
// skipped when GATEHOUSE_TEST_PG is not set.
func OpenPostgres(t testing.TB) *models.DB {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skipf("%s is not set", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := models.Open(ctx, models.Options{URL: base, MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	schema := "gh_test_" + randomHex(8)
	if err := admin.WithContext(ctx).Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = admin.Close()
		t.Fatalf("create test schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.WithContext(dctx).Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	db, err := models.Open(ctx, models.Options{URL: u})
	if err != nil {
		t.Fatalf("open postgres test schema %s: %v", schema, err)
	}
	// Registered after the schema's cleanup, so it runs before the drop.
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres test schema %s: %v", schema, err)
	}
	return db
}

// Each runs fn as a subtest on SQLite and, when GATEHOUSE_TEST_PG is set, on
// PostgreSQL too, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t)) })
	if PostgresURL() != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
	}
}

func withSearchPath(raw, schema string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
