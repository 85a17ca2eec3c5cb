package server

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// invitationTTL is how long an invitation can be accepted after it was sent.
const invitationTTL = 7 * 24 * time.Hour

// Resends allowed per user per hour.
const resendsPerHour = 5

type invitationBody struct {
	Key              string         `json:"key"`
	CreatedDate      time.Time      `json:"created_date"`
	SentDate         time.Time      `json:"sent_date"`
	ExpiryDate       time.Time      `json:"expiry_date"`
	Owner            *basicUserBody `json:"owner"`
	Role             string         `json:"role"`
	User             basicUserBody  `json:"user"`
	Email            string         `json:"email"`
	Organization     uint64         `json:"organization"`
	Expired          bool           `json:"expired"`
	Accepted         bool           `json:"accepted"`
	OrganizationInfo orgInfo        `json:"organization_info"`
}

type orgInfo struct {
	ID   uint64 `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (s *Server) invitationBodies(c *fiber.Ctx, invs []models.Invitation) ([]invitationBody, error) {
	var userIDs, orgIDs []uint64
	for _, inv := range invs {
		if inv.OwnerID != nil {
			userIDs = append(userIDs, *inv.OwnerID)
		}
		if inv.InviteeID != nil {
			userIDs = append(userIDs, *inv.InviteeID)
		}
		orgIDs = append(orgIDs, inv.OrganizationID)
	}
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	orgs := map[uint64]models.Organization{}
	if len(orgIDs) > 0 {
		var rows []models.Organization
		if err := s.db.WithContext(c.UserContext()).Where("id IN ?", orgIDs).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, o := range rows {
			orgs[o.ID] = o
		}
	}
	now := s.clock.Now()
	out := make([]invitationBody, len(invs))
	for i, inv := range invs {
		var owner *models.User
		if inv.OwnerID != nil {
			owner = users[*inv.OwnerID]
		}
		invitee := basicUserBody{Username: inv.Email}
		if inv.InviteeID != nil && users[*inv.InviteeID] != nil {
			invitee = *s.basicUser(users[*inv.InviteeID])
		}
		o := orgs[inv.OrganizationID]
		out[i] = invitationBody{Key: inv.Key, CreatedDate: inv.CreatedAt, SentDate: inv.SentAt, ExpiryDate: inv.ExpiresAt,
			Owner: s.basicUser(owner), Role: inv.Role, User: invitee, Email: inv.Email, Organization: inv.OrganizationID,
			Expired: inv.AcceptedAt == nil && !now.Before(inv.ExpiresAt), Accepted: inv.AcceptedAt != nil,
			OrganizationInfo: orgInfo{ID: o.ID, Slug: o.Slug, Name: o.Name}}
	}
	return out, nil
}

func invitationResource(inv *models.Invitation) map[string]any {
	var owner, invitee any
	if inv.OwnerID != nil {
		owner = *inv.OwnerID
	}
	if inv.InviteeID != nil {
		invitee = *inv.InviteeID
	}
	return map[string]any{"key": inv.Key, "role": inv.Role, "owner": map[string]any{"id": owner},
		"invitee": map[string]any{"id": invitee}, "organization": map[string]any{"id": inv.OrganizationID}}
}

type invitationRequest struct {
	Role  string `json:"role"`
	Email string `json:"email"`
}

func (s *Server) invitationsCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var in invitationRequest
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	in.Email = strings.TrimSpace(in.Email)
	v := Validation{}
	validateEmail(v, "email", in.Email)
	if !models.ValidOrgRole(in.Role) {
		v.Add("role", "%q is not a valid choice: worker, supervisor, maintainer.", in.Role)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if sc.Org == nil {
		return BadRequest("Invitations are sent from an organization: choose one (org, org_id or X-Organization).")
	}
	if err := s.authorize(c, "invitations", "create", authFor(me, sc.Org, sc.Membership),
		map[string]any{"role": in.Role, "owner": map[string]any{"id": me.ID}, "invitee": map[string]any{"id": nil},
			"organization": map[string]any{"id": sc.Org.ID}}); err != nil {
		return err
	}
	if in.Role == models.OrgOwner {
		return FieldError("role", "Nobody can be invited as the owner: choose maintainer, supervisor or worker.")
	}
	now := s.clock.Now()
	key, err := auth.NewToken(24)
	if err != nil {
		return err
	}
	secret, err := auth.NewToken(32)
	if err != nil {
		return err
	}
	inv := &models.Invitation{Key: key, TokenHash: auth.HashToken(secret), OrganizationID: sc.Org.ID, OwnerID: &me.ID,
		Email: in.Email, Role: in.Role, CreatedAt: now, SentAt: now, ExpiresAt: now.Add(invitationTTL)}
	err = s.db.WithContext(c.UserContext()).Transaction(func(tx *gorm.DB) error {
		// An address that cannot be invited anyway says so, rather than
		// the plan's limit (CreateInvitationTx checks again under the lock).
		if err := models.InvitableTx(tx, sc.Org.ID, in.Email, now); err != nil {
			return err
		}
		if err := s.checkLimitsTx(c, tx, joinLimits("create:invitation", sc.Org.ID)); err != nil {
			return err
		}
		if err := models.CreateInvitationTx(tx, inv, now); err != nil {
			return err
		}
		return s.mailInvitation(tx, inv, sc.Org, me, secret)
	})
	switch {
	case errors.Is(err, models.ErrAlreadyMember):
		return FieldError("email", "This person is already a member of the organization.")
	case errors.Is(err, models.ErrAlreadyInvited):
		return FieldError("email", "This person already has a pending invitation: resend it instead.")
	case err != nil:
		return err
	}
	s.logger(c).Info("invitation sent", "org_id", sc.Org.ID, "role", inv.Role, "by", me.ID)
	s.audit(c, AuditInvitationCreated, "invitation", inv.ID, map[string]any{"org_id": sc.Org.ID, "email": inv.Email, "role": inv.Role})
	bodies, err := s.invitationBodies(c, []models.Invitation{*inv})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusCreated, bodies[0])
}

// mailInvitation queues the invitation mail inside tx. People without an
// account get a sign-up link carrying the secret (it proves the address);
// people with one are sent to sign in and accept on their Invitations page.
func (s *Server) mailInvitation(tx *gorm.DB, inv *models.Invitation, org *models.Organization, inviter *models.User, secret string) error {
	link := s.cfg.BaseURL + "/auth/login?next=" + url.QueryEscape("/invitations")
	if inv.InviteeID == nil {
		link = s.cfg.BaseURL + "/auth/register?" + url.Values{"invitation": {secret}, "email": {inv.Email}}.Encode()
	}
	name := org.Name
	if name == "" {
		name = org.Slug
	}
	inviterName := strings.TrimSpace(inviter.FirstName + " " + inviter.LastName)
	if inviterName == "" {
		inviterName = inviter.Username
	}
	return s.mailTx(tx, "invitation", inv.Email, map[string]any{
		"OrgName": name, "InviterName": inviterName, "Role": inv.Role, "Link": link, "ExpiresAt": inv.ExpiresAt,
	})
}

var invitationSortFields = SortFields{"created_date": "invitations.created_at", "owner": "invitations.owner_id", "id": "invitations.id"}

var invitationColumns = map[string]string{
	"id":              "invitations.id",
	"owner_id":        "invitations.owner_id",
	"invitee_id":      "invitations.invitee_id",
	"organization_id": "invitations.organization_id",
	"member_id":       "invitations.organization_id IN (SELECT organization_id FROM memberships WHERE is_active = TRUE AND user_id = ?)",
}

func (s *Server) invitationsList(c *fiber.Ctx) error {
	l, err := s.startList(c, "invitations", invitationSortFields, "-created_date")
	if err != nil {
		return err
	}
	me, sc, q, f := l.me, l.org, l.query, l.filter
	base := s.db.WithContext(c.UserContext()).Model(&models.Invitation{}).Where("invitations.removed_at IS NULL")
	if sc.Org != nil {
		base = base.Where("invitations.organization_id = ?", sc.Org.ID)
	}
	args := c.Context().QueryArgs()
	// accepted=false is what the invitee's page asks: pending invitations only.
	if args.Has("accepted") {
		if string(args.Peek("accepted")) == "true" {
			base = base.Where("invitations.accepted_at IS NOT NULL")
		} else {
			base = base.Where("invitations.accepted_at IS NULL AND invitations.expires_at > ?", s.clock.Now())
		}
	}
	if args.Has("mine") {
		base = base.Where("invitations.invitee_id = ?", me.ID)
	}
	rows, total, err := models.ListPage[models.Invitation](base, f, invitationColumns, q.Apply)
	if err != nil {
		return err
	}
	bodies, err := s.invitationBodies(c, rows)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, bodies))
}

// targetInvitation loads {key} and the caller's standing in its org.
func (s *Server) targetInvitation(c *fiber.Ctx) (*models.User, *models.Invitation, *models.Organization, *models.Membership, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	inv, err := s.db.InvitationByKey(c.UserContext(), c.Params("key"))
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, nil, nil, NotFound("This invitation does not exist: it was declined, or the organization was deleted.")
	}
	if err != nil {
		return nil, nil, nil, nil, err
	}
	org, err := s.db.OrganizationByID(c.UserContext(), inv.OrganizationID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	m, err := s.membershipOrNil(c, me.ID, org.ID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return me, inv, org, m, nil
}

func (s *Server) invitationGet(c *fiber.Ctx) error {
	me, inv, org, m, err := s.targetInvitation(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "invitations", "view", authFor(me, org, m), invitationResource(inv)); err != nil {
		return err
	}
	bodies, err := s.invitationBodies(c, []models.Invitation{*inv})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, bodies[0])
}

// invitationState turns why an invitation cannot be used into the answer
// the invitee reads.
func invitationState(err error) error {
	switch {
	case errors.Is(err, models.ErrInvitationExpired):
		return BadRequest("This invitation has expired. Ask the organization to send a new one.")
	case errors.Is(err, models.ErrInvitationRemoved):
		return BadRequest("This invitation was withdrawn by the organization.")
	case errors.Is(err, models.ErrInvitationAccepted):
		return BadRequest("This invitation has already been accepted.")
	case errors.Is(err, models.ErrAlreadyMember):
		return BadRequest("You are already a member of this organization.")
	case errors.Is(err, models.ErrNotFound):
		return NotFound("This invitation does not exist: it was declined, or the organization was deleted.")
	}
	return err
}

// isInvitee tells whether the caller is the person invited: the linked
// account or the account with the invited address, and only once that
// address is verified (unless the server does not verify addresses), so
// signing up with someone else's address does not get their invitations.
func (s *Server) isInvitee(me *models.User, inv *models.Invitation) bool {
	if !me.EmailVerified && s.cfg.Accounts.EmailVerification != VerifyNone {
		return false
	}
	if inv.InviteeID != nil {
		return *inv.InviteeID == me.ID
	}
	return strings.EqualFold(me.Email, inv.Email)
}

// answeringFor returns the account an accept or decline acts for: the
// caller when invited; an admin may answer for the invited account.
func (s *Server) answeringFor(me *models.User, inv *models.Invitation) (uint64, error) {
	if s.isInvitee(me, inv) {
		return me.ID, nil
	}
	if me.IsAdmin() {
		if inv.InviteeID == nil {
			return 0, BadRequest("The invited address has no account yet: only its owner can accept, by signing up from the link.")
		}
		return *inv.InviteeID, nil
	}
	return 0, Forbidden("This invitation was sent to another address.")
}

func (s *Server) inviteeResource(me *models.User, inv *models.Invitation) map[string]any {
	res := invitationResource(inv)
	if inv.InviteeID == nil && s.isInvitee(me, inv) {
		res["invitee"] = map[string]any{"id": me.ID}
	}
	return res
}

func (s *Server) invitationAccept(c *fiber.Ctx) error {
	me, inv, org, m, err := s.targetInvitation(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "invitations", "accept", authFor(me, org, m), s.inviteeResource(me, inv)); err != nil {
		return err
	}
	joiner, err := s.answeringFor(me, inv)
	if err != nil {
		return err
	}
	var accepted *models.Invitation
	err = s.db.WithContext(c.UserContext()).Transaction(func(tx *gorm.DB) error {
		var err error
		accepted, err = s.acceptInvitationTx(c, tx, inv, joiner, s.clock.Now())
		return err
	})
	if err != nil {
		return invitationState(err)
	}
	s.logger(c).Info("invitation accepted", "org_id", org.ID, "user_id", joiner, "role", accepted.Role, "by", me.ID)
	s.audit(c, AuditInvitationAccepted, "invitation", inv.ID, map[string]any{"org_id": org.ID, "user_id": joiner, "role": accepted.Role})
	return sendJSON(c, fiber.StatusOK, fiber.Map{"organization_slug": org.Slug})
}

func (s *Server) invitationDecline(c *fiber.Ctx) error {
	me, inv, org, m, err := s.targetInvitation(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "invitations", "decline", authFor(me, org, m), s.inviteeResource(me, inv)); err != nil {
		return err
	}
	if !s.isInvitee(me, inv) && !me.IsAdmin() {
		return Forbidden("This invitation was sent to another address.")
	}
	if inv.AcceptedAt != nil {
		return BadRequest("This invitation has already been accepted.")
	}
	if err := s.db.DeleteInvitation(c.UserContext(), inv.ID); err != nil {
		return err
	}
	s.audit(c, AuditInvitationDeclined, "invitation", inv.ID, map[string]any{"org_id": org.ID, "email": inv.Email})
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) invitationResend(c *fiber.Ctx) error {
	me, inv, org, m, err := s.targetInvitation(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "invitations", "resend", authFor(me, org, m), invitationResource(inv)); err != nil {
		return err
	}
	if inv.AcceptedAt != nil || inv.RemovedAt != nil {
		return invitationState(inv.Usable(s.clock.Now()))
	}
	ok, retry, err := s.limitAction(c, fmt.Sprintf("invitation-resend:%d", me.ID), resendsPerHour, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		return tooMany(retry, "You can resend at most %d invitations per hour. Try again later.", resendsPerHour)
	}
	secret, err := auth.NewToken(32)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	err = s.db.WithContext(c.UserContext()).Transaction(func(tx *gorm.DB) error {
		if !now.Before(inv.ExpiresAt) { // an expired invitation holds no seat until renewed
			if err := s.checkLimitsTx(c, tx, joinLimits("create:invitation", org.ID)); err != nil {
				return err
			}
		}
		if err := models.RenewInvitationTx(tx, inv.ID, auth.HashToken(secret), now, now.Add(invitationTTL)); err != nil {
			return err
		}
		inv.ExpiresAt = now.Add(invitationTTL)
		return s.mailInvitation(tx, inv, org, me, secret)
	})
	if err != nil {
		return invitationState(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) invitationDelete(c *fiber.Ctx) error {
	me, inv, org, m, err := s.targetInvitation(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "invitations", "delete", authFor(me, org, m), invitationResource(inv)); err != nil {
		return err
	}
	if err := s.db.RemoveInvitation(c.UserContext(), inv.ID, s.clock.Now()); err != nil {
		return err
	}
	s.logger(c).Info("invitation removed", "org_id", org.ID, "by", me.ID)
	s.audit(c, AuditInvitationDeleted, "invitation", inv.ID, map[string]any{"org_id": org.ID, "email": inv.Email})
	return c.SendStatus(fiber.StatusNoContent)
}
