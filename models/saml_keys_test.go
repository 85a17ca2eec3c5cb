package models_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// TestSAMLSPKeyPairFirstStoreWins: replicas starting together each try to
// store their own pair; exactly one is kept and every replica gets that one.
func TestSAMLSPKeyPairFirstStoreWins(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := t.Context()
		if _, err := db.SAMLSPKeyPair(ctx); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("before any store: %v, want ErrNotFound", err)
		}
		const replicas = 8
		got := make([]string, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := db.StoreSAMLSPKeyPair(ctx, models.SAMLSPKey{KeyPEM: fmt.Sprintf("key-%d", i), CertPEM: fmt.Sprintf("cert-%d", i),
					Source: "generated", CreatedAt: time.Now()})
				if err == nil {
					got[i] = k.KeyPEM + "/" + k.CertPEM
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i := range replicas {
			if errs[i] != nil {
				t.Fatalf("replica %d: %v", i, errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("replicas got different pairs: %q and %q", got[0], got[i])
			}
		}
		stored, err := db.SAMLSPKeyPair(ctx)
		if err != nil || stored.KeyPEM+"/"+stored.CertPEM != got[0] {
			t.Fatalf("stored %+v, %v; replicas use %q", stored, err, got[0])
		}
	})
}
