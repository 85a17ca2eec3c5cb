package cron

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

var t0 = time.Date(2026, 3, 1, 3, 17, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func noop(context.Context, time.Time) error { return nil }

func runs(t *testing.T, db *models.DB, job string) []models.CronRun {
	t.Helper()
	rs, err := db.ListCronRuns(context.Background(), job, 100)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRegister(t *testing.T) {
	s := New(modelstest.Open(t), clock.NewFake(t0), quiet(), "r")
	if err := s.Register(Job{Name: "taken", Spec: "@daily", Run: noop}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		job  Job
		want string // error substring; "" = ok
	}{
		{"five fields", Job{Name: "a", Spec: "17 3 * * *", Run: noop}, ""},
		{"descriptor", Job{Name: "b", Spec: "@hourly", Run: noop}, ""},
		{"every hour", Job{Name: "c", Spec: "@every 1h", Run: noop}, ""},
		{"every 90 minutes", Job{Name: "d", Spec: "@every 90m", Run: noop}, ""},
		{"duplicate", Job{Name: "taken", Spec: "@daily", Run: noop}, "already registered"},
		{"bad minute", Job{Name: "e", Spec: "61 * * * *", Run: noop}, `cron spec "61 * * * *"`},
		{"seconds field", Job{Name: "f", Spec: "0 17 3 * * *", Run: noop}, "cron spec"},
		{"garbage", Job{Name: "g", Spec: "sometimes", Run: noop}, "cron spec"},
		{"sub-minute every", Job{Name: "h", Spec: "@every 30s", Run: noop}, "whole number of minutes"},
		{"odd every", Job{Name: "i", Spec: "@every 90s", Run: noop}, "whole number of minutes"},
		{"empty name", Job{Spec: "@daily", Run: noop}, "empty name"},
		{"long name", Job{Name: strings.Repeat("x", 65), Spec: "@daily", Run: noop}, "longer than 64"},
		{"no run", Job{Name: "j", Spec: "@daily"}, "no Run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Register(tc.job)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	var names []string
	for _, j := range s.Jobs() {
		names = append(names, j.Name)
	}
	if got := strings.Join(names, ","); got != "a,b,c,d,taken" {
		t.Errorf("Jobs() = %s, want a,b,c,d,taken", got)
	}
}

func TestNextRun(t *testing.T) {
	s := New(modelstest.Open(t), nil, quiet(), "r")
	for _, j := range []Job{
		{Name: "nightly", Spec: "17 3 * * *", Run: noop},
		{Name: "hourly", Spec: "@every 1h", Run: noop},
		{Name: "ninety", Spec: "@every 90m", Run: noop},
	} {
		if err := s.Register(j); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 1, 12, 34, 56, 0, time.UTC)
	tests := []struct {
		job  string
		want time.Time
	}{
		{"nightly", time.Date(2026, 3, 2, 3, 17, 0, 0, time.UTC)},
		// Aligned, not "now + 1h": every replica gets the same ticks.
		{"hourly", time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)},
		{"ninety", at.Truncate(90 * time.Minute).Add(90 * time.Minute)},
	}
	for _, tc := range tests {
		got, err := s.NextRun(tc.job, at)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("NextRun(%s) = %v, %v; want %v", tc.job, got, err, tc.want)
		}
		if got.Second() != 0 || got.Nanosecond() != 0 {
			t.Errorf("NextRun(%s) = %v is not on a whole minute", tc.job, got)
		}
	}
}

func TestTickRunsOnceAcrossReplicas(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var count atomic.Int32
		var gotAt sync.Map
		job := Job{Name: "housekeeping", Spec: "17 3 * * *", Run: func(_ context.Context, at time.Time) error {
			count.Add(1)
			gotAt.Store(at, true)
			return nil
		}}
		replicas := []*Scheduler{
			New(db, clock.NewFake(t0), quiet(), "replica-a"),
			New(db, clock.NewFake(t0), quiet(), "replica-b"),
		}
		for _, s := range replicas {
			if err := s.Register(job); err != nil {
				t.Fatal(err)
			}
		}
		for round, tick := range []time.Time{t0, t0.Add(24 * time.Hour)} {
			var wg sync.WaitGroup
			var ran atomic.Int32
			for i := 0; i < 6; i++ {
				s := replicas[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := s.runTick(ctx, job.Name, tick)
					if err != nil {
						t.Error(err)
					}
					if ok {
						ran.Add(1)
					}
				}()
			}
			wg.Wait()
			if ran.Load() != 1 || count.Load() != int32(round+1) {
				t.Fatalf("tick %v: %d callers ran it, body ran %d times in all; want once per tick", tick, ran.Load(), count.Load())
			}
			if _, ok := gotAt.Load(tick); !ok {
				t.Errorf("the job did not get its tick %v", tick)
			}
		}
		rs := runs(t, db, job.Name)
		if len(rs) != 2 {
			t.Fatalf("%d cron_runs rows, want 2", len(rs))
		}
		for _, r := range rs {
			if r.FinishedAt == nil || r.Error != "" || (r.Runner != "replica-a" && r.Runner != "replica-b") {
				t.Errorf("run row = %+v", r)
			}
		}
	})
}

func TestRunNow(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var got []time.Time
		s := New(db, clock.NewFake(t0), quiet(), "cli")
		err := s.Register(Job{Name: "notices", Spec: "0 9 * * *", Run: func(_ context.Context, at time.Time) error {
			got = append(got, at)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 7, 1, 9, 0, 42, 0, time.FixedZone("X", 3600))
		for i := 0; i < 2; i++ { // a second run of the same tick still runs
			if err := s.RunNow(ctx, "notices", at); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 2 || !got[0].Equal(at) || !got[1].Equal(at) {
			t.Fatalf("job got %v, want %v twice", got, at)
		}
		rs := runs(t, db, "notices")
		wantTick := at.UTC().Truncate(time.Minute)
		if len(rs) != 1 || !rs[0].TickAt.Equal(wantTick) || rs[0].Runner != "cli (manual)" || rs[0].FinishedAt == nil {
			t.Fatalf("runs = %+v; want one finished manual run at %v", rs, wantTick)
		}
		// The scheduled run of that tick is then already done.
		if ran, err := s.runTick(ctx, "notices", wantTick); err != nil || ran {
			t.Errorf("scheduled tick after RunNow: ran=%v err=%v", ran, err)
		}
		err = s.RunNow(ctx, "nope", at)
		if err == nil || !strings.Contains(err.Error(), `unknown job "nope" (known jobs: notices)`) {
			t.Errorf("unknown job error = %v", err)
		}
	})
}

func TestFailuresAreRecorded(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := New(db, clock.NewFake(t0), quiet(), "r")
		boom := errors.New("disk full")
		jobs := []Job{
			{Name: "panics", Spec: "@hourly", Run: func(context.Context, time.Time) error { panic("boom") }},
			{Name: "out-of-range", Spec: "@hourly", Run: func(_ context.Context, at time.Time) error {
				var xs []int
				return errors.New(strings.Repeat("x", xs[at.Minute()])) // a runtime panic
			}},
			{Name: "fails", Spec: "@hourly", Run: func(context.Context, time.Time) error { return boom }},
		}
		for _, j := range jobs {
			if err := s.Register(j); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			job     string
			wantErr string
		}{
			{"panics", "panic: boom"},
			{"out-of-range", "panic: runtime error: index out of range [17] with length 0"},
			{"fails", "disk full"},
		}
		for _, tc := range tests {
			t.Run(tc.job, func(t *testing.T) {
				// Scheduled path: recovered, recorded, and the scheduler lives on.
				if ran, err := s.runTick(ctx, tc.job, t0); err != nil || !ran {
					t.Fatalf("runTick = %v, %v", ran, err)
				}
				rs := runs(t, db, tc.job)
				if len(rs) != 1 || rs[0].FinishedAt == nil || rs[0].Error != tc.wantErr {
					t.Fatalf("runs = %+v; want one finished run with error %q", rs, tc.wantErr)
				}
				// Manual path: the error comes back to the operator.
				err := s.RunNow(ctx, tc.job, t0.Add(time.Hour))
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("RunNow error = %v, want %q", err, tc.wantErr)
				}
				if tc.job == "fails" && !errors.Is(err, boom) {
					t.Errorf("RunNow error does not wrap the job's error")
				}
				var pe *PanicError
				if strings.HasPrefix(tc.wantErr, "panic") && (!errors.As(err, &pe) || len(pe.Stack) == 0) {
					t.Errorf("RunNow error is not a PanicError with a stack: %#v", err)
				}
			})
		}
	})
}

// everyFewMillis fires almost at once, to exercise Start/Stop without
// waiting for a real minute.
type everyFewMillis struct{}

func (everyFewMillis) Next(t time.Time) time.Time { return t.Add(5 * time.Millisecond) }

func TestStop(t *testing.T) {
	tests := []struct {
		name    string
		hold    bool // the job runs until its context ends
		wantErr bool
	}{
		{"waits for a short job", false, false},
		{"gives up on a stuck job and cancels it", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(modelstest.Open(t), nil, quiet(), "r")
			s.Start()
			started := make(chan struct{})
			var once sync.Once
			var finished atomic.Bool
			s.mu.Lock()
			jobCtx := s.ctx
			s.cron.Schedule(everyFewMillis{}, robfig.FuncJob(func() {
				once.Do(func() { close(started) })
				if tc.hold {
					<-jobCtx.Done()
				} else {
					time.Sleep(50 * time.Millisecond)
				}
				finished.Store(true)
			}))
			s.mu.Unlock()
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := s.Stop(ctx)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Stop = %v, want error: %v", err, tc.wantErr)
			}
			if !tc.wantErr && !finished.Load() {
				t.Error("Stop returned before the running job finished")
			}
			if tc.wantErr {
				select {
				case <-jobCtx.Done():
				case <-time.After(5 * time.Second):
					t.Error("the stuck job's context was not cancelled")
				}
			}
			if err := s.Stop(context.Background()); err != nil {
				t.Errorf("second Stop = %v", err)
			}
		})
	}
}

func TestRegisterAfterStart(t *testing.T) {
	s := New(modelstest.Open(t), nil, quiet(), "")
	if !strings.Contains(s.Runner(), ":") {
		t.Errorf("default runner %q is not host:pid", s.Runner())
	}
	s.Start()
	if err := s.Register(Job{Name: "late", Spec: "@every 5m", Run: noop}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	n := len(s.cron.Entries())
	s.mu.Unlock()
	if n != 1 {
		t.Errorf("running cron has %d entries, want 1", n)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
