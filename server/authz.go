package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
)

// orgScope is the resolved organization context of a request.
type orgScope struct {
	Parsed     OrgContext
	Org        *models.Organization // nil: personal workspace or none named
	Membership *models.Membership   // the caller's, when a member
}

// resolveOrg parses and resolves the request's organization context; an
// unknown organization is a 404.
func (s *Server) resolveOrg(c *fiber.Ctx, u *models.User) (*orgScope, error) {
	parsed, err := ParseOrgContext(c)
	if err != nil {
		return nil, err
	}
	sc := &orgScope{Parsed: parsed}
	if parsed.Scope != OrgNamed {
		return sc, nil
	}
	ctx := c.UserContext()
	var org *models.Organization
	if parsed.ID != 0 {
		org, err = s.db.OrganizationByID(ctx, uint64(parsed.ID))
	} else {
		org, err = s.db.OrganizationBySlug(ctx, parsed.Slug)
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, NotFound("Organization not found.")
	}
	if err != nil {
		return nil, err
	}
	if parsed.ID != 0 && parsed.Slug != "" && !strings.EqualFold(org.Slug, parsed.Slug) {
		return nil, BadRequest("Conflicting organization context: org and org_id name different organizations.")
	}
	sc.Org = org
	if sc.Membership, err = s.membershipOrNil(c, u.ID, org.ID); err != nil {
		return nil, err
	}
	return sc, nil
}

func (s *Server) membershipOrNil(c *fiber.Ctx, userID, orgID uint64) (*models.Membership, error) {
	m, err := s.db.MembershipOf(c.UserContext(), userID, orgID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// authFor builds the auth part of a policy input.
func authFor(u *models.User, org *models.Organization, m *models.Membership) policies.Auth {
	a := policies.Auth{User: policies.AuthUser{ID: u.ID, Privilege: u.Role}}
	if org != nil {
		ao := &policies.AuthOrg{ID: org.ID}
		if org.OwnerID != nil {
			ao.OwnerID = *org.OwnerID
		}
		if m != nil {
			role := m.Role
			ao.Role = &role
		}
		a.Organization = ao
	}
	return a
}

// authorize asks the policy engine; a denial is a 403 with its reasons.
func (s *Server) authorize(c *fiber.Ctx, resource, scope string, auth policies.Auth, res any) error {
	eng, err := s.engine(c.UserContext())
	if err != nil {
		return err
	}
	d, err := eng.Decide(c.UserContext(), resource, policies.Input{Scope: scope, Auth: auth, Resource: res})
	if err != nil {
		return err
	}
	if !d.Allow {
		msg := "You do not have permission to perform this action."
		if len(d.Reasons) > 0 {
			msg = strings.Join(d.Reasons, " ")
		}
		return Forbidden("%s", msg)
	}
	return nil
}

// listFilter asks the policy which rows of resource the caller may list.
func (s *Server) listFilter(c *fiber.Ctx, resource string, auth policies.Auth) (models.Filter, error) {
	eng, err := s.engine(c.UserContext())
	if err != nil {
		return models.Filter{}, err
	}
	f, err := eng.Filter(c.UserContext(), resource, policies.Input{Scope: "list", Auth: auth})
	if err != nil {
		return models.Filter{}, err
	}
	out := models.Filter{All: f.All, None: f.None}
	for _, term := range f.Any {
		conds := make([]models.Cond, len(term))
		for i, cnd := range term {
			conds[i] = models.Cond{Field: cnd.Field, Value: cnd.Value}
		}
		out.Any = append(out.Any, conds)
	}
	return out, nil
}

// rules serves the active policy bundle (GET /api/auth/rules).
func (s *Server) rules(c *fiber.Ctx) error {
	eng, err := s.engine(c.UserContext())
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, eng.Bundle())
}

// policyGate hands out the policy engine once it is compiled.
type policyGate struct {
	ready  chan struct{}
	engine *policies.Engine
	err    error
}

func newPolicyGate() *policyGate { return &policyGate{ready: make(chan struct{})} }

func (g *policyGate) set(e *policies.Engine, err error) {
	g.engine, g.err = e, err
	close(g.ready)
}

func (g *policyGate) isReady() bool {
	select {
	case <-g.ready:
		return g.err == nil
	default:
		return false
	}
}

// engine returns the policy engine, waiting (a few hundred milliseconds at
// most, right after start) while it is being compiled.
func (s *Server) engine(ctx context.Context) (*policies.Engine, error) {
	select {
	case <-s.policies.ready:
		if s.policies.err != nil {
			return nil, Errorf(fiber.StatusServiceUnavailable, "The permission policies could not be loaded.")
		}
		return s.policies.engine, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the policies: %w", ctx.Err())
	}
}

// listStart is what every list handler begins with: the caller, the
// organization context, the page/sort/search query and the policy's row
// filter, once the policy has allowed listing at all.
type listStart struct {
	me     *models.User
	org    *orgScope
	query  ListQuery
	filter models.Filter
}

func (s *Server) startList(c *fiber.Ctx, resource string, sort SortFields, defaultSort string) (*listStart, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return nil, err
	}
	q, err := ParseListQuery(c, sort, defaultSort)
	if err != nil {
		return nil, err
	}
	a := authFor(me, sc.Org, sc.Membership)
	if err := s.authorize(c, resource, "list", a, map[string]any{}); err != nil {
		return nil, err
	}
	f, err := s.listFilter(c, resource, a)
	if err != nil {
		return nil, err
	}
	return &listStart{me: me, org: sc, query: q, filter: f}, nil
}

// workspaceListSpec describes the list of a resource that lives in
// workspaces (projects, tasks, jobs, cloud storages).
type workspaceListSpec[T, B any] struct {
	resource string // policy resource, also the name of its filter
	orgCol   string // the table's organization column
	sort     SortFields
	filters  map[string]fieldFilter
	columns  map[string]string // the policy filter's columns
	// search narrows the rows to those matching the search text (never "").
	search func(q *gorm.DB, text string) *gorm.DB
	bodies func(c *fiber.Ctx, w *workspaces, rows []T, actions bool) ([]B, error)
}

// searchIn searches the text in any of the expressions (LIKE, escaped).
func searchIn(exprs ...string) func(*gorm.DB, string) *gorm.DB {
	return func(q *gorm.DB, text string) *gorm.DB { return searchWhere(q, text, exprs...) }
}

// workspaceList answers a page of T: the policy decides whether the caller
// may list and which rows they see, the org context and the query filters
// narrow it, and small pages carry each row's allowed actions.
func workspaceList[T, B any](s *Server, c *fiber.Ctx, spec workspaceListSpec[T, B]) error {
	l, err := s.startList(c, spec.resource, spec.sort, "-id")
	if err != nil {
		return err
	}
	var model T
	base := orgWhere(s.db.WithContext(c.UserContext()).Model(&model), spec.orgCol, l.org)
	if base, err = applyFieldFilters(c, base, spec.filters); err != nil {
		return err
	}
	if l.query.Search != "" {
		base = spec.search(base, l.query.Search)
	}
	rows, total, err := models.ListPage[T](base, l.filter, spec.columns, l.query.Apply)
	if err != nil {
		return err
	}
	bodies, err := spec.bodies(c, s.workspaces(c, l.me), rows, len(rows) <= allowedActionsMaxRows)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, l.query, total, bodies))
}
