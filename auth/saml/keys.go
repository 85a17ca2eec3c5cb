package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// Keys are the service provider's signing and decryption key pair. One pair
// serves every configured IdP.
type Keys struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// Key and certificate file names inside <data dir>/saml.
const (
	keyFile  = "sp.key"
	certFile = "sp.crt"
)

// ReadKeyFiles reads the key pair kept in <dataDir>/saml (sp.key, sp.crt) by
// Gatehouse versions that stored it there. found is false when neither file
// exists; one file without the other is an error, since a half pair must not
// be silently replaced (the IdPs trust the old certificate).
func ReadKeyFiles(dataDir string) (keyPEM, certPEM []byte, found bool, err error) {
	dir := filepath.Join(dataDir, "saml")
	keyPEM, kerr := os.ReadFile(filepath.Join(dir, keyFile))
	certPEM, cerr := os.ReadFile(filepath.Join(dir, certFile))
	switch {
	case kerr == nil && cerr == nil:
		if _, err := ParseKeys(keyPEM, certPEM); err != nil {
			return nil, nil, false, fmt.Errorf("saml keys in %s: %w", dir, err)
		}
		return keyPEM, certPEM, true, nil
	case errors.Is(kerr, os.ErrNotExist) && errors.Is(cerr, os.ErrNotExist):
		return nil, nil, false, nil
	case kerr != nil && !errors.Is(kerr, os.ErrNotExist):
		return nil, nil, false, fmt.Errorf("read saml key: %w", kerr)
	case cerr != nil && !errors.Is(cerr, os.ErrNotExist):
		return nil, nil, false, fmt.Errorf("read saml certificate: %w", cerr)
	default:
		return nil, nil, false, fmt.Errorf("saml keys in %s: only one of %s and %s exists; restore the other or remove both", dir, keyFile, certFile)
	}
}

// GenerateKeys makes a key pair that is kept nowhere (tests).
func GenerateKeys(now time.Time) (*Keys, error) {
	k, _, _, err := NewKeyPair(now)
	return k, err
}

// NewKeyPair makes a fresh RSA 2048 key with a ten-year self-signed
// certificate, and their PEM encodings to store.
func NewKeyPair(now time.Time) (*Keys, []byte, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generate saml key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Gatehouse SAML service provider"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("self-sign saml certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse saml certificate: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return &Keys{Key: key, Cert: cert}, keyPEM, certPEM, nil
}

// ParseKeys reads a PEM key pair (PKCS#1 or PKCS#8 RSA key) and checks that
// the certificate belongs to the key.
func ParseKeys(keyPEM, certPEM []byte) (*Keys, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, fmt.Errorf("%s is not PEM", keyFile)
	}
	var key *rsa.PrivateKey
	switch kb.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyFile, err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", keyFile, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: want an RSA key (XML encryption needs one)", keyFile)
		}
		key = rk
	default:
		return nil, fmt.Errorf("%s: unexpected PEM block %q", keyFile, kb.Type)
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s is not a PEM certificate", certFile)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("%s does not belong to %s", certFile, keyFile)
	}
	return &Keys{Key: key, Cert: cert}, nil
}
