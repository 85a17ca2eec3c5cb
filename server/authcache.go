package server

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// authCache remembers recent credential lookups (login key or access token
// hash → session/token and user) for a short TTL so that the hot path of an
// API client does not query the database on every request. Any change that
// could revoke or alter an identity (logout, password change, role or active
// flag, session or token revocation, user deletion) purges it at once on this
// replica; other replicas see the change within the TTL.
type authCache struct {
	ttl time.Duration
	max int

	mu      sync.RWMutex
	entries map[authKey]authCacheEntry
}

// authKey names a credential by its kind ('t' login key, 'b' bearer token,
// 's' session cookie) and the SHA-256 of the secret: a fixed-size key, so a
// hit on the hot path allocates nothing to find the entry.
type authKey struct {
	kind byte
	sum  [sha256.Size]byte
}

type authCacheEntry struct {
	id      *identity
	fetched time.Time
}

func newAuthCache(ttl time.Duration, max int) *authCache {
	return &authCache{ttl: ttl, max: max, entries: map[authKey]authCacheEntry{}}
}

// get returns the fresh identity cached for key. It is shared by every
// request that presents the same credential: an identity (and its User,
// Session, Token) is read-only once resolved; changes go to the database and
// purge the cache.
func (c *authCache) get(key authKey, now time.Time) (*identity, bool) {
	if c == nil || c.ttl <= 0 {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) >= c.ttl || now.Before(e.fetched) {
		return nil, false
	}
	return e.id, true
}

func (c *authCache) put(key authKey, id *identity, now time.Time) {
	if c == nil || c.ttl <= 0 {
		return
	}
	// Keep a copy: the caller's identity is its own to change until it is
	// handed to a request.
	cp := *id
	user := *id.User
	cp.User = &user
	cp.memo = &identityMemo{}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		c.entries = map[authKey]authCacheEntry{}
	}
	c.entries[key] = authCacheEntry{id: &cp, fetched: now}
	c.mu.Unlock()
}

// purge forgets everything (revocations are rare; correctness first).
func (c *authCache) purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.entries = map[authKey]authCacheEntry{}
	c.mu.Unlock()
}

// sessionLive re-checks the expiry of a cached session.
func sessionLive(s *models.Session, now, idleSince time.Time) bool {
	return s == nil || (now.Before(s.ExpiresAt) && s.LastSeenAt.After(idleSince))
}
