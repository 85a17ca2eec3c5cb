package saml

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"

	"github.com/gatehouse/gatehouse/clock"
)

// Identity is what a verified assertion says about the user.
type Identity struct {
	// Subject is the stable id: the uid attribute, or the NameID.
	Subject       string
	Email         string
	EmailVerified bool
	Username      string
	FirstName     string
	LastName      string
	// AssertionID identifies the accepted assertion (for the log).
	AssertionID string
}

// mapIdentity reads the account fields from the assertion.
func mapIdentity(a *crewsaml.Assertion, m AttributeMapping) (*Identity, error) {
	values := map[string]string{}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			if len(attr.Values) == 0 {
				continue
			}
			v := strings.TrimSpace(attr.Values[0].Value)
			for _, k := range []string{attr.Name, attr.FriendlyName} {
				if k != "" {
					if _, seen := values[k]; !seen {
						values[k] = v
					}
				}
			}
		}
	}
	get := func(name string) string {
		if name == "" {
			return ""
		}
		return values[name]
	}
	nameID := ""
	if a.Subject != nil && a.Subject.NameID != nil {
		nameID = strings.TrimSpace(a.Subject.NameID.Value)
	}
	id := &Identity{
		Subject:       get(m.UID),
		Email:         get(m.Email),
		EmailVerified: truthy(get(m.EmailVerified)),
		Username:      get(m.Username),
		FirstName:     get(m.FirstName),
		LastName:      get(m.LastName),
		AssertionID:   a.ID,
	}
	if id.Subject == "" {
		id.Subject = nameID
	}
	if id.Subject == "" {
		return nil, fmt.Errorf("%w: the assertion names no subject (no NameID and no %q attribute)", ErrInvalidResponse, m.UID)
	}
	return id, nil
}

// truthy reads the usual spellings of a true boolean attribute.
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on", "y", "t":
		return true
	}
	return false
}

func xmlMarshal(v any) ([]byte, error) {
	buf, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), buf...), nil
}

// clockAdapter lets crewjam and goxmldsig read the product clock. Only Now,
// Since and Until matter to them; the timer methods use real time.
type clockAdapter struct{ c clock.Clock }

var _ clockwork.Clock = clockAdapter{}

func (a clockAdapter) Now() time.Time                         { return a.c.Now() }
func (a clockAdapter) Since(t time.Time) time.Duration        { return a.c.Now().Sub(t) }
func (a clockAdapter) Until(t time.Time) time.Duration        { return t.Sub(a.c.Now()) }
func (a clockAdapter) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (a clockAdapter) Sleep(d time.Duration)                  { time.Sleep(d) }
func (a clockAdapter) NewTicker(d time.Duration) clockwork.Ticker {
	return clockwork.NewRealClock().NewTicker(d)
}
func (a clockAdapter) NewTimer(d time.Duration) clockwork.Timer {
	return clockwork.NewRealClock().NewTimer(d)
}
func (a clockAdapter) AfterFunc(d time.Duration, f func()) clockwork.Timer {
	return clockwork.NewRealClock().AfterFunc(d, f)
}
