package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LoginFailure is one failed password check (table login_failures). Rows
// live in the database so every replica sees the same lockouts.
type LoginFailure struct {
	ID         uint64 `gorm:"primaryKey"`
	AccountKey string
	IP         string
	At         time.Time
}

// RateCounter counts hits of a key in a fixed window (table rate_counters).
type RateCounter struct {
	Key         string    `gorm:"primaryKey"`
	WindowStart time.Time `gorm:"primaryKey"`
	Count       int
}

// RecordLoginFailure stores a failure for the account key and the IP.
func (db *DB) RecordLoginFailure(ctx context.Context, accountKey, ip string, at time.Time) error {
	if err := db.WithContext(ctx).Create(&LoginFailure{AccountKey: accountKey, IP: ip, At: at}).Error; err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// FailureCount is how many failures a key had since a time, and when the
// oldest of them happened.
type FailureCount struct {
	Count  int64
	Oldest time.Time
}

// LoginFailuresSince counts failures of the account key and of the IP.
func (db *DB) LoginFailuresSince(ctx context.Context, accountKey, ip string, since time.Time) (account, byIP FailureCount, err error) {
	count := func(column, value string) (FailureCount, error) {
		var fc FailureCount
		q := db.WithContext(ctx).Model(&LoginFailure{}).Where(column+" = ? AND at > ?", value, since)
		if err := q.Count(&fc.Count).Error; err != nil {
			return fc, fmt.Errorf("count login failures: %w", err)
		}
		if fc.Count > 0 {
			var first LoginFailure
			if err := q.Order("at").First(&first).Error; err != nil {
				return fc, fmt.Errorf("oldest login failure: %w", err)
			}
			fc.Oldest = first.At
		}
		return fc, nil
	}
	if account, err = count("account_key", accountKey); err != nil {
		return
	}
	byIP, err = count("ip", ip)
	return
}

// ClearLoginFailures forgets an account's failures after a good login.
func (db *DB) ClearLoginFailures(ctx context.Context, accountKey string) error {
	if err := db.WithContext(ctx).Where("account_key = ?", accountKey).Delete(&LoginFailure{}).Error; err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// HitRate adds one hit to key in the window that contains now and returns
// the count so far in that window, atomically on both engines.
func (db *DB) HitRate(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	start := now.Truncate(window)
	var count int
	err := db.WithContext(ctx).Raw(
		`INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1)
		 ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
		 RETURNING count`, key, start).Scan(&count).Error
	if err != nil {
		return 0, start, fmt.Errorf("rate counter %s: %w", key, err)
	}
	return count, start, nil
}

// PruneSecurityCounters deletes failures and counters older than before.
func (db *DB) PruneSecurityCounters(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("at < ?", before).Delete(&LoginFailure{})
		if res.Error != nil {
			return fmt.Errorf("prune login failures: %w", res.Error)
		}
		total += res.RowsAffected
		res = tx.Where("window_start < ?", before).Delete(&RateCounter{})
		if res.Error != nil {
			return fmt.Errorf("prune rate counters: %w", res.Error)
		}
		total += res.RowsAffected
		return nil
	})
	return total, err
}
