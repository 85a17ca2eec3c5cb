package bench

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gctune"
	"github.com/gatehouse/gatehouse/policies"
)

// BenchmarkDecideJobView measures one in-process policy decision: a worker
// (global privilege "worker", organization role "worker") asks to view a
// job of the organization that is assigned to them. The engine is built
// once with the embedded policies; each call is timed on its own and the
// benchmark reports the median and 99th percentile in microseconds
// (targets: p50 <= 50 µs, p99 <= 200 µs). The collector runs with the
// settings of gatehouse serve (internal/gctune: GOGC=200 unless GOGC is set,
// so GOGC=100 in the environment measures Go's default).
func BenchmarkDecideJobView(b *testing.B) {
	gc := gctune.Apply(os.Getenv)
	b.Logf("GOGC=%d", gc.Percent)
	ctx := context.Background()
	e, err := policies.New(ctx, policies.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	role := "worker"
	in := policies.Input{
		Scope: "view",
		Auth: policies.Auth{
			User:         policies.AuthUser{ID: 7, Privilege: "worker"},
			Organization: &policies.AuthOrg{ID: 3, OwnerID: 1, Role: &role},
		},
		Resource: map[string]any{
			"id": uint64(20), "assignee": map[string]any{"id": uint64(7)}, "stage": "annotation",
			"state": "new", "type": "annotation", "organization": map[string]any{"id": uint64(3)},
			"task":    map[string]any{"id": uint64(11), "owner": map[string]any{"id": uint64(2)}, "assignee": nil},
			"project": map[string]any{"id": uint64(10), "owner": map[string]any{"id": uint64(2)}, "assignee": nil},
		},
	}
	// Warm up, and check the answer is the expected one.
	for range 200 {
		d, err := e.Decide(ctx, "jobs", in)
		if err != nil {
			b.Fatal(err)
		}
		if !d.Allow {
			b.Fatalf("worker assignee denied: %v", d.Reasons)
		}
	}
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := e.Decide(ctx, "jobs", in); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(float64(len(durations)-1)*p)].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
