// Package cron runs Gatehouse's periodic jobs (housekeeping, subscription
// notices and clean-ups). Schedules are robfig/cron specs with minute
// granularity. With several replicas on one database each tick of a job
// runs once: before running, a replica inserts the (job, tick) row of
// cron_runs and only the replica whose insert lands runs the job.
package cron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	robfig "github.com/robfig/cron/v3"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
)

// Job is a periodic task.
type Job struct {
	Name        string // unique, at most 64 bytes, e.g. "prune-mail"
	Spec        string // robfig/cron spec: "17 3 * * *", "@daily", "@every 1h" (whole minutes)
	Description string
	// Run does the work for the tick at (the scheduled minute, UTC, or the
	// time an operator gave to RunNow). It must honour ctx and be
	// idempotent: an operator may run a tick again.
	Run func(ctx context.Context, at time.Time) error
}

// parser accepts the standard five fields and the @descriptors.
var parser = robfig.NewParser(robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// ParseSpec checks a spec and returns its schedule. "@every D" must be a
// whole number of minutes; its ticks are aligned to multiples of D since
// the zero time (so "@every 1h" fires on the hour on every replica alike).
func ParseSpec(spec string) (robfig.Schedule, error) {
	sched, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	if every, ok := sched.(robfig.ConstantDelaySchedule); ok {
		if every.Delay < time.Minute || every.Delay%time.Minute != 0 {
			return nil, fmt.Errorf("cron spec %q: @every needs a whole number of minutes (at least 1m)", spec)
		}
		return alignedEvery{every.Delay}, nil
	}
	return sched, nil
}

// alignedEvery fires at every multiple of d, the same instants on every
// replica, unlike robfig's "start time + n·d".
type alignedEvery struct{ d time.Duration }

func (a alignedEvery) Next(t time.Time) time.Time { return t.Truncate(a.d).Add(a.d) }

type entry struct {
	job   Job
	sched robfig.Schedule
}

// Scheduler runs registered jobs on their schedules. It is safe for
// concurrent use.
type Scheduler struct {
	db     *models.DB
	clk    clock.Clock
	log    *slog.Logger
	runner string

	mu      sync.Mutex
	jobs    map[string]entry
	cron    *robfig.Cron // non-nil between Start and Stop
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
}

// New returns a Scheduler recording runs in db. runner names this process in
// cron_runs ("" = hostname:pid). A nil clk means the system clock, a nil log
// slog.Default().
func New(db *models.DB, clk clock.Clock, log *slog.Logger, runner string) *Scheduler {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.Default()
	}
	if runner == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "localhost"
		}
		runner = host + ":" + strconv.Itoa(os.Getpid())
	}
	return &Scheduler{db: db, clk: clk, log: log.With("component", "cron"), runner: runner, jobs: map[string]entry{}}
}

// Runner is the name this scheduler records in cron_runs.
func (s *Scheduler) Runner() string { return s.runner }

// Register adds a job. A duplicate or empty name, a missing Run or a bad
// spec is an error. Jobs registered after Start are scheduled at once.
func (s *Scheduler) Register(job Job) error {
	switch {
	case strings.TrimSpace(job.Name) == "":
		return errors.New("register job: empty name")
	case len(job.Name) > 64:
		return fmt.Errorf("register job %q: name longer than 64 bytes", job.Name)
	case job.Run == nil:
		return fmt.Errorf("register job %s: no Run function", job.Name)
	}
	sched, err := ParseSpec(job.Spec)
	if err != nil {
		return fmt.Errorf("register job %s: %w", job.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[job.Name]; dup {
		return fmt.Errorf("register job %s: a job with that name is already registered", job.Name)
	}
	e := entry{job: job, sched: sched}
	s.jobs[job.Name] = e
	if s.cron != nil {
		s.schedule(e)
	}
	return nil
}

// Jobs returns the registered jobs sorted by name.
func (s *Scheduler) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, 0, len(s.jobs))
	for _, e := range s.jobs {
		out = append(out, e.job)
	}
	slices.SortFunc(out, func(a, b Job) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// NextRun returns when job name is next due after t.
func (s *Scheduler) NextRun(name string, after time.Time) (time.Time, error) {
	e, err := s.lookup(name)
	if err != nil {
		return time.Time{}, err
	}
	return e.sched.Next(after.UTC()), nil
}

// Start begins running jobs on their schedules (in UTC). It does nothing if
// the scheduler is already running; a stopped scheduler cannot restart.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil || s.stopped {
		return
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cron = robfig.New(robfig.WithLocation(time.UTC), robfig.WithLogger(robfigLogger{s.log}))
	for _, e := range s.jobs {
		s.schedule(e)
	}
	s.cron.Start()
	s.log.Info("scheduler started", "runner", s.runner, "jobs", len(s.jobs))
}

// schedule adds e to the running cron; s.mu is held.
func (s *Scheduler) schedule(e entry) {
	ctx, name := s.ctx, e.job.Name
	s.cron.Schedule(e.sched, robfig.FuncJob(func() {
		// Schedules fire on whole minutes, so the minute we are in is the
		// tick, the same on every replica.
		tick := s.clk.Now().UTC().Truncate(time.Minute)
		if _, err := s.runTick(ctx, name, tick); err != nil {
			s.log.Error("scheduled job could not run", "job", name, "tick", tick, "error", err)
		}
	}))
}

// Stop stops scheduling and waits for running jobs to finish. When ctx ends
// first, their context is cancelled and Stop returns an error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	c, cancel := s.cron, s.cancel
	s.cron, s.stopped = nil, true
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	done := c.Stop()
	select {
	case <-done.Done():
		cancel()
		s.log.Info("scheduler stopped")
		return nil
	case <-ctx.Done():
		cancel() // ask the running jobs to give up
		return fmt.Errorf("stop scheduler: jobs still running: %w", ctx.Err())
	}
}

// RunNow runs job name at once as if for time at, which the job receives
// unchanged, and returns the job's error. The run is recorded in cron_runs
// with tick_at = at truncated to the minute. An operator asked for it, so it
// runs even when that tick already ran: the earlier row is then taken over
// (runner, started_at, finished_at and error are overwritten). And since the
// row exists, a scheduled tick at that minute that has not come yet is then
// skipped as done.
func (s *Scheduler) RunNow(ctx context.Context, name string, at time.Time) error {
	e, err := s.lookup(name)
	if err != nil {
		return err
	}
	tick := at.UTC().Truncate(time.Minute)
	runner := s.runner + " (manual)"
	id, won, err := s.db.ClaimCronTick(ctx, name, tick, runner, s.clk.Now())
	if err != nil {
		return err
	}
	if !won {
		if id, err = s.db.RestartCronRun(ctx, name, tick, runner, s.clk.Now()); err != nil {
			return err
		}
		s.log.Info("running a tick again on request", "job", name, "tick", tick)
	}
	if err := s.execute(ctx, e.job, at, tick, id); err != nil {
		return fmt.Errorf("job %s at %s: %w", name, at.Format(time.RFC3339), err)
	}
	return nil
}

// runTick runs the scheduled tick of job name unless another runner has
// claimed it; ran tells whether this call ran it. The returned error is
// about claiming or recording; the job's own error is recorded and logged.
func (s *Scheduler) runTick(ctx context.Context, name string, tick time.Time) (ran bool, err error) {
	e, err := s.lookup(name)
	if err != nil {
		return false, err
	}
	id, won, err := s.db.ClaimCronTick(ctx, name, tick, s.runner, s.clk.Now())
	if err != nil {
		return false, err
	}
	if !won {
		s.log.Debug("tick already claimed by another runner", "job", name, "tick", tick)
		return false, nil
	}
	_ = s.execute(ctx, e.job, tick, tick, id)
	return true, nil
}

// execute runs job for at, records the outcome in run id and logs it. A
// panic in the job becomes its error.
func (s *Scheduler) execute(ctx context.Context, job Job, at, tick time.Time, id uint64) error {
	start := time.Now()
	runErr := safeRun(ctx, job, at)
	took := time.Since(start)
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	// Record even when ctx ended: the run happened.
	if err := s.db.FinishCronRun(context.WithoutCancel(ctx), id, s.clk.Now(), errText); err != nil {
		s.log.Error("cannot record job run", "job", job.Name, "tick", tick, "error", err)
	}
	var pe *PanicError
	switch {
	case errors.As(runErr, &pe):
		s.log.Error("job panicked", "job", job.Name, "tick", tick, "at", at, "duration", took, "error", runErr,
			"stack", string(pe.Stack))
	case runErr != nil:
		s.log.Error("job failed", "job", job.Name, "tick", tick, "at", at, "duration", took, "error", runErr)
	default:
		s.log.Info("job ran", "job", job.Name, "tick", tick, "at", at, "duration", took)
	}
	return runErr
}

func safeRun(ctx context.Context, job Job, at time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return job.Run(ctx, at)
}

// PanicError is the error of a job that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func (s *Scheduler) lookup(name string) (entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.jobs[name]; ok {
		return e, nil
	}
	known := make([]string, 0, len(s.jobs))
	for n := range s.jobs {
		known = append(known, n)
	}
	slices.Sort(known)
	list := strings.Join(known, ", ")
	if list == "" {
		list = "none"
	}
	return entry{}, fmt.Errorf("unknown job %q (known jobs: %s)", name, list)
}

// robfigLogger sends robfig/cron's own messages to slog.
type robfigLogger struct{ log *slog.Logger }

func (l robfigLogger) Info(msg string, kv ...any) { l.log.Debug("robfig/cron: "+msg, kv...) }

func (l robfigLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("robfig/cron: "+msg, append(kv, "error", err)...)
}
