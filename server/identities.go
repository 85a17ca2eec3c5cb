package server

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

type identityBody struct {
	ID           uint64     `json:"id"`
	Provider     string     `json:"provider"`
	ProviderName string     `json:"provider_name"`
	Subject      string     `json:"subject"`
	Email        string     `json:"email"`
	CreatedDate  time.Time  `json:"created_date"`
	LastLogin    *time.Time `json:"last_login"`
}

// providerName is the display name of a stored provider key.
func (s *Server) providerName(provider string) string {
	kind, id, _ := strings.Cut(provider, ":")
	switch kind {
	case "social":
		if n, ok := socialNames[id]; ok {
			return n
		}
	case "oidc", "saml":
		for _, p := range s.external.cfg.SSO.IdentityProviders {
			if p.ID == id && p.Protocol == kind {
				return p.Name
			}
		}
	}
	return id
}

var identitySortFields = SortFields{"id": "id", "created_date": "created_date", "provider": "provider"}

// identitiesList pages the caller's linked identities.
func (s *Server) identitiesList(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, identitySortFields, "id")
	if err != nil {
		return err
	}
	rows, total, err := s.db.ListIdentities(c.UserContext(), me.ID, q.Apply)
	if err != nil {
		return err
	}
	out := make([]identityBody, len(rows))
	for i, r := range rows {
		out[i] = identityBody{ID: r.ID, Provider: r.Provider, ProviderName: s.providerName(r.Provider), Subject: r.Subject,
			Email: r.Email, CreatedDate: r.CreatedDate, LastLogin: r.LastLogin}
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, out))
}

// identityDelete unlinks one of the caller's identities, unless it is the
// last way left to sign in.
func (s *Server) identityDelete(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return NotFound("Not found.")
	}
	err = s.db.DeleteIdentity(c.UserContext(), me.ID, id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return NotFound("Not found.")
	case errors.Is(err, models.ErrLastSignInMethod):
		// {"detail"} as agreed with the UI, rather than non_field_errors.
		return sendJSON(c, fiber.StatusBadRequest, fiber.Map{"detail": "This is the last way to sign in to your account: set a password first, then unlink it."})
	case err != nil:
		return err
	}
	s.logger(c).Info("external identity unlinked", "user_id", me.ID, "identity_id", id)
	s.audit(c, "auth.identity_unlinked", "identity", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}
