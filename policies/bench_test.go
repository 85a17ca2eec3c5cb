package policies

import (
	"context"
	"slices"
	"testing"
	"time"
)

// benchInputs are typical questions: allowed and denied, with and without
// an organization, small and nested resources.
func benchInputs() []struct {
	resource string
	in       Input
} {
	maintainer, worker := "maintainer", "worker"
	org := func(role *string) *AuthOrg { return &AuthOrg{ID: 3, OwnerID: 1, Role: role} }
	user := AuthUser{ID: 7, Privilege: "user"}
	return []struct {
		resource string
		in       Input
	}{
		{"memberships", Input{Scope: "change:role", Auth: Auth{User: user, Organization: org(&maintainer)},
			Resource: map[string]any{"id": uint64(5), "role": "worker", "is_active": true,
				"user": map[string]any{"id": uint64(9)}, "organization": map[string]any{"id": uint64(3)}}}},
		{"users", Input{Scope: "view", Auth: Auth{User: user}, Resource: map[string]any{"id": uint64(9)}}},
		{"organizations", Input{Scope: "update", Auth: Auth{User: user},
			Resource: map[string]any{"id": uint64(3), "owner": map[string]any{"id": uint64(1)}, "user": map[string]any{"role": "worker"}}}},
		{"invitations", Input{Scope: "create", Auth: Auth{User: user, Organization: org(&maintainer)},
			Resource: map[string]any{"role": "supervisor", "organization": map[string]any{"id": uint64(3)}}}},
		{"projects", Input{Scope: "view", Auth: Auth{User: user, Organization: org(&worker)},
			Resource: map[string]any{"id": uint64(10), "owner": map[string]any{"id": uint64(7)}, "assignee": nil,
				"organization": map[string]any{"id": uint64(3)}}}},
		{"jobs", Input{Scope: "update:stage", Auth: Auth{User: AuthUser{ID: 7, Privilege: "worker"}, Organization: org(&worker)},
			Resource: map[string]any{"id": uint64(20), "assignee": map[string]any{"id": uint64(7)}, "stage": "annotation",
				"state": "new", "organization": map[string]any{"id": uint64(3)},
				"task":    map[string]any{"id": uint64(11), "owner": map[string]any{"id": uint64(8)}, "assignee": nil},
				"project": map[string]any{"id": uint64(10), "owner": map[string]any{"id": uint64(8)}, "assignee": nil}}}},
	}
}

// BenchmarkDecide measures one decision per resource (allowed and denied).
func BenchmarkDecide(b *testing.B) {
	e := newTestEngine(b, Options{})
	ctx := context.Background()
	for _, tc := range benchInputs() {
		b.Run(tc.resource+"/"+tc.in.Scope, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Decide(ctx, tc.resource, tc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecideParallel measures throughput with every core asking.
func BenchmarkDecideParallel(b *testing.B) {
	e := newTestEngine(b, Options{})
	ctx := context.Background()
	inputs := benchInputs()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			tc := inputs[i%len(inputs)]
			i++
			if _, err := e.Decide(ctx, tc.resource, tc.in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDecideLatency times each decision of a mix and reports the
// percentiles: p50-µs and p99-µs.
func BenchmarkDecideLatency(b *testing.B) {
	e := newTestEngine(b, Options{})
	ctx := context.Background()
	inputs := benchInputs()
	durations := make([]time.Duration, 0, max(b.N, 1))
	i := 0
	for b.Loop() {
		tc := inputs[i%len(inputs)]
		i++
		start := time.Now()
		if _, err := e.Decide(ctx, tc.resource, tc.in); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(float64(len(durations)-1)*p)].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkFilter measures a list filter.
func BenchmarkFilter(b *testing.B) {
	e := newTestEngine(b, Options{})
	ctx := context.Background()
	worker := "worker"
	in := Input{Scope: "list", Auth: Auth{User: AuthUser{ID: 7, Privilege: "user"}, Organization: &AuthOrg{ID: 3, OwnerID: 1, Role: &worker}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Filter(ctx, "jobs", in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecideLatency guards against gross regressions (a policy compiled per
// request, say, costs milliseconds): it only checks the median against a
// bound far above the budget, since a busy machine stretches the tail. The
// benchmarks above report the real figures.
func TestDecideLatency(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("latency is measured without -short and -race")
	}
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	inputs := benchInputs()
	durations := make([]time.Duration, 0, 5000)
	for i := range 6000 {
		tc := inputs[i%len(inputs)]
		start := time.Now()
		if _, err := e.Decide(ctx, tc.resource, tc.in); err != nil {
			t.Fatal(err)
		}
		if i >= 1000 { // after a warm-up
			durations = append(durations, time.Since(start))
		}
	}
	slices.Sort(durations)
	p50, p99 := durations[len(durations)/2], durations[len(durations)*99/100]
	t.Logf("p50 %v, p99 %v", p50, p99)
	if p50 > time.Millisecond {
		t.Errorf("median decision %v: something compiles per request", p50)
	}
}
