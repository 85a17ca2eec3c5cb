package policies

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// Run watches Options.Dir every PollInterval and reloads the policies when a
// file there is added, changed or removed. A set that does not compile or
// whose Rego tests fail is rejected: each problem is logged at Error level
// and the last good set stays active. Run returns when ctx is done, at once
// when there is no Dir.
func (e *Engine) Run(ctx context.Context) {
	if e.dir == "" {
		return
	}
	t := time.NewTicker(e.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.reload(ctx)
		}
	}
}

// reload rebuilds the set when the override files differ from the last
// attempt; it reports whether a new set became active.
func (e *Engine) reload(ctx context.Context) bool {
	overrides, err := readDir(e.dir)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		if err.Error() != e.lastErr {
			e.lastErr = err.Error()
			e.log.LogAttrs(ctx, slog.LevelError, "policies: cannot read the policies dir; keeping the active set",
				slog.String("dir", e.dir), slog.String("error", err.Error()))
		}
		return false
	}
	e.lastErr = ""
	if maps.Equal(overrides, e.lastSeen) {
		return false
	}
	e.lastSeen = overrides
	start := time.Now()
	set, err := build(ctx, merge(e.embedded, overrides), len(overrides) > 0)
	if err != nil {
		e.logRejection(ctx, err)
		e.notifyReload(ctx, slices.Sorted(maps.Keys(overrides)), err)
		return false
	}
	e.active.Store(set)
	e.log.LogAttrs(ctx, slog.LevelInfo, "policies reloaded",
		slog.String("dir", e.dir),
		slog.Any("overrides", slices.Sorted(maps.Keys(overrides))),
		slog.Duration("took", time.Since(start)))
	e.notifyReload(ctx, slices.Sorted(maps.Keys(overrides)), nil)
	return true
}

func (e *Engine) logRejection(ctx context.Context, err error) {
	var se *setError
	if !errors.As(err, &se) {
		e.log.LogAttrs(ctx, slog.LevelError, "policies rejected; keeping the last good set",
			slog.String("dir", e.dir), slog.String("problem", err.Error()))
		return
	}
	for _, p := range se.problems {
		e.log.LogAttrs(ctx, slog.LevelError, "policies rejected; keeping the last good set",
			slog.String("dir", e.dir), slog.String("file", p.File), slog.String("problem", p.Problem))
	}
}
