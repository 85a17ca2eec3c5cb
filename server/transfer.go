package server

// Workspaces of projects, tasks, jobs and cloud storages, and moving
// projects and tasks between them (SPEC §3 "transfer").
//
// An object is judged in its own workspace, as CVAT does: the policy's
// auth.organization is the object's organization with the caller's role
// there (null for the personal workspace), whatever organization the request
// names. The request's organization context picks what lists show and where
// new objects go.

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/open-policy-agent/opa/v1/ast"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
)

// optional is a JSON field of a PATCH: Set when the key is present, Null
// when its value is null.
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// ptr is the value as a pointer, nil when null or absent.
func (o optional[T]) ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}

// workspaces gives the policy's auth of the caller in the workspaces of the
// objects one request acts on, loading each organization once.
type workspaces struct {
	s    *Server
	c    *fiber.Ctx
	me   *models.User
	auth map[uint64]policies.Auth
}

func (s *Server) workspaces(c *fiber.Ctx, me *models.User) *workspaces {
	return &workspaces{s: s, c: c, me: me, auth: map[uint64]policies.Auth{}}
}

// of is the caller's auth in workspace org (nil: personal).
func (w *workspaces) of(org *uint64) (policies.Auth, error) {
	if org == nil {
		return authFor(w.me, nil, nil), nil
	}
	if a, ok := w.auth[*org]; ok {
		return a, nil
	}
	if err := w.preload([]uint64{*org}); err != nil {
		return policies.Auth{}, err
	}
	a, ok := w.auth[*org]
	if !ok {
		return policies.Auth{}, fmt.Errorf("workspace of organization %d: %w", *org, models.ErrNotFound)
	}
	return a, nil
}

// preload loads the organizations ids and the caller's memberships in them
// with two queries (for lists).
func (w *workspaces) preload(ids []uint64) error {
	var missing []uint64
	for _, id := range ids {
		if _, ok := w.auth[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	missing = slices.Compact(slices.Sorted(slices.Values(missing)))
	ctx := w.c.UserContext()
	var orgs []models.Organization
	if err := w.s.db.WithContext(ctx).Where("id IN ?", missing).Find(&orgs).Error; err != nil {
		return fmt.Errorf("load organizations: %w", err)
	}
	var ms []models.Membership
	if err := w.s.db.WithContext(ctx).Where("user_id = ? AND organization_id IN ? AND is_active = ?", w.me.ID, missing, true).
		Find(&ms).Error; err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	mine := map[uint64]*models.Membership{}
	for i := range ms {
		mine[ms[i].OrganizationID] = &ms[i]
	}
	for i := range orgs {
		w.auth[orgs[i].ID] = authFor(w.me, &orgs[i], mine[orgs[i].ID])
	}
	return nil
}

// ref is the policy's {"id": ...} of a user, project or task, or null.
func ref(id *uint64) any {
	if id == nil {
		return nil
	}
	return map[string]any{"id": *id}
}

// policyValue converts a policy resource once, so that asking several
// scopes about one object does not convert it again.
func policyValue(res map[string]any) (ast.Value, error) {
	return policies.ResourceValue(res)
}

// authorizeInWorkspace asks the scopes about an object of resource (res: its
// policy resource) that lives in the workspace orgID (nil: personal).
func (s *Server) authorizeInWorkspace(c *fiber.Ctx, w *workspaces, resource string, orgID *uint64, res map[string]any, scopes ...string) error {
	auth, err := w.of(orgID)
	if err != nil {
		return err
	}
	val, err := policyValue(res)
	if err != nil {
		return err
	}
	return s.authorizeObject(c, resource, auth, val, scopes...)
}

// authorizeObject asks each scope in turn about an object; the first denial
// is a 404 when the caller may not even see the object, else a 403 with the
// policy's reasons.
func (s *Server) authorizeObject(c *fiber.Ctx, resource string, auth policies.Auth, res ast.Value, scopes ...string) error {
	ctx := c.UserContext()
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	for _, scope := range scopes {
		d, err := eng.Decide(ctx, resource, policies.Input{Scope: scope, Auth: auth, Resource: res})
		if err != nil {
			return err
		}
		if d.Allow {
			continue
		}
		if scope != "view" {
			v, err := eng.Decide(ctx, resource, policies.Input{Scope: "view", Auth: auth, Resource: res})
			if err != nil {
				return err
			}
			if v.Allow {
				return denial(d)
			}
		}
		return NotFound("Not found.")
	}
	return nil
}

func denial(d policies.Decision) error {
	if len(d.Reasons) == 0 {
		return Forbidden("You do not have permission to perform this action.")
	}
	msg := d.Reasons[0]
	for _, r := range d.Reasons[1:] {
		msg += " " + r
	}
	return Forbidden("%s", msg)
}

// objectScopes are the scopes allowed_actions reports per resource: those
// about one existing object.
var objectScopes = map[string][]string{
	"projects": {"view", "update:desc", "update:assignee", "update:owner", "update:organization",
		"update:associated_storage", "delete"},
	"tasks": {"view", "update:desc", "update:owner", "update:assignee", "update:project",
		"update:organization", "update:associated_storage", "delete"},
	"jobs":          {"view", "update:stage", "update:state", "update:assignee", "delete"},
	"cloudstorages": {"view", "update", "delete"},
}

// allowedActionsMaxRows bounds the list pages that get allowed_actions: each
// object costs one decision per scope.
const allowedActionsMaxRows = 100

// allowedActions asks the engine which object scopes the caller may do on
// res. "update:organization" is the source side of a transfer only (the
// destination is not known yet).
func (s *Server) allowedActions(c *fiber.Ctx, resource string, auth policies.Auth, res ast.Value) ([]string, error) {
	eng, err := s.engine(c.UserContext())
	if err != nil {
		return nil, err
	}
	return eng.AllowedScopes(c.UserContext(), resource, auth, res, objectScopes[resource])
}

// A transfer's cloud storage handling (SPEC §3).
var storageHandlings = []string{models.StorageDetach, models.StorageAutoMatch}

// transferRequest is the part of a project or task PATCH that moves it.
type transferRequest struct {
	OrganizationID       optional[uint64] `json:"organization_id"`
	CloudStorageHandling *string          `json:"cloud_storage_handling"`
}

// validate checks the shape of the request and tells whether it moves the
// object out of workspace from.
func (r *transferRequest) validate(v Validation, from *uint64) bool {
	if h := r.CloudStorageHandling; h != nil && !slices.Contains(storageHandlings, *h) {
		v.Add("cloud_storage_handling", "%q is not a valid choice: detach or auto_match.", *h)
	}
	if !r.OrganizationID.Set {
		if r.CloudStorageHandling != nil {
			v.Add("cloud_storage_handling", "Only with organization_id: it says what a transfer does with linked cloud storages.")
		}
		return false
	}
	return !sameID(from, r.OrganizationID.ptr())
}

func sameID(a, b *uint64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// planTransfer checks the destination side of a transfer of an object of
// resource ("projects" or "tasks") from workspace from: the destination
// exists and the caller may create there. The source side
// (update:organization) is one of the PATCH's scopes. It returns the
// store's transfer, whose auto_match picks among the destination's cloud
// storages the caller may list.
func (s *Server) planTransfer(c *fiber.Ctx, w *workspaces, resource string, from *uint64, r *transferRequest) (*models.Transfer, error) {
	to := r.OrganizationID.ptr()
	if to != nil {
		if _, err := s.db.OrganizationByID(c.UserContext(), *to); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return nil, FieldError("organization_id", "Organization %d not found.", *to)
			}
			return nil, err
		}
	}
	auth, err := w.of(to)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(c, resource, "create", auth, nil); err != nil {
		return nil, err
	}
	usable, err := s.listFilter(c, "cloudstorages", auth)
	if err != nil {
		return nil, err
	}
	tr := &models.Transfer{From: from, To: to, Usable: usable}
	if r.CloudStorageHandling != nil {
		tr.Storage = *r.CloudStorageHandling
	}
	return tr, nil
}

// storageWrite is CVAT's source_storage/target_storage of a project or
// task: {"location": "cloud_storage", "cloud_storage_id": N} links a cloud
// storage; {"location": "local"} or null unlinks.
type storageWrite struct {
	Location       string  `json:"location"`
	CloudStorageID *uint64 `json:"cloud_storage_id"`
}

// storageBody is how a link reads back; null when nothing is linked.
type storageBody struct {
	Location       string `json:"location"`
	CloudStorageID uint64 `json:"cloud_storage_id"`
}

func storageOf(id *uint64) *storageBody {
	if id == nil {
		return nil
	}
	return &storageBody{Location: "cloud_storage", CloudStorageID: *id}
}

// storageLink validates a link field and returns the storage id it names
// (nil: unlink).
func storageLink(v Validation, field string, o optional[storageWrite]) *uint64 {
	if !o.Set || o.Null {
		return nil
	}
	loc := o.Value.Location
	if loc == "" && o.Value.CloudStorageID != nil {
		loc = "cloud_storage"
	}
	switch loc {
	case "local", "":
		return nil
	case "cloud_storage":
		if o.Value.CloudStorageID == nil {
			v.Add(field, "cloud_storage_id is required with the location cloud_storage.")
		}
		return o.Value.CloudStorageID
	default:
		v.Add(field, "%q is not a valid location: local or cloud_storage.", o.Value.Location)
		return nil
	}
}

// checkStorageUse makes sure the caller may use cloud storage id for an
// object of workspace org: it exists there and the caller may see it.
func (s *Server) checkStorageUse(c *fiber.Ctx, w *workspaces, field string, id *uint64, org *uint64) error {
	if id == nil {
		return nil
	}
	cs, err := s.db.CloudStorageByID(c.UserContext(), *id)
	if errors.Is(err, models.ErrNotFound) {
		return FieldError(field, "Cloud storage %d not found.", *id)
	}
	if err != nil {
		return err
	}
	if !sameID(cs.OrganizationID, org) {
		return FieldError(field, "Cloud storage %d is in another workspace.", *id)
	}
	auth, err := w.of(cs.OrganizationID)
	if err != nil {
		return err
	}
	eng, err := s.engine(c.UserContext())
	if err != nil {
		return err
	}
	d, err := eng.Decide(c.UserContext(), "cloudstorages", policies.Input{Scope: "view", Auth: auth, Resource: cloudStorageResource(cs)})
	if err != nil {
		return err
	}
	if !d.Allow {
		return FieldError(field, "Cloud storage %d not found.", *id)
	}
	return nil
}

// checkUser makes sure a user named by owner_id/assignee_id exists.
func (s *Server) checkUser(c *fiber.Ctx, field string, id *uint64) error {
	if id == nil {
		return nil
	}
	if _, err := s.db.UserByID(c.UserContext(), *id); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return FieldError(field, "User %d not found.", *id)
		}
		return err
	}
	return nil
}

// storeError maps the resource store's errors to answers.
func storeError(err error) error {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return NotFound("Not found.")
	case errors.Is(err, models.ErrStorageHandling):
		return FieldError("cloud_storage_handling", "This resource is linked to cloud storages, which stay in their workspace: choose detach or auto_match.")
	case errors.Is(err, models.ErrMovedMeanwhile):
		return Errorf(fiber.StatusConflict, "The object moved to another workspace meanwhile: reload it and try again.")
	case errors.Is(err, models.ErrWorkspaceMismatch):
		return BadRequest("A project, task and their cloud storages must be in one workspace.")
	}
	return err
}

// orgWhere narrows a list to the request's workspace: an organization, the
// personal workspace (""), or none named (no filter, SPEC §0).
func orgWhere(q *gorm.DB, column string, sc *orgScope) *gorm.DB {
	switch sc.Parsed.Scope {
	case OrgNamed:
		return q.Where(column+" = ?", sc.Org.ID)
	case OrgPersonal:
		return q.Where(column + " IS NULL")
	}
	return q
}

// requestWorkspace is where new objects go: the named organization, or the
// personal workspace.
func requestWorkspace(sc *orgScope) *uint64 {
	if sc.Org == nil {
		return nil
	}
	id := sc.Org.ID
	return &id
}

// parentWorkspace checks that a request naming a workspace creates a child
// (a task in a project, a job in a task) in its parent's workspace.
func parentWorkspace(sc *orgScope, parent *uint64, noun string) error {
	if sc.Parsed.Scope == OrgAny || sameID(requestWorkspace(sc), parent) {
		return nil
	}
	return BadRequest("The %s is in another workspace than the one selected (org, org_id or X-Organization).", noun)
}
