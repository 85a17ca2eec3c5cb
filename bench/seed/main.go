// Command seed fills a fresh Gatehouse SQLite database with a large,
// realistic data set for the benchmarks (bench/run.sh):
//
//	go run ./bench/seed -db DIR/gatehouse.db -orgs 1000 -tasks 100000 -jobs 500000
//
// Every organization gets an owner, a maintainer and -workers workers
// (active memberships), -projects-per-org projects, an even share of the
// tasks (each in one of the organization's projects) and of the jobs (each
// assigned to one of its workers, round robin). The schema comes from the
// real migrations (models.Open + Migrate); rows go in with multi-row
// INSERTs in large transactions.
//
// At the end it creates a login session for one worker (of the middle
// organization), assignee of one project there, and prints shell
// assignments on stdout:
//
//	KEY=<login key for "Authorization: Token">
//	ORG=<the worker's organization slug>
//	PROJECT=<id of a project the worker may view>
//	WORKER_JOBS=<how many jobs are assigned to the worker>
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

func main() {
	dbPath := flag.String("db", "gatehouse_bench/gatehouse.db", "SQLite file to create (must not exist)")
	orgs := flag.Int("orgs", 1000, "organizations")
	workers := flag.Int("workers", 5, "workers per organization")
	projectsPerOrg := flag.Int("projects-per-org", 10, "projects per organization")
	tasks := flag.Int("tasks", 100000, "tasks, spread over the organizations")
	jobs := flag.Int("jobs", 500000, "jobs, spread over the tasks")
	flag.Parse()
	if *orgs < 1 || *workers < 1 || *projectsPerOrg < 1 || *tasks < *orgs || *jobs < *tasks {
		log.Fatal("seed: need orgs >= 1, workers >= 1, projects-per-org >= 1, tasks >= orgs, jobs >= tasks")
	}
	if _, err := os.Stat(*dbPath); err == nil {
		log.Fatalf("seed: %s exists; the seed needs a fresh database", *dbPath)
	}
	start := time.Now()
	ctx := context.Background()
	db, err := models.Open(ctx, models.Options{URL: "sqlite://" + *dbPath, DataDir: filepath.Dir(*dbPath), MaxOpenConns: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		log.Fatal(err)
	}
	// Loading only: the server reopens the file with its own settings.
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"} {
		if _, err := sqlDB.ExecContext(ctx, p); err != nil {
			log.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	s := &seeder{ctx: ctx, db: sqlDB, now: now}

	// Users: per org, owner, maintainer, workers.
	perOrg := 2 + *workers
	userID := func(org, k int) int64 { return int64(org*perOrg + k + 1) } // org from 0; k: 0 owner, 1 maintainer, 2.. workers
	s.bulk("users", []string{"id", "username", "username_lower", "email", "email_lower", "password_hash", "role",
		"is_active", "email_verified", "date_joined", "password_changed_at", "updated_at"},
		*orgs*perOrg, func(i int, row []any) {
			org, k := i/perOrg, i%perOrg
			kind, role := "worker", models.RoleWorker
			switch k {
			case 0:
				kind, role = "owner", models.RoleUser
			case 1:
				kind, role = "maint", models.RoleUser
			}
			name := fmt.Sprintf("%s%d_%d", kind, org, k)
			email := name + "@bench.example"
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = userID(org, k), name, name, email, email, "", role
			row[7], row[8], row[9], row[10], row[11] = true, true, now, now, now
		})
	s.bulk("organizations", []string{"id", "slug", "slug_lower", "name", "description", "contact", "owner_id", "created_at", "updated_at"},
		*orgs, func(i int, row []any) {
			slug := fmt.Sprintf("org%d", i+1)
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] =
				int64(i+1), slug, slug, "Organization "+slug, "", "{}", userID(i, 0), now, now
		})
	s.bulk("memberships", []string{"id", "user_id", "organization_id", "role", "is_active", "joined_at"},
		*orgs*perOrg, func(i int, row []any) {
			org, k := i/perOrg, i%perOrg
			role := models.OrgWorker
			switch k {
			case 0:
				role = models.OrgOwner
			case 1:
				role = models.OrgMaintainer
			}
			row[0], row[1], row[2], row[3], row[4], row[5] = int64(i+1), userID(org, k), int64(org+1), role, true, now
		})
	// The chosen worker: the first worker of the middle organization.
	targetOrg := *orgs / 2
	targetWorker := userID(targetOrg, 2)
	projectID := func(org, k int) int64 { return int64(org**projectsPerOrg + k + 1) }
	targetProject := projectID(targetOrg, 0)
	s.bulk("projects", []string{"id", "name", "owner_id", "assignee_id", "organization_id", "bug_tracker", "created_at", "updated_at"},
		*orgs**projectsPerOrg, func(i int, row []any) {
			org := i / *projectsPerOrg
			var assignee any
			if int64(i+1) == targetProject {
				assignee = targetWorker
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] =
				int64(i+1), fmt.Sprintf("project %d", i+1), userID(org, 1), assignee, int64(org+1), "", now, now
		})
	// Tasks: task i belongs to org i % orgs (spread evenly), to one of its
	// projects, owned by the org's maintainer.
	s.bulk("tasks", []string{"id", "name", "project_id", "owner_id", "organization_id", "bug_tracker", "subset", "created_at", "updated_at"},
		*tasks, func(i int, row []any) {
			org := i % *orgs
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] =
				int64(i+1), fmt.Sprintf("task %d", i+1), projectID(org, (i / *orgs)%*projectsPerOrg), userID(org, 1),
				int64(org+1), "", "", now, now
		})
	// Jobs: job j belongs to task j % tasks (so to org (j % tasks) % orgs),
	// assigned round robin to that org's workers.
	stages := models.JobStages
	states := models.JobStates
	workerJobs := 0
	s.bulk("jobs", []string{"id", "task_id", "organization_id", "assignee_id", "stage", "state", "type", "created_at", "updated_at"},
		*jobs, func(i int, row []any) {
			task := i % *tasks
			org := task % *orgs
			w := (i / *orgs) % *workers
			assignee := userID(org, 2+w)
			if assignee == targetWorker {
				workerJobs++
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] =
				int64(i+1), int64(task+1), int64(org+1), assignee, stages[i%len(stages)], states[(i/3)%len(states)],
				models.JobTypeAnnotation, now, now
		})
	// A login session for the worker.
	key := randomHex(20)
	sess := &models.Session{UserID: uint64(targetWorker), SessionHash: auth.HashToken(randomHex(32)), TokenHash: auth.HashToken(key),
		CreatedAt: now, LastSeenAt: time.Now().UTC(), ExpiresAt: now.Add(30 * 24 * time.Hour), IP: "127.0.0.1", UserAgent: "bench/seed"}
	if err := db.CreateSession(ctx, sess); err != nil {
		log.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "ANALYZE"); err != nil {
		log.Fatal(err)
	}
	if _, err := sqlDB.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "seed: %d orgs, %d users, %d projects, %d tasks, %d jobs in %s\n",
		*orgs, *orgs*perOrg, *orgs**projectsPerOrg, *tasks, *jobs, time.Since(start).Round(time.Millisecond))
	fmt.Printf("KEY=%s\nORG=org%d\nPROJECT=%d\nWORKER_JOBS=%d\n", key, targetOrg+1, targetProject, workerJobs)
}

type seeder struct {
	ctx context.Context
	db  *sql.DB
	now time.Time
}

// bulk inserts n rows into table, fill setting the columns of row i, with
// multi-row INSERTs of up to 500 rows, 50,000 rows per transaction.
func (s *seeder) bulk(table string, cols []string, n int, fill func(i int, row []any)) {
	const perStmt, perTx = 500, 50000
	t0 := time.Now()
	stmtSQL := func(rows int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		return b.String()
	}
	full := stmtSQL(perStmt)
	args := make([]any, 0, perStmt*len(cols))
	row := make([]any, len(cols))
	for lo := 0; lo < n; lo += perTx {
		hi := min(lo+perTx, n)
		tx, err := s.db.BeginTx(s.ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		stmt, err := tx.PrepareContext(s.ctx, full)
		if err != nil {
			log.Fatal(err)
		}
		for a := lo; a < hi; a += perStmt {
			b := min(a+perStmt, hi)
			args = args[:0]
			for i := a; i < b; i++ {
				clear(row)
				fill(i, row)
				args = append(args, row...)
			}
			if b-a == perStmt {
				_, err = stmt.ExecContext(s.ctx, args...)
			} else {
				_, err = tx.ExecContext(s.ctx, stmtSQL(b-a), args...)
			}
			if err != nil {
				log.Fatalf("seed: insert into %s: %v", table, err)
			}
		}
		_ = stmt.Close()
		if err := tx.Commit(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "seed: %-13s %8d rows in %s\n", table, n, time.Since(t0).Round(time.Millisecond))
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		log.Fatal(err)
	}
	return hex.EncodeToString(b)
}
