package server

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models"
)

// maxJobsPerTask bounds segment_count/job_count of a new task.
const maxJobsPerTask = 500

// defaultJobsPerTask is how many jobs a new task gets when it says nothing.
const defaultJobsPerTask = 1

const maxSubsetLen = 64

// jobsSummary is CVAT's "jobs" of a task.
type jobsSummary struct {
	Count      int64  `json:"count"`
	Completed  int64  `json:"completed"`
	Validation int64  `json:"validation"`
	URL        string `json:"url"`
}

type taskBody struct {
	URL            string         `json:"url"`
	ID             uint64         `json:"id"`
	Name           string         `json:"name"`
	ProjectID      *uint64        `json:"project_id"`
	Owner          *basicUserBody `json:"owner"`
	Assignee       *basicUserBody `json:"assignee"`
	Organization   *uint64        `json:"organization"`
	BugTracker     string         `json:"bug_tracker"`
	Subset         string         `json:"subset"`
	SourceStorage  *storageBody   `json:"source_storage"`
	TargetStorage  *storageBody   `json:"target_storage"`
	Jobs           jobsSummary    `json:"jobs"`
	CreatedDate    time.Time      `json:"created_date"`
	UpdatedDate    time.Time      `json:"updated_date"`
	AllowedActions []string       `json:"allowed_actions"`
}

// projectRef is the policy's view of the project of a task or job.
func projectRef(p *models.Project) any {
	if p == nil {
		return nil
	}
	return map[string]any{"id": p.ID, "owner": ref(p.OwnerID), "assignee": ref(p.AssigneeID)}
}

func taskResource(t *models.Task, p *models.Project) map[string]any {
	return map[string]any{"id": t.ID, "owner": ref(t.OwnerID), "assignee": ref(t.AssigneeID),
		"organization": ref(t.OrganizationID), "project": projectRef(p)}
}

// projectOf returns the loaded project of a task, nil when it has none.
func projectOf(projects map[uint64]*models.Project, id *uint64) *models.Project {
	if id == nil {
		return nil
	}
	return projects[*id]
}

func (s *Server) taskBodies(c *fiber.Ctx, w *workspaces, ts []models.Task, actions bool) ([]taskBody, error) {
	var userIDs, ids, projectIDs, orgIDs []uint64
	for _, t := range ts {
		userIDs = appendIDs(userIDs, t.OwnerID, t.AssigneeID)
		ids = append(ids, t.ID)
		projectIDs = appendIDs(projectIDs, t.ProjectID)
		orgIDs = appendIDs(orgIDs, t.OrganizationID)
	}
	ctx := c.UserContext()
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	summaries, err := s.db.JobSummaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	var projects map[uint64]*models.Project
	if actions {
		if projects, err = s.db.ProjectsByID(ctx, projectIDs); err != nil {
			return nil, err
		}
		if err := w.preload(orgIDs); err != nil {
			return nil, err
		}
	}
	out := make([]taskBody, len(ts))
	for i := range ts {
		t := &ts[i]
		id := strconv.FormatUint(t.ID, 10)
		sum := summaries[t.ID]
		out[i] = taskBody{URL: s.cfg.BaseURL + "/api/tasks/" + id, ID: t.ID, Name: t.Name, ProjectID: t.ProjectID,
			Owner: s.basicUser(userOf(users, t.OwnerID)), Assignee: s.basicUser(userOf(users, t.AssigneeID)),
			Organization: t.OrganizationID, BugTracker: t.BugTracker, Subset: t.Subset,
			SourceStorage: storageOf(t.SourceStorageID), TargetStorage: storageOf(t.TargetStorageID),
			Jobs: jobsSummary{Count: sum.Count, Completed: sum.Completed, Validation: sum.Validation,
				URL: s.cfg.BaseURL + "/api/jobs?task_id=" + id},
			CreatedDate: t.CreatedAt, UpdatedDate: t.UpdatedAt}
		if !actions {
			continue
		}
		auth, err := w.of(t.OrganizationID)
		if err != nil {
			return nil, err
		}
		res, err := policyValue(taskResource(t, projectOf(projects, t.ProjectID)))
		if err != nil {
			return nil, err
		}
		if out[i].AllowedActions, err = s.allowedActions(c, "tasks", auth, res); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func validateSubset(v Validation, subset string) string {
	subset = strings.TrimSpace(subset)
	if utf8.RuneCountInString(subset) > maxSubsetLen {
		v.Add("subset", "Ensure this field has no more than %d characters.", maxSubsetLen)
	}
	return subset
}

var taskSortFields = SortFields{"id": "tasks.id", "name": "tasks.name", "project_id": "tasks.project_id",
	"owner": "tasks.owner_id", "assignee": "tasks.assignee_id", "subset": "tasks.subset",
	"created_date": "tasks.created_at", "updated_date": "tasks.updated_at"}

var taskFilters = map[string]fieldFilter{
	"id":         {cond: "tasks.id = ?", number: true},
	"name":       {cond: "tasks.name = ?"},
	"project_id": {cond: "tasks.project_id = ?", number: true},
	"subset":     {cond: "tasks.subset = ?"},
	"owner":      userByName("tasks.owner_id"),
	"assignee":   userByName("tasks.assignee_id"),
}

func (s *Server) tasksList(c *fiber.Ctx) error {
	return workspaceList(s, c, workspaceListSpec[models.Task, taskBody]{
		resource: "tasks", orgCol: "tasks.organization_id", sort: taskSortFields, filters: taskFilters,
		columns: models.TaskColumns, search: searchIn("tasks.name"), bodies: s.taskBodies,
	})
}

type taskCreate struct {
	Name          string                 `json:"name"`
	ProjectID     *uint64                `json:"project_id"`
	AssigneeID    *uint64                `json:"assignee_id"`
	BugTracker    string                 `json:"bug_tracker"`
	Subset        string                 `json:"subset"`
	SourceStorage optional[storageWrite] `json:"source_storage"`
	TargetStorage optional[storageWrite] `json:"target_storage"`
	// SegmentCount and JobCount (either name) are how many annotation jobs
	// the task starts with.
	SegmentCount *int `json:"segment_count"`
	JobCount     *int `json:"job_count"`
}

func (in *taskCreate) jobs(v Validation) int {
	n := defaultJobsPerTask
	switch {
	case in.SegmentCount != nil && in.JobCount != nil && *in.SegmentCount != *in.JobCount:
		v.Add("job_count", "segment_count and job_count differ: send one of them.")
	case in.SegmentCount != nil:
		n = *in.SegmentCount
	case in.JobCount != nil:
		n = *in.JobCount
	}
	if n < 0 || n > maxJobsPerTask {
		v.Add("job_count", "Ensure this value is between 0 and %d.", maxJobsPerTask)
	}
	return n
}

// tasksCreate makes a task owned by the caller, with its jobs: in the
// project's workspace when it names a project (create@project), else in the
// request's workspace (create).
func (s *Server) tasksCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var in taskCreate
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	t := &models.Task{Name: validateName(v, "name", in.Name), BugTracker: validateBugTracker(v, in.BugTracker),
		Subset: validateSubset(v, in.Subset), ProjectID: in.ProjectID, OwnerID: &me.ID, AssigneeID: in.AssigneeID,
		SourceStorageID: storageLink(v, "source_storage", in.SourceStorage),
		TargetStorageID: storageLink(v, "target_storage", in.TargetStorage)}
	jobs := in.jobs(v)
	if err := v.Err(); err != nil {
		return err
	}
	w := s.workspaces(c, me)
	if in.ProjectID != nil {
		p, err := s.db.ProjectByID(c.UserContext(), *in.ProjectID)
		if errors.Is(err, models.ErrNotFound) {
			return FieldError("project_id", "Project %d not found.", *in.ProjectID)
		}
		if err != nil {
			return err
		}
		if err := parentWorkspace(sc, p.OrganizationID, "project"); err != nil {
			return err
		}
		if err := s.authorizeAddTask(c, w, p); err != nil {
			return err
		}
		t.OrganizationID = p.OrganizationID
	} else {
		if err := s.authorize(c, "tasks", "create", authFor(me, sc.Org, sc.Membership), nil); err != nil {
			return err
		}
		t.OrganizationID = requestWorkspace(sc)
	}
	if err := s.checkCreated(c, w, t.OrganizationID, t.AssigneeID, t.SourceStorageID, t.TargetStorageID); err != nil {
		return err
	}
	if err := s.withinLimits(c, newTaskLimits(t, me.ID), func(db *models.DB) error {
		_, err := models.CreateTaskTx(db.DB, t, jobs, s.clock.Now())
		return err
	}); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return FieldError("project_id", "Project %d not found.", *in.ProjectID)
		}
		return storeError(err)
	}
	s.logger(c).Info("task created", "task_id", t.ID, "project_id", t.ProjectID, "org_id", t.OrganizationID, "jobs", jobs, "by", me.ID)
	return s.sendTask(c, w, t, fiber.StatusCreated)
}

// authorizeAddTask asks whether the caller may put a task into project p
// (tasks "create@project", judged in the project's workspace).
func (s *Server) authorizeAddTask(c *fiber.Ctx, w *workspaces, p *models.Project) error {
	auth, err := w.of(p.OrganizationID)
	if err != nil {
		return err
	}
	return s.authorize(c, "tasks", "create@project", auth,
		map[string]any{"organization": ref(p.OrganizationID), "project": projectRef(p)})
}

func (s *Server) sendTask(c *fiber.Ctx, w *workspaces, t *models.Task, status int) error {
	bodies, err := s.taskBodies(c, w, []models.Task{*t}, true)
	if err != nil {
		return err
	}
	return sendJSON(c, status, bodies[0])
}

// targetTask loads {id} with its project.
func (s *Server) targetTask(c *fiber.Ctx) (*models.User, *workspaces, *models.Task, *models.Project, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	t, err := s.db.TaskByID(c.UserContext(), id)
	if err != nil {
		return nil, nil, nil, nil, storeError(err)
	}
	var p *models.Project
	if t.ProjectID != nil {
		if p, err = s.db.ProjectByID(c.UserContext(), *t.ProjectID); err != nil {
			return nil, nil, nil, nil, storeError(err)
		}
	}
	return me, s.workspaces(c, me), t, p, nil
}

// authorizeTask asks the scopes about t (in project p) in its workspace.
func (s *Server) authorizeTask(c *fiber.Ctx, w *workspaces, t *models.Task, p *models.Project, scopes ...string) error {
	return s.authorizeInWorkspace(c, w, "tasks", t.OrganizationID, taskResource(t, p), scopes...)
}

func (s *Server) taskGet(c *fiber.Ctx) error {
	_, w, t, p, err := s.targetTask(c)
	if err != nil {
		return err
	}
	if err := s.authorizeTask(c, w, t, p, "view"); err != nil {
		return err
	}
	return s.sendTask(c, w, t, fiber.StatusOK)
}

type taskPatch struct {
	Name          *string                `json:"name"`
	BugTracker    *string                `json:"bug_tracker"`
	Subset        *string                `json:"subset"`
	ProjectID     optional[uint64]       `json:"project_id"`
	OwnerID       optional[uint64]       `json:"owner_id"`
	AssigneeID    optional[uint64]       `json:"assignee_id"`
	SourceStorage optional[storageWrite] `json:"source_storage"`
	TargetStorage optional[storageWrite] `json:"target_storage"`
	transferRequest
}

// taskPatch changes a task; each changed field needs its own scope. A new
// project_id also needs the right to add tasks to that project; a new
// organization_id moves the task with its jobs, and a task in a project
// moves only when the same request takes it out (project_id: null).
func (s *Server) taskPatch(c *fiber.Ctx) error {
	me, w, t, p, err := s.targetTask(c)
	if err != nil {
		return err
	}
	var in taskPatch
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	cs := newChangeSet()
	if in.Name != nil {
		if name := validateName(v, "name", *in.Name); name != t.Name {
			cs.set("name", name, "update:desc")
		}
	}
	if in.BugTracker != nil {
		if url := validateBugTracker(v, *in.BugTracker); url != t.BugTracker {
			cs.set("bug_tracker", url, "update:desc")
		}
	}
	if in.Subset != nil {
		if subset := validateSubset(v, *in.Subset); subset != t.Subset {
			cs.set("subset", subset, "update:desc")
		}
	}
	if in.ProjectID.Set && !sameID(t.ProjectID, in.ProjectID.ptr()) {
		cs.set("project_id", in.ProjectID.ptr(), "update:project")
	}
	cs.people(v, in.OwnerID, in.AssigneeID, t.OwnerID, t.AssigneeID)
	cs.storages(v, in.SourceStorage, in.TargetStorage, t.SourceStorageID, t.TargetStorageID)
	moving := in.transferRequest.validate(v, t.OrganizationID)
	if moving {
		cs.need("update:organization")
		if in.SourceStorage.Set || in.TargetStorage.Set {
			v.Add("organization_id", "Move the task first, then link cloud storages of its new workspace.")
		}
		if t.ProjectID != nil && (!in.ProjectID.Set || !in.ProjectID.Null) {
			v.Add("project_id", "The task is in project %d, which stays in its workspace: transfer the project, or send project_id: null to move the task alone.", *t.ProjectID)
		}
		if in.ProjectID.ptr() != nil {
			v.Add("project_id", "A moved task leaves its project: add it to a project of its new workspace afterwards.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.authorizeTask(c, w, t, p, cs.scopesOrView()...); err != nil {
		return err
	}
	if err := s.checkReferences(c, w, cs, t.OrganizationID); err != nil {
		return err
	}
	if np := idField(cs.fields, "project_id"); np != nil {
		target, err := s.db.ProjectByID(c.UserContext(), *np)
		if errors.Is(err, models.ErrNotFound) {
			return FieldError("project_id", "Project %d not found.", *np)
		}
		if err != nil {
			return err
		}
		if !sameID(target.OrganizationID, t.OrganizationID) {
			return FieldError("project_id", "Project %d is in another workspace: move the task there first.", *np)
		}
		if err := s.authorizeAddTask(c, w, target); err != nil {
			return err
		}
	}
	var tr *models.Transfer
	if moving {
		if tr, err = s.planTransfer(c, w, "tasks", t.OrganizationID, &in.transferRequest); err != nil {
			return err
		}
	}
	if len(cs.fields) > 0 || tr != nil {
		if err := s.updateTaskWithinLimits(c, me, t, models.Changes{Fields: cs.fields, Transfer: tr}); err != nil {
			return storeError(err)
		}
		if tr != nil {
			s.logger(c).Info("task moved", "task_id", t.ID, "from_org", t.OrganizationID, "to_org", tr.To,
				"cloud_storage_handling", tr.Storage, "by", me.ID)
		}
		if t, err = s.db.TaskByID(c.UserContext(), t.ID); err != nil {
			return storeError(err)
		}
	}
	return s.sendTask(c, w, t, fiber.StatusOK)
}

// idField reads an optional id column of a change set.
func idField(fields map[string]any, column string) *uint64 {
	id, _ := fields[column].(*uint64)
	return id
}

func (s *Server) taskDelete(c *fiber.Ctx) error {
	me, w, t, p, err := s.targetTask(c)
	if err != nil {
		return err
	}
	if err := s.authorizeTask(c, w, t, p, "delete"); err != nil {
		return err
	}
	if err := s.db.DeleteTask(c.UserContext(), t.ID); err != nil {
		return storeError(err)
	}
	s.logger(c).Info("task deleted", "task_id", t.ID, "org_id", t.OrganizationID, "by", me.ID)
	return c.SendStatus(fiber.StatusNoContent)
}
