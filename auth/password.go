// Package auth holds Gatehouse's identity primitives: password hashing and
// policy, secret tokens and API keys. It is a leaf package: it imports
// nothing from the rest of the product, so it can be read and tested alone.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id cost parameters of a password hash.
type HashParams struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams are OWASP's recommended argon2id parameters (m=19 MiB, t=2,
// p=1) with a 16-byte salt and a 32-byte key. Treat the value as read-only.
var DefaultParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters. The upper bounds also apply to hashes read back from
// storage, so a tampered row cannot make Verify allocate gigabytes.
const (
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 64

	// MaxPasswordBytes caps the input of Hash and Verify. The policy already
	// stops at 256 characters; this is the hard limit against abuse.
	MaxPasswordBytes = 4096
)

// ErrBusy is returned when too many callers are already waiting for a
// password worker. The HTTP layer should answer 503 (or 429) with Retry-After.
var ErrBusy = errors.New("auth: password hasher busy")

// ErrPasswordTooLong is returned by Hash for passwords over MaxPasswordBytes.
var ErrPasswordTooLong = errors.New("auth: password too long")

// ErrMalformedHash is wrapped by every error about an unparsable encoded hash.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Validate reports whether p can be used to hash passwords.
func (p HashParams) Validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("auth: argon2 time %d out of range [1, %d]", p.Time, maxTime)
	case p.Threads < 1:
		return fmt.Errorf("auth: argon2 threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("auth: argon2 memory %d KiB out of range [%d, %d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("auth: salt length %d out of range [%d, %d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("auth: key length %d out of range [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// weakerThan reports whether a hash made with p should be upgraded to cur.
func (p HashParams) weakerThan(cur HashParams) bool {
	return p.Memory < cur.Memory || p.Time < cur.Time || p.Threads < cur.Threads ||
		p.SaltLen < cur.SaltLen || p.KeyLen < cur.KeyLen
}

// HasherOption tunes a Hasher.
type HasherOption func(*Hasher)

// WithMaxWaiting sets how many callers may wait for a free worker before
// further callers get ErrBusy at once. Zero means no waiting at all; a
// negative value means no limit. The default is 64 per worker.
func WithMaxWaiting(n int) HasherOption {
	return func(h *Hasher) { h.maxWaiting = int64(n) }
}

// HasherStats is a snapshot of a Hasher's load, for metrics.
type HasherStats struct {
	Workers int // size of the pool
	Active  int // hashes running now
	Waiting int // callers waiting for a worker
}

// Hasher hashes and verifies passwords with argon2id on a bounded pool: at
// most Workers hashes run at once (each holds Memory KiB), so a flood of
// logins costs bounded memory. It is safe for concurrent use.
type Hasher struct {
	params     HashParams
	workers    int
	sem        chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	dummy      string // a well-formed hash no password matches, for DummyVerify

	// testHook, when set (tests only), runs inside a worker slot around
	// each key derivation: with +1 before and -1 after.
	testHook func(delta int)
}

// NewHasher returns a Hasher with the given parameters and pool size. A
// workers value < 1 means runtime.GOMAXPROCS(0). It panics when params are
// invalid (a programming or start-up configuration error); check
// configured values with HashParams.Validate first.
func NewHasher(params HashParams, workers int, opts ...HasherOption) *Hasher {
	if err := params.Validate(); err != nil {
		panic(fmt.Sprintf("auth.NewHasher: %v", err))
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		params:     params,
		workers:    workers,
		sem:        make(chan struct{}, workers),
		maxWaiting: int64(workers) * 64,
	}
	for _, o := range opts {
		o(h)
	}
	// The dummy hash has the current parameters and random bytes in place of
	// a derived key: verifying against it costs exactly one real derivation
	// and (with overwhelming probability) never matches.
	salt := randomBytes(params.SaltLen)
	key := randomBytes(params.KeyLen)
	h.dummy = encodeHash(params, salt, key)
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() HashParams { return h.params }

// Stats returns the current load of the pool.
func (h *Hasher) Stats() HasherStats {
	return HasherStats{Workers: h.workers, Active: len(h.sem), Waiting: int(h.waiting.Load())}
}

// Hash returns the PHC-encoded argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", fmt.Errorf("auth: hashing password: %w", err)
	}
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches the encoded hash, and whether the
// hash should be replaced (by Hash) because its parameters are weaker than
// the Hasher's. needsRehash is only ever true when ok is true. A malformed
// hash gives an error wrapping ErrMalformedHash; a full pool gives ErrBusy;
// a context ended while waiting gives an error wrapping ctx.Err().
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	// No stored password can be longer than MaxPasswordBytes (Hash refuses
	// it). Still spend one derivation, so the answer takes as long as for
	// any other wrong password (and as long as DummyVerify).
	tooLong := len(password) > MaxPasswordBytes
	if tooLong {
		password = password[:MaxPasswordBytes]
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, fmt.Errorf("auth: verifying password: %w", err)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 || tooLong {
		return false, false, nil
	}
	return true, p.weakerThan(h.params), nil
}

// DummyVerify spends the time and memory of one Verify without a stored
// hash. Call it when a login names an unknown user, so the response time
// does not tell which users exist. It returns the same errors as Verify
// (ErrBusy, context errors), so the caller can answer exactly as it would
// for a real user.
func (h *Hasher) DummyVerify(ctx context.Context) error {
	_, _, err := h.Verify(ctx, h.dummy, "gatehouse-dummy-password")
	return err
}

// derive runs one argon2id derivation inside a worker slot.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p HashParams) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-h.sem }()
	if h.testHook != nil {
		h.testHook(+1)
		defer h.testHook(-1)
	}
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// acquire takes a worker slot, waiting (within ctx and the queue bound) when
// all are busy.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("waiting for a password worker: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if n := h.waiting.Add(1); h.maxWaiting >= 0 && n > h.maxWaiting {
		h.waiting.Add(-1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for a password worker: %w", ctx.Err())
	}
}

const phcPrefix = "$argon2id$"

// encodeHash formats a PHC string:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<key> (raw std base64).
func encodeHash(p HashParams, salt, key []byte) string {
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", phcPrefix, argon2.Version,
		p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// b64 is strict: it rejects padding and non-canonical trailing bits, so each
// hash has exactly one encoding.
var b64 = base64.RawStdEncoding.Strict()

// decodeHash parses a PHC string made by encodeHash. It never panics.
func decodeHash(encoded string) (HashParams, []byte, []byte, error) {
	var p HashParams
	malformed := func(format string, args ...any) (HashParams, []byte, []byte, error) {
		return HashParams{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, fmt.Sprintf(format, args...))
	}
	// encoding/base64 skips '\r' and '\n' even in strict mode; a stored hash
	// never contains them.
	if strings.ContainsAny(encoded, "\r\n") {
		return malformed("contains a line break")
	}
	rest, found := strings.CutPrefix(encoded, phcPrefix)
	if !found {
		return malformed("not an argon2id PHC string")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return malformed("want 4 fields after the algorithm, got %d", len(parts))
	}
	version, err := parseField(parts[0], "v", 32)
	if err != nil {
		return malformed("%v", err)
	}
	if version != argon2.Version {
		return malformed("unsupported argon2 version %d", version)
	}
	fields := strings.Split(parts[1], ",")
	if len(fields) != 3 {
		return malformed("want parameters m,t,p, got %q", parts[1])
	}
	m, err := parseField(fields[0], "m", 32)
	if err != nil {
		return malformed("%v", err)
	}
	t, err := parseField(fields[1], "t", 32)
	if err != nil {
		return malformed("%v", err)
	}
	threads, err := parseField(fields[2], "p", 8)
	if err != nil {
		return malformed("%v", err)
	}
	salt, err := b64.DecodeString(parts[2])
	if err != nil {
		return malformed("salt: %v", err)
	}
	key, err := b64.DecodeString(parts[3])
	if err != nil {
		return malformed("key: %v", err)
	}
	p = HashParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.Validate(); err != nil {
		return malformed("%v", err)
	}
	return p, salt, key, nil
}

// parseField parses "name=<decimal>" in canonical form (no sign, no leading
// zeros) into an unsigned integer of the given bit size.
func parseField(s, name string, bits int) (uint64, error) {
	v, found := strings.CutPrefix(s, name+"=")
	if !found {
		return 0, fmt.Errorf("want %s=<number>, got %q", name, s)
	}
	if v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, fmt.Errorf("bad %s value %q", name, v)
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("bad %s value %q: %w", name, v, err)
	}
	return n, nil
}

// randomBytes returns n bytes from crypto/rand. Since Go 1.24 rand.Read
// never fails (the runtime aborts instead), so the error is only checked
// defensively.
func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
	}
	return b
}
