package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func TestConsumeSAMLAssertion(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		exp := t0.Add(5 * time.Minute)
		if err := db.ConsumeSAMLAssertion(ctx, "corp", "id-1", exp, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.ConsumeSAMLAssertion(ctx, "corp", "id-1", exp, t0.Add(time.Minute)); !errors.Is(err, models.ErrAssertionReplayed) {
			t.Fatalf("second use: err = %v, want ErrAssertionReplayed", err)
		}
		// The same assertion ID from another IdP is another assertion.
		if err := db.ConsumeSAMLAssertion(ctx, "other", "id-1", exp, t0); err != nil {
			t.Fatalf("other IdP: %v", err)
		}
		// Once expired the record is pruned (the assertion itself is refused
		// by its own time checks by then).
		n, err := db.PruneSAMLAssertions(ctx, t0.Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("prune = %d, %v; want 2", n, err)
		}

		// Concurrent uses of one assertion: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.ConsumeSAMLAssertion(ctx, "corp", "id-race", exp, t0)
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, models.ErrAssertionReplayed) {
					t.Errorf("race: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d concurrent uses accepted, want 1", wins)
		}
	})
}
