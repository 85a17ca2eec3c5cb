package bench

import (
	"context"
	"runtime"
	"testing"

	"github.com/gatehouse/gatehouse/auth"
)

// BenchmarkHash measures one argon2id hash with the production parameters
// (m=19 MiB, t=2, p=1), one caller at a time.
func BenchmarkHash(b *testing.B) {
	h := auth.NewHasher(auth.DefaultParams, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkVerifyParallel measures login throughput: many concurrent
// verifications through a pool of GOMAXPROCS workers (the server default).
func BenchmarkVerifyParallel(b *testing.B) {
	h := auth.NewHasher(auth.DefaultParams, 0, auth.WithMaxWaiting(-1))
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4) // more callers than workers: the pool must queue them
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ok, _, err := h.Verify(ctx, enc, "correct horse battery staple")
			if err != nil || !ok {
				b.Errorf("Verify = %v, %v", ok, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
}

// BenchmarkDummyVerify should match BenchmarkHash: an unknown user costs the
// same as a known one.
func BenchmarkDummyVerify(b *testing.B) {
	h := auth.NewHasher(auth.DefaultParams, 1)
	ctx := context.Background()
	for b.Loop() {
		if err := h.DummyVerify(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}
