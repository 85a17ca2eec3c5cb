// Package gctune gives the server's garbage collector its defaults.
//
// A policy decision allocates about 11 KB of short-lived OPA terms, and the
// server's live heap is small (10–20 MB), so with Go's default GOGC=100 the
// collector runs often and its mark phases show in the latency tail. The
// server runs with GOGC=200 (half the collections) and a soft memory limit,
// which keeps peaks such as a flood of password hashes (argon2id garbage of
// 19 MiB each) bounded. GOGC and GOMEMLIMIT in the environment win: Apply
// leaves each one alone when it is set.
package gctune

import (
	"runtime/debug"
)

const (
	// Percent is GOGC unless the environment sets it.
	Percent = 200
	// Limit is the soft memory limit (GOMEMLIMIT) unless the environment
	// sets it: 192 MiB.
	Limit int64 = 192 << 20
)

// Settings is what the collector runs with after Apply.
type Settings struct {
	Percent int   // GOGC; -1 when off
	Limit   int64 // bytes; math.MaxInt64 when none
	// FromEnv says which of the two came from GOGC / GOMEMLIMIT.
	PercentFromEnv, LimitFromEnv bool
}

// Apply sets the defaults that getenv does not override and returns the
// settings in effect.
func Apply(getenv func(string) string) Settings {
	s := Settings{PercentFromEnv: getenv("GOGC") != "", LimitFromEnv: getenv("GOMEMLIMIT") != ""}
	if s.PercentFromEnv {
		s.Percent = debug.SetGCPercent(Percent) // read the current value...
		debug.SetGCPercent(s.Percent)           // ...and put it back
	} else {
		debug.SetGCPercent(Percent)
		s.Percent = Percent
	}
	if !s.LimitFromEnv {
		debug.SetMemoryLimit(Limit)
	}
	s.Limit = debug.SetMemoryLimit(-1) // a negative value only reads it
	return s
}
