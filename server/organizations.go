package server

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

var slugPattern = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

type organizationBody struct {
	ID          uint64         `json:"id"`
	Slug        string         `json:"slug"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	CreatedDate time.Time      `json:"created_date"`
	UpdatedDate time.Time      `json:"updated_date"`
	Contact     models.Contact `json:"contact"`
	Owner       *basicUserBody `json:"owner"`
	// Role is the caller's role in the organization ("" when not a member).
	Role string `json:"user_role,omitempty"`
}

func (s *Server) basicUser(u *models.User) *basicUserBody {
	if u == nil {
		return nil
	}
	return &basicUserBody{URL: s.userURL(u.ID), ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
}

// usersByID loads the users named by ids (for owner/user fields of lists).
func (s *Server) usersByID(c *fiber.Ctx, ids []uint64) (map[uint64]*models.User, error) {
	out := map[uint64]*models.User{}
	if len(ids) == 0 {
		return out, nil
	}
	var users []models.User
	if err := s.db.WithContext(c.UserContext()).Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for i := range users {
		out[users[i].ID] = &users[i]
	}
	return out, nil
}

func (s *Server) orgBodies(c *fiber.Ctx, me *models.User, orgs []models.Organization) ([]organizationBody, error) {
	var ids []uint64
	orgIDs := make([]uint64, 0, len(orgs))
	for _, o := range orgs {
		if o.OwnerID != nil {
			ids = append(ids, *o.OwnerID)
		}
		orgIDs = append(orgIDs, o.ID)
	}
	users, err := s.usersByID(c, ids)
	if err != nil {
		return nil, err
	}
	roles := map[uint64]string{}
	if len(orgIDs) > 0 {
		var ms []models.Membership
		if err := s.db.WithContext(c.UserContext()).Where("user_id = ? AND organization_id IN ? AND is_active = ?", me.ID, orgIDs, true).Find(&ms).Error; err != nil {
			return nil, err
		}
		for _, m := range ms {
			roles[m.OrganizationID] = m.Role
		}
	}
	out := make([]organizationBody, len(orgs))
	for i, o := range orgs {
		var owner *models.User
		if o.OwnerID != nil {
			owner = users[*o.OwnerID]
		}
		out[i] = organizationBody{ID: o.ID, Slug: o.Slug, Name: o.Name, Description: o.Description,
			CreatedDate: o.CreatedAt, UpdatedDate: o.UpdatedAt, Contact: o.ContactInfo(), Owner: s.basicUser(owner), Role: roles[o.ID]}
	}
	return out, nil
}

// orgResource is the policy's view of an organization.
func orgResource(o *models.Organization, callerRole *models.Membership) map[string]any {
	var owner uint64
	if o.OwnerID != nil {
		owner = *o.OwnerID
	}
	var role any
	if callerRole != nil {
		role = callerRole.Role
	}
	return map[string]any{"id": o.ID, "owner": map[string]any{"id": owner}, "user": map[string]any{"role": role}}
}

type organizationWrite struct {
	Slug        *string         `json:"slug"`
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Contact     *models.Contact `json:"contact"`
}

func (in *organizationWrite) validate(creating bool) error {
	v := Validation{}
	if in.Slug != nil {
		*in.Slug = strings.TrimSpace(*in.Slug)
	}
	switch {
	case in.Slug == nil || *in.Slug == "":
		if creating || in.Slug != nil {
			v.Add("slug", "This field is required.")
		}
	case utf8.RuneCountInString(*in.Slug) > 16:
		v.Add("slug", "Ensure this field has no more than 16 characters.")
	case !slugPattern.MatchString(*in.Slug):
		v.Add("slug", "Use only letters, digits, '-' and '_'.")
	}
	if in.Name != nil && utf8.RuneCountInString(*in.Name) > 64 {
		v.Add("name", "Ensure this field has no more than 64 characters.")
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > 4096 {
		v.Add("description", "Ensure this field has no more than 4096 characters.")
	}
	if c := in.Contact; c != nil {
		if c.Email != "" {
			validateEmail(v, "contact", c.Email)
		}
		if utf8.RuneCountInString(c.PhoneNumber) > 32 || utf8.RuneCountInString(c.Location) > 256 {
			v.Add("contact", "Phone number is limited to 32 characters and location to 256.")
		}
	}
	return v.Err()
}

func (s *Server) organizationsCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	var in organizationWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.authorize(c, "organizations", "create", authFor(me, nil, nil), map[string]any{}); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	org := &models.Organization{Slug: *in.Slug}
	if in.Name != nil {
		org.Name = *in.Name
	}
	if in.Description != nil {
		org.Description = *in.Description
	}
	if in.Contact != nil {
		org.SetContact(*in.Contact)
	} else {
		org.SetContact(models.Contact{})
	}
	owned := limitWrite{scope: "create:organization", ws: models.Workspace{UserID: me.ID}, adding: map[string]int{models.LimitOwnedOrgs: 1}}
	if err := s.withinLimits(c, owned, func(db *models.DB) error {
		return db.CreateOrganization(c.UserContext(), org, me.ID, s.clock.Now())
	}); err != nil {
		if errors.Is(err, models.ErrSlugTaken) {
			return FieldError("slug", "An organization with this short name already exists.")
		}
		return err
	}
	s.logger(c).Info("organization created", "org_id", org.ID, "slug", org.Slug, "owner", me.ID)
	s.audit(c, AuditOrgCreated, "organization", org.ID, map[string]any{"slug": org.Slug})
	bodies, err := s.orgBodies(c, me, []models.Organization{*org})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusCreated, bodies[0])
}

var orgSortFields = SortFields{"id": "id", "slug": "slug_lower", "name": "name", "created_date": "created_at", "updated_date": "updated_at"}

// orgColumns maps policy filter fields to SQL for organizations.
var orgColumns = map[string]string{
	"id":        "organizations.id",
	"owner_id":  "organizations.owner_id",
	"member_id": "organizations.id IN (SELECT organization_id FROM memberships WHERE is_active = TRUE AND user_id = ?)",
}

func (s *Server) organizationsList(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, orgSortFields, "id")
	if err != nil {
		return err
	}
	f, err := s.listFilter(c, "organizations", authFor(me, nil, nil))
	if err != nil {
		return err
	}
	base := s.db.WithContext(c.UserContext()).Model(&models.Organization{})
	if q.Search != "" {
		like := "%" + models.EscapeLike(strings.ToLower(q.Search)) + "%"
		base = base.Where("(slug_lower LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')", like, like)
	}
	args := c.Context().QueryArgs()
	if args.Has("slug") {
		base = base.Where("slug_lower = ?", strings.ToLower(string(args.Peek("slug"))))
	}
	if args.Has("name") {
		base = base.Where("name = ?", string(args.Peek("name")))
	}
	rows, total, err := models.ListPage[models.Organization](base, f, orgColumns, q.Apply)
	if err != nil {
		return err
	}
	bodies, err := s.orgBodies(c, me, rows)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, bodies))
}

// targetOrg loads the {id} organization and the caller's membership in it.
func (s *Server) targetOrg(c *fiber.Ctx) (*models.User, *models.Organization, *models.Membership, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, nil, nil, NotFound("Not found.")
	}
	org, err := s.db.OrganizationByID(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, nil, NotFound("Not found.")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := s.membershipOrNil(c, me.ID, org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	return me, org, m, nil
}

func (s *Server) organizationGet(c *fiber.Ctx) error {
	me, org, m, err := s.targetOrg(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "organizations", "view", authFor(me, org, m), orgResource(org, m)); err != nil {
		if m == nil && !me.IsAdmin() {
			return NotFound("Not found.") // do not reveal organizations to outsiders
		}
		return err
	}
	bodies, err := s.orgBodies(c, me, []models.Organization{*org})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, bodies[0])
}

func (s *Server) organizationPatch(c *fiber.Ctx) error {
	me, org, m, err := s.targetOrg(c)
	if err != nil {
		return err
	}
	var in organizationWrite
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.authorize(c, "organizations", "update", authFor(me, org, m), orgResource(org, m)); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	if in.Slug != nil {
		org.Slug = *in.Slug
	}
	if in.Name != nil {
		org.Name = *in.Name
	}
	if in.Description != nil {
		org.Description = *in.Description
	}
	if in.Contact != nil {
		org.SetContact(*in.Contact)
	}
	if err := s.db.UpdateOrganization(c.UserContext(), org, s.clock.Now()); err != nil {
		if errors.Is(err, models.ErrSlugTaken) {
			return FieldError("slug", "An organization with this short name already exists.")
		}
		return err
	}
	bodies, err := s.orgBodies(c, me, []models.Organization{*org})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, bodies[0])
}

func (s *Server) organizationDelete(c *fiber.Ctx) error {
	me, org, m, err := s.targetOrg(c)
	if err != nil {
		return err
	}
	if err := s.authorize(c, "organizations", "delete", authFor(me, org, m), orgResource(org, m)); err != nil {
		return err
	}
	if err := s.db.DeleteOrganization(c.UserContext(), org.ID, s.clock.Now()); err != nil {
		return err
	}
	s.logger(c).Info("organization deleted", "org_id", org.ID, "slug", org.Slug, "by", me.ID)
	s.audit(c, AuditOrgDeleted, "organization", org.ID, map[string]any{"slug": org.Slug})
	return c.SendStatus(fiber.StatusNoContent)
}
