package server

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

type membershipBody struct {
	ID           uint64         `json:"id"`
	User         *basicUserBody `json:"user"`
	Organization uint64         `json:"organization"`
	IsActive     bool           `json:"is_active"`
	JoinedDate   *time.Time     `json:"joined_date"`
	Role         string         `json:"role"`
	Invitation   *string        `json:"invitation"`
}

func (s *Server) membershipBodies(c *fiber.Ctx, ms []models.Membership) ([]membershipBody, error) {
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.usersByID(c, ids)
	if err != nil {
		return nil, err
	}
	out := make([]membershipBody, len(ms))
	for i, m := range ms {
		out[i] = membershipBody{ID: m.ID, User: s.basicUser(users[m.UserID]), Organization: m.OrganizationID,
			IsActive: m.IsActive, JoinedDate: m.JoinedAt, Role: m.Role, Invitation: m.InvitationKey}
	}
	return out, nil
}

func membershipResource(m *models.Membership) map[string]any {
	return map[string]any{"id": m.ID, "role": m.Role, "is_active": m.IsActive,
		"user": map[string]any{"id": m.UserID}, "organization": map[string]any{"id": m.OrganizationID}}
}

var membershipSortFields = SortFields{"id": "memberships.id", "role": "memberships.role", "user": "memberships.user_id", "joined_date": "memberships.joined_at"}

var membershipColumns = map[string]string{
	"id":              "memberships.id",
	"user_id":         "memberships.user_id",
	"organization_id": "memberships.organization_id",
	"member_id":       "memberships.organization_id IN (SELECT organization_id FROM memberships AS m2 WHERE m2.is_active = TRUE AND m2.user_id = ?)",
}

func (s *Server) membershipsList(c *fiber.Ctx) error {
	l, err := s.startList(c, "memberships", membershipSortFields, "id")
	if err != nil {
		return err
	}
	me, sc, q, f := l.me, l.org, l.query, l.filter
	base := s.db.WithContext(c.UserContext()).Model(&models.Membership{})
	switch sc.Parsed.Scope {
	case OrgNamed:
		base = base.Where("memberships.organization_id = ?", sc.Org.ID)
	case OrgPersonal:
		base = base.Where("memberships.user_id = ?", me.ID)
	}
	args := c.Context().QueryArgs()
	if args.Has("role") {
		base = base.Where("memberships.role = ?", string(args.Peek("role")))
	}
	if args.Has("user") {
		base = base.Where("memberships.user_id IN (SELECT id FROM users WHERE username_lower = ?)", strings.ToLower(string(args.Peek("user"))))
	}
	if q.Search != "" {
		like := "%" + models.EscapeLike(strings.ToLower(q.Search)) + "%"
		base = base.Where("(memberships.user_id IN (SELECT id FROM users WHERE username_lower LIKE ? ESCAPE '\\') OR memberships.role LIKE ? ESCAPE '\\')", like, like)
	}
	rows, total, err := models.ListPage[models.Membership](base, f, membershipColumns, q.Apply)
	if err != nil {
		return err
	}
	bodies, err := s.membershipBodies(c, rows)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, bodies))
}

// targetMembership loads {id}; the policy context is the membership's org.
func (s *Server) targetMembership(c *fiber.Ctx) (*models.User, *models.Membership, *models.Organization, *models.Membership, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, nil, nil, nil, NotFound("Not found.")
	}
	target, err := s.db.MembershipByID(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, nil, nil, NotFound("Not found.")
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	org, err := s.db.OrganizationByID(c.UserContext(), target.OrganizationID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	mine, err := s.membershipOrNil(c, me.ID, org.ID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if mine == nil && !me.IsAdmin() {
		return nil, nil, nil, nil, NotFound("Not found.")
	}
	return me, target, org, mine, nil
}

func (s *Server) membershipGet(c *fiber.Ctx) error {
	me, target, org, mine, err := s.targetMembership(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "memberships", "view", authFor(me, org, mine), membershipResource(target)); err != nil {
		return err
	}
	bodies, err := s.membershipBodies(c, []models.Membership{*target})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, bodies[0])
}

type membershipPatch struct {
	Role *string `json:"role"`
}

func (s *Server) membershipPatch(c *fiber.Ctx) error {
	me, target, org, mine, err := s.targetMembership(c)
	if err != nil {
		return err
	}
	var in membershipPatch
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Role == nil {
		return FieldError("role", "This field is required.")
	}
	if !models.ValidOrgRole(*in.Role) {
		return FieldError("role", "%q is not a valid choice: worker, supervisor or maintainer.", *in.Role)
	}
	if *in.Role == models.OrgOwner {
		return FieldError("role", "Nobody becomes the owner through the API.")
	}
	if target.Role == models.OrgOwner {
		return Forbidden("The owner's role cannot be changed.")
	}
	res := membershipResource(target)
	res["new_role"] = *in.Role
	if err := s.authorize(c, "memberships", "change:role", authFor(me, org, mine), res); err != nil {
		return err
	}
	if err := s.db.SetMembershipRole(c.UserContext(), target.ID, *in.Role); err != nil {
		return err
	}
	s.logger(c).Info("organization role changed", "org_id", org.ID, "membership_id", target.ID, "user_id", target.UserID, "from", target.Role, "to", *in.Role, "by", me.ID)
	s.audit(c, AuditMembershipRoleChanged, "membership", target.ID, map[string]any{"org_id": org.ID, "user_id": target.UserID, "from": target.Role, "to": *in.Role})
	target.Role = *in.Role
	bodies, err := s.membershipBodies(c, []models.Membership{*target})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, bodies[0])
}

func (s *Server) membershipDelete(c *fiber.Ctx) error {
	me, target, org, mine, err := s.targetMembership(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "memberships", "delete", authFor(me, org, mine), membershipResource(target)); err != nil {
		return err
	}
	if err := s.db.DeleteMembership(c.UserContext(), target.ID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return Forbidden("The owner cannot leave or be removed from the organization.")
		}
		return err
	}
	s.logger(c).Info("member removed", "org_id", org.ID, "user_id", target.UserID, "by", me.ID)
	s.audit(c, AuditMembershipRemoved, "membership", target.ID, map[string]any{"org_id": org.ID, "user_id": target.UserID, "role": target.Role})
	return c.SendStatus(fiber.StatusNoContent)
}
