package models_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func TestClaimCronTick(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		tick := t0.Truncate(time.Minute)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, won, err := db.ClaimCronTick(ctx, "job", tick, "r", t0)
				if err != nil {
					t.Error(err)
				}
				if won {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d winners, want 1", wins.Load())
		}
		// Another job or another tick is a separate claim.
		for _, c := range []struct {
			job  string
			tick time.Time
		}{{"other", tick}, {"job", tick.Add(time.Minute)}} {
			if _, won, err := db.ClaimCronTick(ctx, c.job, c.tick, "r", t0); err != nil || !won {
				t.Errorf("claim %s %v: won=%v err=%v", c.job, c.tick, won, err)
			}
		}
	})
}

func TestCronRunLifecycle(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		id, won, err := db.ClaimCronTick(ctx, "job", t0, "r1", t0)
		if err != nil || !won {
			t.Fatal(won, err)
		}
		if err := db.FinishCronRun(ctx, id, t0.Add(time.Second), "went wrong"); err != nil {
			t.Fatal(err)
		}
		id2, err := db.RestartCronRun(ctx, "job", t0, "r2", t0.Add(time.Hour))
		if err != nil || id2 != id {
			t.Fatalf("RestartCronRun = %d, %v; want %d", id2, err, id)
		}
		runs, err := db.ListCronRuns(ctx, "job", 10)
		if err != nil || len(runs) != 1 {
			t.Fatalf("ListCronRuns = %v, %v", runs, err)
		}
		if r := runs[0]; r.Runner != "r2" || r.FinishedAt != nil || r.Error != "" || !r.StartedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("restarted run = %+v", r)
		}
		if _, err := db.RestartCronRun(ctx, "nope", t0, "r", t0); err == nil {
			t.Error("RestartCronRun of a missing run: no error")
		}
		if _, _, err := db.ClaimCronTick(ctx, "job", t0.Add(-48*time.Hour), "r", t0); err != nil {
			t.Fatal(err)
		}
		n, err := db.PruneCronRuns(ctx, t0.Add(-24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("PruneCronRuns = %d, %v; want 1", n, err)
		}
	})
}
