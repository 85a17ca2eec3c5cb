package server

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
)

type jobBody struct {
	URL          string         `json:"url"`
	ID           uint64         `json:"id"`
	TaskID       uint64         `json:"task_id"`
	ProjectID    *uint64        `json:"project_id"`
	Assignee     *basicUserBody `json:"assignee"`
	Stage        string         `json:"stage"`
	State        string         `json:"state"`
	Status       string         `json:"status"`
	Type         string         `json:"type"`
	Organization *uint64        `json:"organization"`
	CreatedDate  time.Time      `json:"created_date"`
	UpdatedDate  time.Time      `json:"updated_date"`
	// AllowedActions: see projectBody.
	AllowedActions []string `json:"allowed_actions"`
}

// jobStatus is CVAT's status, derived from stage and state.
func jobStatus(stage, state string) string {
	switch {
	case stage == models.StageAnnotation:
		return "annotation"
	case stage == models.StageAcceptance && state == models.StateCompleted:
		return "completed"
	default:
		return "validation"
	}
}

func taskRef(t *models.Task) map[string]any {
	return map[string]any{"id": t.ID, "owner": ref(t.OwnerID), "assignee": ref(t.AssigneeID)}
}

func jobResource(j *models.Job, t *models.Task, p *models.Project) map[string]any {
	return map[string]any{"id": j.ID, "assignee": ref(j.AssigneeID), "stage": j.Stage, "state": j.State, "type": j.Type,
		"organization": ref(j.OrganizationID), "task": taskRef(t), "project": projectRef(p)}
}

func (s *Server) jobBodies(c *fiber.Ctx, w *workspaces, js []models.Job, actions bool) ([]jobBody, error) {
	var userIDs, taskIDs, orgIDs []uint64
	for _, j := range js {
		userIDs = appendIDs(userIDs, j.AssigneeID)
		taskIDs = append(taskIDs, j.TaskID)
		orgIDs = appendIDs(orgIDs, j.OrganizationID)
	}
	ctx := c.UserContext()
	users, err := s.usersByID(c, userIDs)
	if err != nil {
		return nil, err
	}
	tasks, err := s.db.TasksByID(ctx, taskIDs)
	if err != nil {
		return nil, err
	}
	var projectIDs []uint64
	for _, t := range tasks {
		projectIDs = appendIDs(projectIDs, t.ProjectID)
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
	out := make([]jobBody, len(js))
	for i := range js {
		j := &js[i]
		t := tasks[j.TaskID]
		if t == nil {
			return nil, storeError(models.ErrNotFound) // deleted meanwhile
		}
		out[i] = jobBody{URL: s.cfg.BaseURL + "/api/jobs/" + strconv.FormatUint(j.ID, 10), ID: j.ID, TaskID: j.TaskID,
			ProjectID: t.ProjectID, Assignee: s.basicUser(userOf(users, j.AssigneeID)), Stage: j.Stage, State: j.State,
			Status: jobStatus(j.Stage, j.State), Type: j.Type, Organization: j.OrganizationID,
			CreatedDate: j.CreatedAt, UpdatedDate: j.UpdatedAt}
		if !actions {
			continue
		}
		auth, err := w.of(j.OrganizationID)
		if err != nil {
			return nil, err
		}
		res, err := policyValue(jobResource(j, t, projectOf(projects, t.ProjectID)))
		if err != nil {
			return nil, err
		}
		if out[i].AllowedActions, err = s.allowedActions(c, "jobs", auth, res); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var jobSortFields = SortFields{"id": "jobs.id", "task_id": "jobs.task_id", "assignee": "jobs.assignee_id",
	"stage": "jobs.stage", "state": "jobs.state", "type": "jobs.type",
	"created_date": "jobs.created_at", "updated_date": "jobs.updated_at"}

var jobFilters = map[string]fieldFilter{
	"id":         {cond: "jobs.id = ?", number: true},
	"task_id":    {cond: "jobs.task_id = ?", number: true},
	"project_id": {cond: "jobs.task_id IN (SELECT id FROM tasks WHERE project_id = ?)", number: true},
	"stage":      {cond: "jobs.stage = ?"},
	"state":      {cond: "jobs.state = ?"},
	"type":       {cond: "jobs.type = ?"},
	"assignee":   userByName("jobs.assignee_id"),
}

// jobsList lists the jobs the caller may see (a worker: those assigned to
// them); search looks at the task's name.
func (s *Server) jobsList(c *fiber.Ctx) error {
	return workspaceList(s, c, workspaceListSpec[models.Job, jobBody]{
		resource: "jobs", orgCol: "jobs.organization_id", sort: jobSortFields, filters: jobFilters, columns: models.JobColumns,
		// A job has no name: the search looks at its task's.
		search: func(q *gorm.DB, text string) *gorm.DB {
			tasks := searchWhere(s.db.WithContext(c.UserContext()).Model(&models.Task{}).Select("tasks.id"), text, "tasks.name")
			return q.Where("jobs.task_id IN (?)", tasks)
		},
		bodies: s.jobBodies,
	})
}

type jobCreate struct {
	TaskID   *uint64 `json:"task_id"`
	Type     string  `json:"type"`
	Assignee *uint64 `json:"assignee"`
}

// jobsCreate adds a job to a task, in the task's workspace.
func (s *Server) jobsCreate(c *fiber.Ctx) error {
	me, err := currentUser(c)
	if err != nil {
		return err
	}
	sc, err := s.resolveOrg(c, me)
	if err != nil {
		return err
	}
	var in jobCreate
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	if in.TaskID == nil {
		v.Add("task_id", "This field is required.")
	}
	if in.Type == "" {
		in.Type = models.JobTypeAnnotation
	}
	if !slices.Contains(models.JobTypes, in.Type) {
		v.Add("type", "%q is not a valid choice: annotation or ground_truth.", in.Type)
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := s.db.TaskByID(ctx, *in.TaskID)
	if errors.Is(err, models.ErrNotFound) {
		return FieldError("task_id", "Task %d not found.", *in.TaskID)
	}
	if err != nil {
		return err
	}
	if err := parentWorkspace(sc, t.OrganizationID, "task"); err != nil {
		return err
	}
	var p *models.Project
	if t.ProjectID != nil {
		if p, err = s.db.ProjectByID(ctx, *t.ProjectID); err != nil {
			return storeError(err)
		}
	}
	w := s.workspaces(c, me)
	auth, err := w.of(t.OrganizationID)
	if err != nil {
		return err
	}
	j := &models.Job{TaskID: t.ID, OrganizationID: t.OrganizationID, AssigneeID: in.Assignee,
		Stage: models.StageAnnotation, State: models.StateNew, Type: in.Type}
	res := jobResource(j, t, p)
	delete(res, "id")
	if err := s.authorize(c, "jobs", "create", auth, res); err != nil {
		return err
	}
	if err := s.checkUser(c, "assignee", in.Assignee); err != nil {
		return err
	}
	if err := s.checkWritable(c, objectWorkspace(t.OrganizationID, t.OwnerID, me.ID)); err != nil {
		return err
	}
	if err := s.db.CreateJob(ctx, j, s.clock.Now()); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return FieldError("task_id", "Task %d not found.", *in.TaskID)
		}
		return err
	}
	s.logger(c).Info("job created", "job_id", j.ID, "task_id", t.ID, "type", j.Type, "by", me.ID)
	return s.sendJob(c, w, j, fiber.StatusCreated)
}

func (s *Server) sendJob(c *fiber.Ctx, w *workspaces, j *models.Job, status int) error {
	bodies, err := s.jobBodies(c, w, []models.Job{*j}, true)
	if err != nil {
		return err
	}
	return sendJSON(c, status, bodies[0])
}

// targetJob loads {id} with its task and project.
func (s *Server) targetJob(c *fiber.Ctx) (*models.User, *workspaces, *models.Job, map[string]any, error) {
	me, err := currentUser(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ctx := c.UserContext()
	j, err := s.db.JobByID(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, storeError(err)
	}
	t, err := s.db.TaskByID(ctx, j.TaskID)
	if err != nil {
		return nil, nil, nil, nil, storeError(err)
	}
	var p *models.Project
	if t.ProjectID != nil {
		if p, err = s.db.ProjectByID(ctx, *t.ProjectID); err != nil {
			return nil, nil, nil, nil, storeError(err)
		}
	}
	return me, s.workspaces(c, me), j, jobResource(j, t, p), nil
}

// authorizeJob asks the scopes about a job (res: its policy resource).
func (s *Server) authorizeJob(c *fiber.Ctx, w *workspaces, j *models.Job, res map[string]any, scopes ...string) error {
	return s.authorizeInWorkspace(c, w, "jobs", j.OrganizationID, res, scopes...)
}

func (s *Server) jobGet(c *fiber.Ctx) error {
	_, w, j, res, err := s.targetJob(c)
	if err != nil {
		return err
	}
	if err := s.authorizeJob(c, w, j, res, "view"); err != nil {
		return err
	}
	return s.sendJob(c, w, j, fiber.StatusOK)
}

type jobPatch struct {
	Stage    *string          `json:"stage"`
	State    *string          `json:"state"`
	Assignee optional[uint64] `json:"assignee"`
}

// jobPatch changes a job's stage (update:stage; the state goes back to new
// unless the request sets it too), state (update:state) or assignee
// (update:assignee).
func (s *Server) jobPatch(c *fiber.Ctx) error {
	me, w, j, res, err := s.targetJob(c)
	if err != nil {
		return err
	}
	var in jobPatch
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	v := Validation{}
	cs := newChangeSet()
	if in.Stage != nil {
		if !slices.Contains(models.JobStages, *in.Stage) {
			v.Add("stage", "%q is not a valid choice: annotation, validation or acceptance.", *in.Stage)
		} else if *in.Stage != j.Stage {
			cs.set("stage", *in.Stage, "update:stage")
			if in.State == nil {
				cs.fields["state"] = models.StateNew
			}
		}
	}
	if in.State != nil {
		if !slices.Contains(models.JobStates, *in.State) {
			v.Add("state", "%q is not a valid choice: new, in progress, completed or rejected.", *in.State)
		} else if *in.State != j.State {
			cs.set("state", *in.State, "update:state")
		}
	}
	if in.Assignee.Set && !sameID(j.AssigneeID, in.Assignee.ptr()) {
		cs.set("assignee_id", in.Assignee.ptr(), "update:assignee")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.authorizeJob(c, w, j, res, cs.scopesOrView()...); err != nil {
		return err
	}
	if err := s.checkUser(c, "assignee", idField(cs.fields, "assignee_id")); err != nil {
		return err
	}
	if len(cs.fields) > 0 {
		if err := s.checkJobWritable(c, me, j); err != nil {
			return err
		}
		if err := s.db.UpdateJob(c.UserContext(), j.ID, cs.fields, s.clock.Now()); err != nil {
			return storeError(err)
		}
		if in.Stage != nil && *in.Stage != j.Stage {
			s.logger(c).Info("job stage changed", "job_id", j.ID, "from", j.Stage, "to", *in.Stage, "by", me.ID)
		}
		if j, err = s.db.JobByID(c.UserContext(), j.ID); err != nil {
			return storeError(err)
		}
	}
	return s.sendJob(c, w, j, fiber.StatusOK)
}

func (s *Server) jobDelete(c *fiber.Ctx) error {
	me, w, j, res, err := s.targetJob(c)
	if err != nil {
		return err
	}
	if err := s.authorizeJob(c, w, j, res, "delete"); err != nil {
		return err
	}
	if err := s.db.DeleteJob(c.UserContext(), j.ID); err != nil {
		return storeError(err)
	}
	s.logger(c).Info("job deleted", "job_id", j.ID, "task_id", j.TaskID, "by", me.ID)
	return c.SendStatus(fiber.StatusNoContent)
}
