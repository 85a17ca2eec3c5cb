package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{" 192.168.1.5 , 10.1.2.3/16,::1", []string{"192.168.1.5/32", "10.1.0.0/16", "::1/128"}, false},
		{"10.0.0.0/8,nope", nil, true},
		{"300.1.1.1", nil, true},
	}
	for _, tc := range tests {
		got, err := ParseTrustedProxies(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if !tc.wantErr && len(s) != len(tc.want) {
			t.Errorf("%q: got %v, want %v", tc.in, s, tc.want)
			continue
		}
		for i := range tc.want {
			if s[i] != tc.want[i] {
				t.Errorf("%q: got %v, want %v", tc.in, s, tc.want)
			}
		}
	}
}

// TestClientIPBehindProxies: the per-IP lockout counts by the client's
// address only when the peer is a trusted proxy; otherwise X-Forwarded-For
// is a header anyone can write and changes nothing.
func TestClientIPBehindProxies(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	login := func(t *testing.T, env *accountsEnv, user, xff string) int {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"username": user, "password": "Wrong-Password-123"})
		req, _ := http.NewRequest("POST", env.URL+"/api/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", env.URL)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := env.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Five failures, each for another account (no per-account lockout), from
	// the address the header names.
	fail5 := func(t *testing.T, env *accountsEnv, xff string) {
		t.Helper()
		for i := range 5 {
			if st := login(t, env, "nobody"+string(rune('a'+i)), xff); st != 400 {
				t.Fatalf("failure %d: status %d, want 400", i, st)
			}
		}
	}
	t.Run("no trusted proxy: the header is ignored", func(t *testing.T) {
		env := newAccountsEnv(t, envOptions{})
		fail5(t, env, "203.0.113.1")
		if st := login(t, env, "someone", "203.0.113.2"); st != 429 {
			t.Fatalf("another forwarded address from the same peer: status %d, want 429 (the peer is locked)", st)
		}
	})
	t.Run("trusted proxy: the client is counted", func(t *testing.T) {
		env := newAccountsEnv(t, envOptions{trustedProxies: loopback})
		fail5(t, env, "203.0.113.1")
		if st := login(t, env, "someone", "203.0.113.1"); st != 429 {
			t.Fatalf("same client: status %d, want 429", st)
		}
		if st := login(t, env, "someone", "203.0.113.2"); st != 400 {
			t.Fatalf("another client behind the same proxy: status %d, want 400 (not locked)", st)
		}
		// A client cannot escape by writing its own hop to the left: the
		// proxy appends the real address on the right.
		if st := login(t, env, "someone", "198.51.100.7, 203.0.113.1"); st != 429 {
			t.Fatalf("spoofed left hop: status %d, want 429", st)
		}
		// Trusted hops on the right are skipped.
		if st := login(t, env, "someone", "203.0.113.1, 127.0.0.1"); st != 429 {
			t.Fatalf("client behind two trusted hops: status %d, want 429", st)
		}
	})
}
