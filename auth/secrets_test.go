package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	tests := []struct {
		name    string
		nBytes  int
		wantLen int // base64 characters
		wantErr bool
	}{
		{"default", 0, 43, false},
		{"32 bytes", 32, 43, false},
		{"minimum", MinTokenBytes, 22, false},
		{"odd size", 33, 44, false},
		{"maximum", MaxTokenBytes, 1366, false},
		{"too small", MinTokenBytes - 1, 0, true},
		{"negative", -1, 0, true},
		{"too large", MaxTokenBytes + 1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewToken(tt.nBytes)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewToken(%d) = %q, want an error", tt.nBytes, tok)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewToken(%d): %v", tt.nBytes, err)
			}
			if len(tok) != tt.wantLen {
				t.Errorf("len = %d, want %d", len(tok), tt.wantLen)
			}
			if !urlSafe.MatchString(tok) {
				t.Errorf("token %q is not URL-safe unpadded base64", tok)
			}
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := tt.nBytes
			if want == 0 {
				want = DefaultTokenBytes
			}
			if len(raw) != want {
				t.Errorf("decoded %d bytes, want %d", len(raw), want)
			}
		})
	}
}

func TestTokensAndKeysAreUnique(t *testing.T) {
	const n = 10000
	gens := map[string]func() (string, error){
		"NewToken": func() (string, error) { return NewToken(0) },
		"NewKey":   NewKey,
	}
	for name, gen := range gens {
		seen := make(map[string]bool, n)
		for range n {
			s, err := gen()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if seen[s] {
				t.Fatalf("%s repeated %q", name, s)
			}
			seen[s] = true
		}
	}
}

func TestNewKey(t *testing.T) {
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)
	for range 100 {
		k, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		if !hex40.MatchString(k) {
			t.Fatalf("key %q is not 40 lowercase hex characters", k)
		}
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct{ in, want string }{
		// sha256 test vectors
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashToken(tt.in); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	tok, err := NewToken(0)
	if err != nil {
		t.Fatal(err)
	}
	h := HashToken(tok)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("HashToken = %q, want 64 lowercase hex characters", h)
	}
	if h == tok {
		t.Fatal("hash equals the token")
	}
}

func TestEqualHashAndVerifyToken(t *testing.T) {
	tok, err := NewToken(0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewToken(0)
	if err != nil {
		t.Fatal(err)
	}
	h := HashToken(tok)
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same", h, HashToken(tok), true},
		{"different token", h, HashToken(other), false},
		{"prefix", h, h[:63], false},
		{"empty vs hash", "", h, false},
		{"both empty", "", "", true},
	}
	for _, tt := range tests {
		if got := EqualHash(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: EqualHash = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !VerifyToken(tok, h) {
		t.Error("VerifyToken(token, its hash) = false")
	}
	if VerifyToken(other, h) {
		t.Error("VerifyToken(other token, hash) = true")
	}
	if VerifyToken(h, h) {
		t.Error("VerifyToken(hash itself, hash) = true: the stored hash must not work as a token")
	}
}

// TestTokenSumAnyLength: the stack copy for usual tokens and the plain
// conversion for long ones give the same SHA-256 that HashToken encodes.
func TestTokenSumAnyLength(t *testing.T) {
	for _, n := range []int{0, 1, 40, 127, 128, 129, 4096} {
		tok := strings.Repeat("k", n)
		want := sha256.Sum256([]byte(tok))
		if got := TokenSum(tok); got != want {
			t.Errorf("TokenSum of %d bytes = %x, want %x", n, got, want)
		}
		if got := HashToken(tok); got != hex.EncodeToString(want[:]) {
			t.Errorf("HashToken of %d bytes = %s", n, got)
		}
	}
}
