package server

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
)

// resourceRoutes mounts projects, tasks, jobs and cloud storages (SPEC §2).
func (s *Server) resourceRoutes(api fiber.Router) {
	api.Get("/projects", s.projectsList)
	api.Post("/projects", s.projectsCreate)
	api.Get("/projects/:id", s.projectGet)
	api.Patch("/projects/:id", s.projectPatch)
	api.Delete("/projects/:id", s.projectDelete)
	api.Get("/tasks", s.tasksList)
	api.Post("/tasks", s.tasksCreate)
	api.Get("/tasks/:id", s.taskGet)
	api.Patch("/tasks/:id", s.taskPatch)
	api.Delete("/tasks/:id", s.taskDelete)
	api.Get("/jobs", s.jobsList)
	api.Post("/jobs", s.jobsCreate)
	api.Get("/jobs/:id", s.jobGet)
	api.Patch("/jobs/:id", s.jobPatch)
	api.Delete("/jobs/:id", s.jobDelete)
	api.Get("/cloudstorages", s.cloudStoragesList)
	api.Post("/cloudstorages", s.cloudStoragesCreate)
	api.Get("/cloudstorages/:id", s.cloudStorageGet)
	api.Patch("/cloudstorages/:id", s.cloudStoragePatch)
	api.Delete("/cloudstorages/:id", s.cloudStorageDelete)
}

// relatedList is CVAT's {count, url} of an object's children.
type relatedList struct {
	Count int64  `json:"count"`
	URL   string `json:"url"`
}

type projectBody struct {
	URL           string         `json:"url"`
	ID            uint64         `json:"id"`
	Name          string         `json:"name"`
	Owner         *basicUserBody `json:"owner"`
	Assignee      *basicUserBody `json:"assignee"`
	Organization  *uint64        `json:"organization"`
	BugTracker    string         `json:"bug_tracker"`
	SourceStorage *storageBody   `json:"source_storage"`
	TargetStorage *storageBody   `json:"target_storage"`
	Tasks         relatedList    `json:"tasks"`
	CreatedDate   time.Time      `json:"created_date"`
	UpdatedDate   time.Time      `json:"updated_date"`
	// AllowedActions are the scopes the caller may do on the project, as the
	// policy says; null on list pages over allowedActionsMaxRows.
	AllowedActions []string `json:"allowed_actions"`
}

func projectResource(p *models.Project) map[string]any {
	return map[string]any{"id": p.ID, "owner": ref(p.OwnerID), "assignee": ref(p.AssigneeID), "organization": ref(p.OrganizationID)}
}

func (s *Server) projectBodies(c *fiber.Ctx, w *workspaces, ps []models.Project, actions bool) ([]projectBody, error) {
	var userIDs, ids, orgIDs []uint64
	for _, p := range ps {
		userIDs = appendIDs(userIDs, p.OwnerID, p.AssigneeID)
		ids = append(ids, p.ID)
		orgIDs = appendIDs(orgIDs, p.OrganizationID)
	}
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	counts, err := s.db.TaskCounts(c.UserContext(), ids)
	if err != nil {
		return nil, err
	}
	if actions {
		if err := w.preload(orgIDs); err != nil {
			return nil, err
		}
	}
	out := make([]projectBody, len(ps))
	for i := range ps {
		p := &ps[i]
		id := strconv.FormatUint(p.ID, 10)
		out[i] = projectBody{URL: s.cfg.BaseURL + "/api/projects/" + id, ID: p.ID, Name: p.Name,
			Owner: s.basicUser(userOf(users, p.OwnerID)), Assignee: s.basicUser(userOf(users, p.AssigneeID)),
			Organization: p.OrganizationID, BugTracker: p.BugTracker,
			SourceStorage: storageOf(p.SourceStorageID), TargetStorage: storageOf(p.TargetStorageID),
			Tasks:       relatedList{Count: counts[p.ID], URL: s.cfg.BaseURL + "/api/tasks?project_id=" + id},
			CreatedDate: p.CreatedAt, UpdatedDate: p.UpdatedAt}
		if !actions {
			continue
		}
		auth, err := w.of(p.OrganizationID)
		if err != nil {
			return nil, err
		}
		res, err := policyValue(projectResource(p))
		if err != nil {
			return nil, err
		}
		if out[i].AllowedActions, err = s.allowedActions(c, "projects", auth, res); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func appendIDs(dst []uint64, ids ...*uint64) []uint64 {
	for _, id := range ids {
		if id != nil {
			dst = append(dst, *id)
		}
	}
	return dst
}

func userOf(users map[uint64]*models.User, id *uint64) *models.User {
	if id == nil {
		return nil
	}
	return users[*id]
}

// Field limits shared by projects and tasks.
const (
	maxNameLen       = 256
	maxBugTrackerLen = 2000
)

// validateName checks a required name and returns it trimmed.
func validateName(v Validation, field, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add(field, "This field is required.")
	case utf8.RuneCountInString(name) > maxNameLen:
		v.Add(field, "Ensure this field has no more than %d characters.", maxNameLen)
	}
	return name
}

func validateBugTracker(v Validation, url string) string {
	url = strings.TrimSpace(url)
	if utf8.RuneCountInString(url) > maxBugTrackerLen {
		v.Add("bug_tracker", "Ensure this field has no more than %d characters.", maxBugTrackerLen)
	}
	return url
}

// fieldFilter is one of a list's simple filters (?name=...): an SQL
// condition with one "?".
type fieldFilter struct {
	cond   string
	number bool // the value is an id
	lower  bool // the value is compared lower-cased
}

// applyFieldFilters adds the filters the request uses; a malformed id is a
// 400 naming the parameter.
func applyFieldFilters(c *fiber.Ctx, q *gorm.DB, filters map[string]fieldFilter) (*gorm.DB, error) {
	args := c.Context().QueryArgs()
	v := Validation{}
	for name, f := range filters {
		if !args.Has(name) {
			continue
		}
		raw := string(args.Peek(name))
		var val any = raw
		switch {
		case f.number:
			n, err := strconv.ParseUint(raw, 10, 64)
			if err != nil {
				v.Add(name, "Invalid %s %q: a whole number is expected.", name, raw)
				continue
			}
			val = n
		case f.lower:
			val = strings.ToLower(raw)
		}
		q = q.Where(f.cond, val)
	}
	return q, v.Err()
}

// searchWhere matches search, case-insensitively, in any of the SQL
// expressions exprs.
func searchWhere(q *gorm.DB, search string, exprs ...string) *gorm.DB {
	if search == "" {
		return q
	}
	like := "%" + models.EscapeLike(strings.ToLower(search)) + "%"
	conds := make([]string, len(exprs))
	args := make([]any, len(exprs))
	for i, e := range exprs {
		conds[i] = "LOWER(" + e + ") LIKE ? ESCAPE '\\'"
		args[i] = like
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// userByName is the condition of an owner/assignee filter by username.
func userByName(column string) fieldFilter {
	return fieldFilter{cond: column + " IN (SELECT id FROM users WHERE username_lower = ?)", lower: true}
}

var projectSortFields = SortFields{"id": "projects.id", "name": "projects.name", "owner": "projects.owner_id",
	"assignee": "projects.assignee_id", "created_date": "projects.created_at", "updated_date": "projects.updated_at"}

var projectFilters = map[string]fieldFilter{
	"id":       {cond: "projects.id = ?", number: true},
	"name":     {cond: "projects.name = ?"},
	"owner":    userByName("projects.owner_id"),
	"assignee": userByName("projects.assignee_id"),
}

func (s *Server) projectsList(c *fiber.Ctx) error {
	return workspaceList(s, c, workspaceListSpec[models.Project, projectBody]{
		resource: "projects", orgCol: "projects.organization_id", sort: projectSortFields, filters: projectFilters,
		columns: models.ProjectColumns, search: searchIn("projects.name"), bodies: s.projectBodies,
	})
}

type projectCreate struct {
	Name          string                 `json:"name"`
	AssigneeID    *uint64                `json:"assignee_id"`
	BugTracker    string                 `json:"bug_tracker"`
	SourceStorage optional[storageWrite] `json:"source_storage"`
	TargetStorage optional[storageWrite] `json:"target_storage"`
}

// projectsCreate makes a project in the request's workspace, owned by the
// caller.
func (s *Server) projectsCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var in projectCreate
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	p := &models.Project{Name: validateName(v, "name", in.Name), BugTracker: validateBugTracker(v, in.BugTracker),
		OwnerID: &me.ID, AssigneeID: in.AssigneeID, OrganizationID: requestWorkspace(sc),
		SourceStorageID: storageLink(v, "source_storage", in.SourceStorage),
		TargetStorageID: storageLink(v, "target_storage", in.TargetStorage)}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.authorize(c, "projects", "create", authFor(me, sc.Org, sc.Membership), nil); err != nil {
		return err
	}
	w := s.workspaces(c, me)
	if err := s.checkCreated(c, w, p.OrganizationID, p.AssigneeID, p.SourceStorageID, p.TargetStorageID); err != nil {
		return err
	}
	ws := orgWorkspace(p.OrganizationID, me.ID)
	if err := s.withinLimits(c, limitWrite{scope: "create:project", ws: ws, adding: map[string]int{projectsKey(ws): 1}},
		func(db *models.DB) error { return models.CreateProjectTx(db.DB, p, s.clock.Now()) }); err != nil {
		return storeError(err)
	}
	s.logger(c).Info("project created", "project_id", p.ID, "org_id", p.OrganizationID, "by", me.ID)
	return s.sendProject(c, w, p, fiber.StatusCreated)
}

// checkCreated validates the references of a new project or task.
func (s *Server) checkCreated(c *fiber.Ctx, w *workspaces, org, assignee, source, target *uint64) error {
	if err := s.checkUser(c, "assignee_id", assignee); err != nil {
		return err
	}
	if err := s.checkStorageUse(c, w, "source_storage", source, org); err != nil {
		return err
	}
	return s.checkStorageUse(c, w, "target_storage", target, org)
}

func (s *Server) sendProject(c *fiber.Ctx, w *workspaces, p *models.Project, status int) error {
	bodies, err := s.projectBodies(c, w, []models.Project{*p}, true)
	if err != nil {
		return err
	}
	return sendJSON(c, status, bodies[0])
}

// pathID reads the {id} of an object path; anything else is a 404.
func pathID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return 0, NotFound("Not found.")
	}
	return id, nil
}

// targetProject loads {id} and the caller's auth in its workspace.
func (s *Server) targetProject(c *fiber.Ctx) (*models.User, *workspaces, *models.Project, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := s.db.ProjectByID(c.UserContext(), id)
	if err != nil {
		return nil, nil, nil, storeError(err)
	}
	return me, s.workspaces(c, me), p, nil
}

// authorizeProject asks the scopes about p in its workspace.
func (s *Server) authorizeProject(c *fiber.Ctx, w *workspaces, p *models.Project, scopes ...string) error {
	return s.authorizeInWorkspace(c, w, "projects", p.OrganizationID, projectResource(p), scopes...)
}

func (s *Server) projectGet(c *fiber.Ctx) error {
	_, w, p, err := s.targetProject(c)
	if err != nil {
		return err
	}
	if err := s.authorizeProject(c, w, p, "view"); err != nil {
		return err
	}
	return s.sendProject(c, w, p, fiber.StatusOK)
}

type projectPatch struct {
	Name          *string                `json:"name"`
	BugTracker    *string                `json:"bug_tracker"`
	OwnerID       optional[uint64]       `json:"owner_id"`
	AssigneeID    optional[uint64]       `json:"assignee_id"`
	SourceStorage optional[storageWrite] `json:"source_storage"`
	TargetStorage optional[storageWrite] `json:"target_storage"`
	transferRequest
}

// changeSet collects the columns a PATCH changes and the scope each needs.
type changeSet struct {
	fields map[string]any
	scopes []string
}

func newChangeSet() *changeSet { return &changeSet{fields: map[string]any{}} }

func (cs *changeSet) set(column string, value any, scope string) {
	cs.fields[column] = value
	cs.need(scope)
}

func (cs *changeSet) need(scope string) {
	for _, s := range cs.scopes {
		if s == scope {
			return
		}
	}
	cs.scopes = append(cs.scopes, scope)
}

// scopesOrView are the scopes to ask; a PATCH that changes nothing still
// needs the right to see the object.
func (cs *changeSet) scopesOrView() []string {
	if len(cs.scopes) == 0 {
		return []string{"view"}
	}
	return cs.scopes
}

// people records owner_id/assignee_id changes (owner_id cannot be null).
func (cs *changeSet) people(v Validation, owner, assignee optional[uint64], curOwner, curAssignee *uint64) {
	if owner.Set {
		if owner.Null {
			v.Add("owner_id", "This field may not be null.")
		} else if !sameID(curOwner, owner.ptr()) {
			cs.set("owner_id", owner.ptr(), "update:owner")
		}
	}
	if assignee.Set && !sameID(curAssignee, assignee.ptr()) {
		cs.set("assignee_id", assignee.ptr(), "update:assignee")
	}
}

// storages records source_storage/target_storage changes.
func (cs *changeSet) storages(v Validation, source, target optional[storageWrite], curSource, curTarget *uint64) {
	if source.Set {
		if id := storageLink(v, "source_storage", source); !sameID(curSource, id) {
			cs.set("source_storage_id", id, "update:associated_storage")
		}
	}
	if target.Set {
		if id := storageLink(v, "target_storage", target); !sameID(curTarget, id) {
			cs.set("target_storage_id", id, "update:associated_storage")
		}
	}
}

// checkReferences validates, once the scopes passed, the users and cloud
// storages a PATCH of an object of workspace org names.
func (s *Server) checkReferences(c *fiber.Ctx, w *workspaces, cs *changeSet, org *uint64) error {
	for _, col := range []string{"owner_id", "assignee_id"} {
		if id, ok := cs.fields[col].(*uint64); ok {
			if err := s.checkUser(c, col, id); err != nil {
				return err
			}
		}
	}
	for col, field := range map[string]string{"source_storage_id": "source_storage", "target_storage_id": "target_storage"} {
		if id, ok := cs.fields[col].(*uint64); ok {
			if err := s.checkStorageUse(c, w, field, id, org); err != nil {
				return err
			}
		}
	}
	return nil
}

// projectPatch changes a project; each changed field needs its own scope,
// and a new organization_id moves the project with its tasks and jobs.
func (s *Server) projectPatch(c *fiber.Ctx) error {
	me, w, p, err := s.targetProject(c)
	if err != nil {
		return err
	}
	var in projectPatch
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	cs := newChangeSet()
	if in.Name != nil {
		if name := validateName(v, "name", *in.Name); name != p.Name {
			cs.set("name", name, "update:desc")
		}
	}
	if in.BugTracker != nil {
		if url := validateBugTracker(v, *in.BugTracker); url != p.BugTracker {
			cs.set("bug_tracker", url, "update:desc")
		}
	}
	cs.people(v, in.OwnerID, in.AssigneeID, p.OwnerID, p.AssigneeID)
	cs.storages(v, in.SourceStorage, in.TargetStorage, p.SourceStorageID, p.TargetStorageID)
	moving := in.transferRequest.validate(v, p.OrganizationID)
	if moving {
		cs.need("update:organization")
		if in.SourceStorage.Set || in.TargetStorage.Set {
			v.Add("organization_id", "Move the project first, then link cloud storages of its new workspace.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.authorizeProject(c, w, p, cs.scopesOrView()...); err != nil {
		return err
	}
	if err := s.checkReferences(c, w, cs, p.OrganizationID); err != nil {
		return err
	}
	var tr *models.Transfer
	if moving {
		if tr, err = s.planTransfer(c, w, "projects", p.OrganizationID, &in.transferRequest); err != nil {
			return err
		}
	}
	if len(cs.fields) > 0 || tr != nil {
		if err := s.updateProjectWithinLimits(c, me, p, models.Changes{Fields: cs.fields, Transfer: tr}); err != nil {
			return storeError(err)
		}
		if tr != nil {
			s.logger(c).Info("project moved", "project_id", p.ID, "from_org", p.OrganizationID, "to_org", tr.To,
				"cloud_storage_handling", tr.Storage, "by", me.ID)
		}
		if p, err = s.db.ProjectByID(c.UserContext(), p.ID); err != nil {
			return storeError(err)
		}
	}
	return s.sendProject(c, w, p, fiber.StatusOK)
}

func (s *Server) projectDelete(c *fiber.Ctx) error {
	me, w, p, err := s.targetProject(c)
	if err != nil {
		return err
	}
	if err := s.authorizeProject(c, w, p, "delete"); err != nil {
		return err
	}
	if err := s.db.DeleteProject(c.UserContext(), p.ID); err != nil {
		return storeError(err)
	}
	s.logger(c).Info("project deleted", "project_id", p.ID, "org_id", p.OrganizationID, "by", me.ID)
	return c.SendStatus(fiber.StatusNoContent)
}
