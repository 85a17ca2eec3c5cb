package policies

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// logRecorder keeps the log records an engine writes.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// lines renders the records at level or above as "msg k=v ...".
func (l *logRecorder) lines(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level < level {
			continue
		}
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.Key + "=" + a.Value.String())
			return true
		})
		out = append(out, b.String())
	}
	return out
}

func newTestEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(&logRecorder{})
	}
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// writeFile writes dir/name atomically (a temporary file renamed), as
// editors save, so a poller never sees half a file.
func writeFile(t testing.TB, dir, name, src string) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// engineFromFiles compiles files as a set, without running its Rego tests.
func engineFromFiles(t testing.TB, files map[string]string) *Engine {
	t.Helper()
	set, err := build(context.Background(), files, false)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	e := &Engine{log: discardLogger()}
	e.active.Store(set)
	return e
}
