package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Token sizes in random bytes.
const (
	DefaultTokenBytes = 32   // 256 bits
	MinTokenBytes     = 16   // 128 bits: below that a token is guessable at scale
	MaxTokenBytes     = 1024 // sanity bound
	keyBytes          = 20   // API keys: 40 hex characters, like Django REST framework's
)

// NewToken returns nBytes of crypto/rand output as URL-safe base64 without
// padding, for session ids, reset, verification and invitation tokens and
// personal access tokens. nBytes 0 means DefaultTokenBytes. Store only
// HashToken(token), never the token.
func NewToken(nBytes int) (string, error) {
	if nBytes == 0 {
		nBytes = DefaultTokenBytes
	}
	if nBytes < MinTokenBytes || nBytes > MaxTokenBytes {
		return "", fmt.Errorf("auth: token size %d bytes out of range [%d, %d]", nBytes, MinTokenBytes, MaxTokenBytes)
	}
	b := make([]byte, nBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewKey returns a 40-character lowercase hex API key (20 random bytes), the
// format of Django REST framework's token key that clients send as
// "Authorization: Token <key>". Like any token, store only HashToken(key).
func NewKey() (string, error) {
	b := make([]byte, keyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// HashToken returns the lowercase hex SHA-256 of token (64 characters): the
// value the database stores and looks tokens up by. Tokens carry at least
// 128 random bits, so a plain fast hash is enough (no salt, no argon2).
func HashToken(token string) string {
	return HashHex(TokenSum(token))
}

// TokenSum is the SHA-256 behind HashToken, for callers that key a map by
// it without the hex encoding.
func TokenSum(token string) [sha256.Size]byte {
	// Copy a token of usual length to the stack: []byte(token) would be a
	// heap allocation on every authenticated request.
	var buf [128]byte
	if len(token) <= len(buf) {
		return sha256.Sum256(append(buf[:0], token...))
	}
	return sha256.Sum256([]byte(token))
}

// HashHex encodes a TokenSum the way HashToken does.
func HashHex(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:]) }

// EqualHash compares two token hashes in constant time (for equal lengths;
// the length itself is not secret).
func EqualHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// VerifyToken reports whether token hashes to storedHash, in constant time.
func VerifyToken(token, storedHash string) bool {
	return EqualHash(HashToken(token), storedHash)
}
