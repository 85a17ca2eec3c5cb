package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cheap parameters keep the tests fast; one test uses DefaultParams.
var testParams = HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestDefaultParamsMeetOWASP(t *testing.T) {
	p := DefaultParams
	if p.Memory < 19456 || p.Time < 2 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("DefaultParams %+v are below OWASP (m=19456, t=2, p=1), 16-byte salt, 32-byte key", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultParams invalid: %v", err)
	}
}

func TestHashFormatAndRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, params := range []HashParams{DefaultParams, testParams} {
		h := NewHasher(params, 1)
		enc, err := h.Hash(ctx, "correct horse battery staple")
		if err != nil {
			t.Fatalf("Hash: %v", err)
		}
		m := phcRE.FindStringSubmatch(enc)
		if m == nil {
			t.Fatalf("hash %q is not a PHC argon2id string", enc)
		}
		// 16 bytes → 22 base64 chars, 32 bytes → 43 (raw, no padding).
		if len(m[4]) != 22 || len(m[5]) != 43 {
			t.Errorf("salt/key base64 lengths = %d/%d, want 22/43", len(m[4]), len(m[5]))
		}
		p, salt, key, err := decodeHash(enc)
		if err != nil {
			t.Fatalf("decodeHash(%q): %v", enc, err)
		}
		if p != params {
			t.Errorf("decoded params %+v, want %+v", p, params)
		}
		if got := encodeHash(p, salt, key); got != enc {
			t.Errorf("re-encoded %q, want %q", got, enc)
		}
		ok, rehash, err := h.Verify(ctx, enc, "correct horse battery staple")
		if err != nil || !ok || rehash {
			t.Errorf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
	}
}

func TestHashIsSalted(t *testing.T) {
	h := NewHasher(testParams, 1)
	a, err1 := h.Hash(context.Background(), "same password")
	b, err2 := h.Hash(context.Background(), "same password")
	if err1 != nil || err2 != nil {
		t.Fatalf("Hash: %v, %v", err1, err2)
	}
	if a == b {
		t.Fatalf("two hashes of one password are equal: %q", a)
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(testParams, 2)
	enc, err := h.Hash(ctx, "s3cret-Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	// flip one character of the key part, keeping it valid base64
	i := strings.LastIndexByte(enc, '$') + 5
	flipped := byte('A')
	if enc[i] == 'A' {
		flipped = 'B'
	}
	tamperedKey := enc[:i] + string(flipped) + enc[i+1:]
	otherSalt, err := h.Hash(ctx, "s3cret-Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	// the salt of one hash with the key of another
	saltOf := func(s string) string { return strings.Split(s, "$")[4] }
	swapped := strings.Replace(enc, saltOf(enc), saltOf(otherSalt), 1)
	tamperedParams := strings.Replace(enc, "t=1", "t=2", 1)

	tests := []struct {
		name, encoded, password string
		want                    bool
	}{
		{"right password", enc, "s3cret-Passw0rd", true},
		{"wrong password", enc, "s3cret-Passw0rd!", false},
		{"case differs", enc, "S3cret-Passw0rd", false},
		{"empty password", enc, "", false},
		{"tampered key", tamperedKey, "s3cret-Passw0rd", false},
		{"swapped salt", swapped, "s3cret-Passw0rd", false},
		{"tampered params", tamperedParams, "s3cret-Passw0rd", false},
		{"overlong password", enc, "s3cret-Passw0rd" + strings.Repeat("x", MaxPasswordBytes), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := h.Verify(ctx, tt.encoded, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.want {
				t.Errorf("Verify = %v, want %v", ok, tt.want)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(testParams, 1)
	good, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=..., salt, key
	salt, key := parts[4], parts[5]
	join := func(p ...string) string { return strings.Join(p, "$") }

	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"dollar only", "$"},
		{"bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", join("", "argon2i", "v=19", "m=64,t=1,p=1", salt, key)},
		{"upper case algorithm", join("", "ARGON2ID", "v=19", "m=64,t=1,p=1", salt, key)},
		{"no version", join("", "argon2id", "m=64,t=1,p=1", salt, key)},
		{"version 16", join("", "argon2id", "v=16", "m=64,t=1,p=1", salt, key)},
		{"version not a number", join("", "argon2id", "v=x", "m=64,t=1,p=1", salt, key)},
		{"params out of order", join("", "argon2id", "v=19", "t=1,m=64,p=1", salt, key)},
		{"missing param", join("", "argon2id", "v=19", "m=64,t=1", salt, key)},
		{"extra param", join("", "argon2id", "v=19", "m=64,t=1,p=1,k=2", salt, key)},
		{"negative memory", join("", "argon2id", "v=19", "m=-64,t=1,p=1", salt, key)},
		{"plus sign", join("", "argon2id", "v=19", "m=+64,t=1,p=1", salt, key)},
		{"leading zero", join("", "argon2id", "v=19", "m=064,t=1,p=1", salt, key)},
		{"empty value", join("", "argon2id", "v=19", "m=,t=1,p=1", salt, key)},
		{"memory overflows uint32", join("", "argon2id", "v=19", "m=4294967296,t=1,p=1", salt, key)},
		{"memory too large (DoS)", join("", "argon2id", "v=19", "m=4194304,t=1,p=1", salt, key)},
		{"time zero", join("", "argon2id", "v=19", "m=64,t=0,p=1", salt, key)},
		{"time too large (DoS)", join("", "argon2id", "v=19", "m=64,t=100000,p=1", salt, key)},
		{"threads zero", join("", "argon2id", "v=19", "m=64,t=1,p=0", salt, key)},
		{"threads overflow uint8", join("", "argon2id", "v=19", "m=64,t=1,p=256", salt, key)},
		{"memory below 8*threads", join("", "argon2id", "v=19", "m=16,t=1,p=4", salt, key)},
		{"salt not base64", join("", "argon2id", "v=19", "m=64,t=1,p=1", "!!!!", key)},
		{"salt padded", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key)},
		{"salt too short", join("", "argon2id", "v=19", "m=64,t=1,p=1", "AAAA", key)},
		{"empty salt", join("", "argon2id", "v=19", "m=64,t=1,p=1", "", key)},
		{"key too short", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, "AAAA")},
		{"key url-safe alphabet", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, strings.NewReplacer("+", "-", "/", "_").Replace(key)+"-_")},
		{"missing key", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt)},
		{"trailing field", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, key, "")},
		{"leading space", " " + good},
		{"trailing newline", good + "\n"},
		{"newline inside key", good[:len(good)-10] + "\r\n" + good[len(good)-10:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, "pw")
			if err == nil {
				t.Fatalf("Verify(%q) = %v, %v, nil; want an error", tt.encoded, ok, rehash)
			}
			if !errors.Is(err, ErrMalformedHash) {
				t.Errorf("error %v does not wrap ErrMalformedHash", err)
			}
			if ok || rehash {
				t.Errorf("Verify(%q) = %v, %v with an error", tt.encoded, ok, rehash)
			}
		})
	}
	// the untouched string verifies: the table's failures come from the edits
	if ok, _, err := h.Verify(context.Background(), good, "pw"); err != nil || !ok {
		t.Fatalf("control: Verify(good) = %v, %v", ok, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	cur := HashParams{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	current := NewHasher(cur, 1)
	with := func(edit func(*HashParams)) HashParams {
		p := cur
		edit(&p)
		return p
	}
	tests := []struct {
		name string
		old  HashParams
		want bool
	}{
		{"same params", cur, false},
		{"less memory", with(func(p *HashParams) { p.Memory = 32 }), true},
		{"more memory", with(func(p *HashParams) { p.Memory = 128 }), false},
		{"fewer passes", with(func(p *HashParams) { p.Time = 1 }), true},
		{"more passes", with(func(p *HashParams) { p.Time = 3 }), false},
		{"more threads", with(func(p *HashParams) { p.Threads = 2 }), false},
		{"shorter salt", with(func(p *HashParams) { p.SaltLen = 8 }), true},
		{"shorter key", with(func(p *HashParams) { p.KeyLen = 16 }), true},
		{"less memory, more passes", with(func(p *HashParams) { p.Memory, p.Time = 32, 4 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := NewHasher(tt.old, 1).Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := current.Verify(ctx, enc, "pw")
			if err != nil || !ok {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			if rehash != tt.want {
				t.Errorf("needsRehash = %v, want %v", rehash, tt.want)
			}
			// a wrong password never asks for a rehash
			if ok, rehash, _ := current.Verify(ctx, enc, "wrong"); ok || rehash {
				t.Errorf("wrong password: ok=%v needsRehash=%v", ok, rehash)
			}
		})
	}
}

func TestHashTooLong(t *testing.T) {
	h := NewHasher(testParams, 1)
	if _, err := h.Hash(context.Background(), strings.Repeat("a", MaxPasswordBytes+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Fatalf("Hash(overlong) error = %v, want ErrPasswordTooLong", err)
	}
	if _, err := h.Hash(context.Background(), strings.Repeat("a", MaxPasswordBytes)); err != nil {
		t.Fatalf("Hash(max length) error = %v", err)
	}
}

func TestDummyVerify(t *testing.T) {
	h := NewHasher(testParams, 1)
	var derivations atomic.Int32
	h.testHook = func(d int) {
		if d > 0 {
			derivations.Add(1)
		}
	}
	if err := h.DummyVerify(context.Background()); err != nil {
		t.Fatalf("DummyVerify: %v", err)
	}
	if n := derivations.Load(); n != 1 {
		t.Fatalf("DummyVerify ran %d derivations, want exactly 1 (same cost as Verify)", n)
	}
	// the dummy hash has the hasher's parameters, so it costs what a real one does
	p, _, _, err := decodeHash(h.dummy)
	if err != nil || p != testParams {
		t.Fatalf("dummy hash params %+v, %v; want %+v", p, err, testParams)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.DummyVerify(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("DummyVerify(cancelled) = %v, want context.Canceled", err)
	}
}

func TestNewHasherInvalidParamsPanics(t *testing.T) {
	bad := []HashParams{
		{},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1)
		}()
	}
}

func TestNewHasherDefaults(t *testing.T) {
	h := NewHasher(testParams, 0)
	st := h.Stats()
	if st.Workers < 1 || st.Active != 0 || st.Waiting != 0 {
		t.Fatalf("Stats = %+v", st)
	}
	if h.maxWaiting != int64(st.Workers)*64 {
		t.Fatalf("default maxWaiting = %d, want %d", h.maxWaiting, st.Workers*64)
	}
	if h.Params() != testParams {
		t.Fatalf("Params = %+v", h.Params())
	}
}

// gate blocks every derivation until released, and records the peak number
// of derivations running at once.
type gate struct {
	release         chan struct{}
	active, peak, n atomic.Int32
	started         chan struct{}
}

func newGate(h *Hasher) *gate {
	g := &gate{release: make(chan struct{}), started: make(chan struct{}, 1000)}
	h.testHook = func(d int) {
		if d < 0 {
			g.active.Add(-1)
			return
		}
		a := g.active.Add(1)
		g.n.Add(1)
		for {
			p := g.peak.Load()
			if a <= p || g.peak.CompareAndSwap(p, a) {
				break
			}
		}
		g.started <- struct{}{}
		<-g.release
	}
	return g
}

// waitFor polls cond (no sleeps as proof: only to yield while goroutines park).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPoolBound(t *testing.T) {
	const workers, callers = 2, 20
	h := NewHasher(testParams, workers)
	g := newGate(h)

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := h.Hash(context.Background(), "pw")
			errs <- err
		})
	}
	// Both workers are busy and held; everyone else must be queued.
	<-g.started
	<-g.started
	waitFor(t, "18 waiters", func() bool { return h.Stats().Waiting == callers-workers })
	if st := h.Stats(); st.Active != workers {
		t.Fatalf("Stats = %+v, want %d active", st, workers)
	}
	if a := g.active.Load(); a != workers {
		t.Fatalf("%d derivations running while saturated, want %d", a, workers)
	}
	close(g.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
	if n := g.n.Load(); n != callers {
		t.Errorf("%d derivations ran, want %d", n, callers)
	}
	if p := g.peak.Load(); p > workers || p < 1 {
		t.Errorf("peak concurrency %d, want between 1 and %d", p, workers)
	}
	if st := h.Stats(); st.Active != 0 || st.Waiting != 0 {
		t.Errorf("Stats after = %+v, want idle", st)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	h := NewHasher(testParams, 1)
	g := newGate(h)
	holder := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "holder")
		holder <- err
	}()
	<-g.started // the only worker is taken

	t.Run("cancel while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		res := make(chan error, 1)
		go func() {
			_, _, err := h.Verify(ctx, h.dummy, "pw")
			res <- err
		}()
		waitFor(t, "a waiter", func() bool { return h.Stats().Waiting == 1 })
		cancel()
		err := <-res
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Verify = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "waiting for a password worker") {
			t.Errorf("error %q lacks context", err)
		}
	})
	t.Run("deadline while waiting", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := h.Hash(ctx, "pw")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Hash = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("already cancelled does not take a free worker", func(t *testing.T) {
		h2 := NewHasher(testParams, 1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := h2.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash = %v, want context.Canceled", err)
		}
	})
	if w := h.Stats().Waiting; w != 0 {
		t.Errorf("waiting = %d after the waiters left, want 0", w)
	}
	close(g.release)
	if err := <-holder; err != nil {
		t.Fatalf("holder: %v", err)
	}
}

func TestErrBusy(t *testing.T) {
	tests := []struct {
		name       string
		maxWaiting int
		queued     int // callers that must be accepted into the queue
	}{
		{"queue of 3", 3, 3},
		{"no queue", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(testParams, 1, WithMaxWaiting(tt.maxWaiting))
			g := newGate(h)
			var wg sync.WaitGroup
			errs := make(chan error, tt.queued+1)
			for range tt.queued + 1 { // one runs, the rest queue
				wg.Go(func() {
					_, err := h.Hash(context.Background(), "pw")
					errs <- err
				})
			}
			<-g.started
			waitFor(t, "a full queue", func() bool { return h.Stats().Waiting == tt.queued })

			_, err := h.Hash(context.Background(), "pw")
			if !errors.Is(err, ErrBusy) {
				t.Fatalf("Hash with a full queue = %v, want ErrBusy", err)
			}
			_, _, err = h.Verify(context.Background(), h.dummy, "pw")
			if !errors.Is(err, ErrBusy) {
				t.Fatalf("Verify with a full queue = %v, want ErrBusy", err)
			}
			if err := h.DummyVerify(context.Background()); !errors.Is(err, ErrBusy) {
				t.Fatalf("DummyVerify with a full queue = %v, want ErrBusy", err)
			}
			if w := h.Stats().Waiting; w != tt.queued {
				t.Fatalf("rejected callers changed the queue: waiting = %d", w)
			}
			close(g.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("queued Hash: %v", err)
				}
			}
		})
	}
}

func TestUnlimitedQueue(t *testing.T) {
	h := NewHasher(testParams, 1, WithMaxWaiting(-1))
	g := newGate(h)
	const callers = 200
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range callers {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), "pw"); err != nil {
				failed.Add(1)
			}
		})
	}
	<-g.started
	waitFor(t, "all callers queued", func() bool { return h.Stats().Waiting == callers-1 })
	close(g.release)
	wg.Wait()
	if f := failed.Load(); f != 0 {
		t.Fatalf("%d callers failed with an unlimited queue", f)
	}
}
