package saml_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/auth/saml"
	"github.com/gatehouse/gatehouse/auth/saml/samltest"
	"github.com/gatehouse/gatehouse/clock"
)

// FuzzSAMLResponse feeds arbitrary SAMLResponse bodies to the ACS parser:
// it must never panic, and must never accept one (nothing here is signed
// by the IdP key except the seeded real response, which is consumed once).
func FuzzSAMLResponse(f *testing.F) {
	clk := clock.NewFake(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	idp := samltest.Start(f, clk)
	k, err := saml.GenerateKeys(clk.Now())
	if err != nil {
		f.Fatal(err)
	}
	sp, err := saml.New(saml.Options{ID: "fuzz", BaseURL: "https://gatehouse.test", EntityID: idp.EntityID(),
		SSOURL: idp.SSOURL, X509Cert: idp.CertPEM(), Mapping: saml.AttributeMapping{Email: "email"}},
		saml.Config{Keys: k, Replay: &memReplay{}, Clock: clk})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "PA==", "PHNhbWxwOlJlc3BvbnNlLz4=",
		base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`)),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		id, err := sp.ParseResponse(context.Background(), body, "id-fuzz-request")
		if err == nil {
			t.Fatalf("accepted an unsigned fuzz input: %+v", id)
		}
		if !errors.Is(err, saml.ErrInvalidResponse) && !errors.Is(err, saml.ErrBadSignature) && !errors.Is(err, saml.ErrAccessDenied) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
