package server

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// auditedBilling wraps a billing handler that changes something: when it
// answers 2xx, the change is recorded in the audit log as
// "billing.<what>" with the subscription, invoice or quote it touched (the
// :id of the path, else the id of the created object).
func (s *Server) auditedBilling(what, targetType string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h(c); err != nil {
			return err
		}
		if st := c.Response().StatusCode(); st < 200 || st > 299 {
			return nil
		}
		var target any
		if id, err := strconv.ParseUint(c.Params("id"), 10, 64); err == nil {
			target = id
		} else {
			// The created object: {id} or {subscription: {id}, invoice}.
			var created struct {
				ID           uint64 `json:"id"`
				Subscription struct {
					ID uint64 `json:"id"`
				} `json:"subscription"`
			}
			if json.Unmarshal(c.Response().Body(), &created) == nil {
				if created.ID != 0 {
					target = created.ID
				} else if created.Subscription.ID != 0 {
					target = created.Subscription.ID
				}
			}
		}
		s.audit(c, AuditBillingPrefix+what, targetType, target, map[string]any{"method": c.Method(), "path": c.Path()})
		return nil
	}
}
