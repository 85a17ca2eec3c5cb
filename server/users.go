package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

// userBody is CVAT's User (full) shape.
type userBody struct {
	URL                string     `json:"url"`
	ID                 uint64     `json:"id"`
	Username           string     `json:"username"`
	FirstName          string     `json:"first_name"`
	LastName           string     `json:"last_name"`
	Email              string     `json:"email"`
	Groups             []string   `json:"groups"`
	IsStaff            bool       `json:"is_staff"`
	IsSuperuser        bool       `json:"is_superuser"`
	IsActive           bool       `json:"is_active"`
	LastLogin          *time.Time `json:"last_login"`
	DateJoined         time.Time  `json:"date_joined"`
	HasAnalyticsAccess bool       `json:"has_analytics_access"`
	EmailVerified      bool       `json:"email_verified"`
	// HasUsablePassword is false for accounts made by SSO or social login
	// until their owner sets a password.
	HasUsablePassword bool `json:"has_usable_password"`
}

// basicUserBody is CVAT's BasicUser shape: what other users may see.
type basicUserBody struct {
	URL       string `json:"url"`
	ID        uint64 `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

func (s *Server) userURL(id uint64) string {
	return s.cfg.BaseURL + "/api/users/" + strconv.FormatUint(id, 10)
}

func (s *Server) fullUser(u *models.User) userBody {
	return userBody{
		URL: s.userURL(u.ID), ID: u.ID, Username: u.Username, FirstName: u.FirstName,
		LastName: u.LastName, Email: u.Email, Groups: roleGroups(u.Role),
		IsStaff: u.IsAdmin(), IsSuperuser: u.IsAdmin(), IsActive: u.IsActive,
		LastLogin: u.LastLogin, DateJoined: u.DateJoined, HasAnalyticsAccess: u.IsAdmin(),
		EmailVerified: u.EmailVerified, HasUsablePassword: u.HasPassword(),
	}
}

// groupsOfRole holds the groups list of each global role, shared by every
// response (read only).
var groupsOfRole = map[string][]string{models.RoleAdmin: {models.RoleAdmin}, models.RoleUser: {models.RoleUser}, models.RoleWorker: {models.RoleWorker}}

// roleGroups is CVAT's "groups" of a user: its global role.
func roleGroups(role string) []string {
	if g, ok := groupsOfRole[role]; ok {
		return g
	}
	return []string{role}
}

// userFor picks the full or basic shape for the viewer.
func (s *Server) userFor(viewer, u *models.User) any {
	if viewer.IsAdmin() || viewer.ID == u.ID {
		return s.fullUser(u)
	}
	return basicUserBody{URL: s.userURL(u.ID), ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
}

func (s *Server) usersSelf(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	// An API client polls this path: a cached identity keeps its encoded
	// body (it is made from the same read-only User the cache holds).
	memo := who(c).memo
	if memo == nil {
		return sendJSON(c, fiber.StatusOK, s.fullUser(u))
	}
	body := memo.self.Load()
	if body == nil {
		b, err := json.Marshal(s.fullUser(u))
		if err != nil {
			return fmt.Errorf("encode the user: %w", err)
		}
		body = &b
		memo.self.Store(body)
	}
	sendEncodedJSON(c, fiber.StatusOK, *body)
	return nil
}

var userSortFields = SortFields{"id": "id", "username": "username_lower", "first_name": "first_name", "last_name": "last_name", "is_active": "is_active"}

func (s *Server) usersList(c *fiber.Ctx) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	q, err := ParseListQuery(c, userSortFields, "id")
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, u)
	if err != nil {
		return err
	}
	a := authFor(u, sc.Org, sc.Membership)
	if err := s.authorize(c, "users", "list", a, map[string]any{}); err != nil {
		return err
	}
	policy, err := s.listFilter(c, "users", a)
	if err != nil {
		return err
	}
	f := models.UserFilter{Search: q.Search, Policy: policy, PolicyColumns: userColumns}
	args := c.Context().QueryArgs()
	str := func(name string) *string {
		if !args.Has(name) {
			return nil
		}
		v := string(args.Peek(name))
		return &v
	}
	f.Username, f.FirstName, f.LastName = str("username"), str("first_name"), str("last_name")
	if v := str("is_active"); v != nil {
		b, err := strconv.ParseBool(*v)
		if err != nil {
			return FieldError("is_active", "Must be true or false.")
		}
		f.IsActive = &b
	}
	users, total, err := s.db.ListUsers(c.UserContext(), f, q.Apply)
	if err != nil {
		return err
	}
	out := make([]any, len(users))
	for i := range users {
		out[i] = s.userFor(u, &users[i])
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, q, total, out))
}

// userColumns maps the users policy's filter fields to SQL.
var userColumns = map[string]string{
	"id":              "users.id",
	"organization_id": "users.id IN (SELECT user_id FROM memberships WHERE is_active = TRUE AND organization_id = ?)",
}

// decideUser asks the users policy about target, in the request's
// organization context (the target's role there is part of the input).
func (s *Server) decideUser(c *fiber.Ctx, me *models.User, scope string, target *models.User) error {
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var membership any
	if sc.Org != nil {
		m, err := s.membershipOrNil(c, target.ID, sc.Org.ID)
		if err != nil {
			return err
		}
		if m != nil {
			membership = map[string]any{"role": m.Role}
		} else {
			membership = map[string]any{"role": nil}
		}
	}
	return s.authorize(c, "users", scope, authFor(me, sc.Org, sc.Membership), map[string]any{"id": target.ID, "membership": membership})
}

// targetUser loads the {id} user after the caller is known.
func (s *Server) targetUser(c *fiber.Ctx) (*models.User, *models.User, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return nil, nil, NotFound("Not found.")
	}
	target, err := s.db.UserByID(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, NotFound("Not found.")
	}
	if err != nil {
		return nil, nil, err
	}
	return me, target, nil
}

func (s *Server) userGet(c *fiber.Ctx) error {
	me, target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if err := s.decideUser(c, me, "view", target); err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, s.userFor(me, target))
}

type userPatch struct {
	Username    *string   `json:"username"`
	FirstName   *string   `json:"first_name"`
	LastName    *string   `json:"last_name"`
	Email       *string   `json:"email"`
	Groups      *[]string `json:"groups"`
	IsStaff     *bool     `json:"is_staff"`
	IsSuperuser *bool     `json:"is_superuser"`
	IsActive    *bool     `json:"is_active"`
}

func (s *Server) userPatch(c *fiber.Ctx) error {
	me, target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	var in userPatch
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	privileged := in.Username != nil || in.Email != nil || in.Groups != nil || in.IsActive != nil ||
		in.IsStaff != nil || in.IsSuperuser != nil
	scope := "update"
	if privileged {
		scope = "update:privileged"
	}
	if err := s.decideUser(c, me, scope, target); err != nil {
		return err
	}
	v := Validation{}
	upd := models.UserUpdate{FirstName: in.FirstName, LastName: in.LastName, Username: in.Username, Email: in.Email, IsActive: in.IsActive}
	if in.Username != nil {
		*in.Username = strings.TrimSpace(*in.Username)
		validateUsername(v, *in.Username)
	}
	if in.Email != nil {
		*in.Email = strings.TrimSpace(*in.Email)
		validateEmail(v, "email", *in.Email)
	}
	for field, p := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName} {
		if p != nil && utf8.RuneCountInString(*p) > 150 {
			v.Add(field, "Ensure this field has no more than 150 characters.")
		}
	}
	if in.IsStaff != nil || in.IsSuperuser != nil {
		v.Add("groups", "is_staff and is_superuser follow the global role: set groups to [\"admin\"] instead.")
	}
	if in.Groups != nil {
		g := *in.Groups
		if len(g) != 1 || !models.ValidRole(g[0]) {
			v.Add("groups", "Give exactly one global role: admin, user or worker.")
		} else {
			upd.Role = &g[0]
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	losesAdmin := target.IsAdmin() && ((upd.Role != nil && *upd.Role != models.RoleAdmin) || (upd.IsActive != nil && !*upd.IsActive))
	if losesAdmin {
		if err := s.keepOneAdmin(c); err != nil {
			return err
		}
	}
	updated, err := s.db.UpdateUser(ctx, target.ID, upd, s.clock.Now())
	if err != nil {
		return uniqueUserError(err)
	}
	s.authCache.purge()
	if upd.Role != nil && *upd.Role != target.Role {
		s.logger(c).Info("global role changed", "user_id", target.ID, "from", target.Role, "to", *upd.Role, "by", me.ID)
		s.audit(c, AuditUserRoleChanged, "user", target.ID, map[string]any{"username": target.Username, "from": target.Role, "to": *upd.Role})
	}
	if upd.IsActive != nil && *upd.IsActive != target.IsActive {
		s.logger(c).Info("user active flag changed", "user_id", target.ID, "active", *upd.IsActive, "by", me.ID)
		s.audit(c, map[bool]string{true: AuditUserActivated, false: AuditUserDeactivated}[*upd.IsActive], "user", target.ID, map[string]any{"username": target.Username})
	}
	return sendJSON(c, fiber.StatusOK, s.userFor(me, updated))
}

// keepOneAdmin refuses a change that would leave no active admin.
func (s *Server) keepOneAdmin(c *fiber.Ctx) error {
	n, err := s.db.CountAdmins(c.UserContext())
	if err != nil {
		return err
	}
	if n <= 1 {
		return Errorf(fiber.StatusConflict, "This is the last active admin: make another user admin first.")
	}
	return nil
}

func (s *Server) userDelete(c *fiber.Ctx) error {
	me, target, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if err := s.decideUser(c, me, "delete", target); err != nil {
		return err
	}
	if target.IsAdmin() && target.IsActive {
		if err := s.keepOneAdmin(c); err != nil {
			return err
		}
	}
	if err := s.db.DeleteUser(c.UserContext(), target.ID, s.clock.Now()); err != nil {
		return err
	}
	s.authCache.purge()
	s.logger(c).Info("user deleted", "user_id", target.ID, "by", me.ID)
	s.audit(c, AuditUserDeleted, "user", target.ID, map[string]any{"username": target.Username})
	if me.ID == target.ID {
		s.clearSessionCookie(c)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
