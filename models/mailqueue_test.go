package models_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func queue(t *testing.T, db *models.DB, to, status string, next time.Time) models.MailMessage {
	t.Helper()
	m := models.MailMessage{ToAddr: to, Subject: "s", BodyText: "b", Status: status, NextAttemptAt: next, CreatedAt: next}
	if err := models.InsertMail(db.DB, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClaimDueMail(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		due := queue(t, db, "due@example.com", models.MailQueued, t0.Add(-time.Second))
		queue(t, db, "later@example.com", models.MailQueued, t0.Add(time.Millisecond))
		queue(t, db, "outbox@example.com", models.MailOutbox, t0.Add(-time.Hour))
		queue(t, db, "sent@example.com", models.MailSent, t0.Add(-time.Hour))

		lock := t0.Add(time.Minute)
		got, err := db.ClaimDueMail(ctx, t0, lock, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != due.ID || got[0].Status != models.MailSending {
			t.Fatalf("claimed %+v, want only message %d as sending", got, due.ID)
		}
		if got[0].LockedUntil == nil || !got[0].LockedUntil.Equal(lock) {
			t.Errorf("locked_until = %v, want %v", got[0].LockedUntil, lock)
		}
		// Locked: nobody else gets it.
		if again, err := db.ClaimDueMail(ctx, t0.Add(30*time.Second), lock, 10); err != nil || len(again) != 1 {
			// the "later" one is due by now, the locked one is not
			t.Fatalf("second claim: %v, %d rows; want just the later message", err, len(again))
		} else if again[0].ToAddr != "later@example.com" {
			t.Fatalf("second claim took %s", again[0].ToAddr)
		}
		// The lock expired (a crashed worker): it can be taken again.
		after, err := db.ClaimDueMail(ctx, lock.Add(time.Second), lock.Add(2*time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 2 {
			t.Fatalf("after lock expiry claimed %d rows, want 2", len(after))
		}
	})
}

func TestClaimDueMailConcurrent(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		const n = 60
		for i := 0; i < n; i++ {
			queue(t, db, "c@example.com", models.MailQueued, t0)
		}
		var mu sync.Mutex
		seen := map[uint64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					rows, err := db.ClaimDueMail(ctx, t0, t0.Add(time.Hour), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(rows) == 0 {
						return
					}
					mu.Lock()
					for _, r := range rows {
						seen[r.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("claimed %d distinct rows, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("row %d claimed %d times", id, c)
			}
		}
	})
}

func TestMailMarksListPrune(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := queue(t, db, "a@example.com", models.MailQueued, t0)
		b := queue(t, db, "b@example.com", models.MailQueued, t0)
		c := queue(t, db, "c@example.com", models.MailQueued, t0)
		if _, err := db.ClaimDueMail(ctx, t0, t0.Add(time.Minute), 10); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailSent(ctx, a.ID, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("é", 1500) // 3000 bytes: must be cut to fit
		if err := db.MarkMailAttemptFailed(ctx, b.ID, 1, long, t0.Add(30*time.Second), false); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailAttemptFailed(ctx, c.ID, 8, "boom", t0, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			id       uint64
			status   string
			attempts int
		}{
			{a.ID, models.MailSent, 0},
			{b.ID, models.MailQueued, 1},
			{c.ID, models.MailFailed, 8},
		}
		for _, tc := range tests {
			m, err := db.GetMail(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != tc.status || m.Attempts != tc.attempts || m.LockedUntil != nil {
				t.Errorf("mail %d: status %s attempts %d lock %v; want %s %d nil", tc.id, m.Status, m.Attempts, m.LockedUntil, tc.status, tc.attempts)
			}
		}
		if m, _ := db.GetMail(ctx, b.ID); len(m.LastError) > 2000 || !strings.HasPrefix(m.LastError, "é") || !m.NextAttemptAt.Equal(t0.Add(30*time.Second)) {
			t.Errorf("retry row: last_error %d bytes, next %v", len(m.LastError), m.NextAttemptAt)
		}
		if m, _ := db.GetMail(ctx, a.ID); m.SentAt == nil || !m.SentAt.Equal(t0.Add(time.Second)) {
			t.Errorf("sent_at = %v", m.SentAt)
		}

		queue(t, db, "o1@example.com", models.MailOutbox, t0)
		queue(t, db, "o2@example.com", models.MailOutbox, t0.Add(time.Hour))
		rows, total, err := db.ListMail(ctx, []string{models.MailOutbox}, 1, 1)
		if err != nil || total != 2 || len(rows) != 1 || rows[0].ToAddr != "o2@example.com" {
			t.Fatalf("ListMail page 1 = %v, %d, %v", rows, total, err)
		}
		_, total, _ = db.ListMail(ctx, nil, 1, 100)
		if total != 5 {
			t.Errorf("all mail = %d, want 5", total)
		}

		// Everything but the queued b and the newer outbox row is older than
		// t0+1m and done: sent a, failed c, outbox o1.
		n, err := db.PruneMail(ctx, t0.Add(time.Minute))
		if err != nil || n != 3 {
			t.Fatalf("PruneMail = %d, %v; want 3", n, err)
		}
	})
}

func TestReleaseMail(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		m := queue(t, db, "r@example.com", models.MailQueued, t0)
		if _, err := db.ClaimDueMail(ctx, t0, t0.Add(time.Hour), 1); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseMail(ctx, []uint64{m.ID}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ClaimDueMail(ctx, t0, t0.Add(time.Hour), 1)
		if err != nil || len(got) != 1 || got[0].Attempts != 0 {
			t.Fatalf("after release: %v, %v", got, err)
		}
	})
}
