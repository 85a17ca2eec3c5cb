package server

// Plan limits (SPEC §4): every write that adds to a workspace (create,
// transfer in, join) is checked inside its own transaction: the workspace's
// row is locked (PostgreSQL; SQLite transactions are serialized from BEGIN),
// its plan worked out, what it holds counted, and policies/limits.rego
// decides. After a cancellation a workspace that holds more than the Free
// plan allows is read-only: checkWritable, called by the update paths,
// refuses changes there while reads and deletes go on.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
)

// limitCode is the "code" of a 403 that a plan limit caused.
const limitCode = "limit_reached"

// limitWrite is a write the plan limits apply to.
type limitWrite struct {
	// scope is the write, as policies/limits.rego names it.
	scope string
	ws    models.Workspace
	// adding is what the write adds, per limit key.
	adding map[string]int
	// project: tasks_per_project counts the tasks of this project (locked
	// first).
	project *uint64
	// movingProject: the write moves this project (locked first), whose
	// tasks come along: they add to the tasks (into a personal workspace,
	// those its user owns) and make the project's tasks per project.
	movingProject *uint64
	// pendingInvitations: org_members counts pending invitations too.
	pendingInvitations bool
}

// orgWorkspace is workspace org (nil: the personal workspace of user).
func orgWorkspace(org *uint64, user uint64) models.Workspace {
	if org == nil {
		return models.Workspace{UserID: user}
	}
	return models.Workspace{UserID: user, OrgID: *org}
}

// objectWorkspace is the workspace an object of org with owner lives in:
// the organization, or its owner's personal workspace (user's when the
// object has no owner).
func objectWorkspace(org, owner *uint64, user uint64) models.Workspace {
	if org == nil && owner != nil {
		return models.Workspace{UserID: *owner}
	}
	return orgWorkspace(org, user)
}

// tasksKey, projectsKey and storagesKey are the limits that count the
// objects of a kind of workspace.
func tasksKey(ws models.Workspace) string {
	if ws.Personal() {
		return models.LimitPersonalTasks
	}
	return models.LimitOrgTasks
}

func projectsKey(ws models.Workspace) string {
	if ws.Personal() {
		return models.LimitPersonalProjects
	}
	return models.LimitOrgProjects
}

func storagesKey(ws models.Workspace) string {
	if ws.Personal() {
		return models.LimitPersonalCloudStorages
	}
	return models.LimitOrgCloudStorages
}

// newTaskLimits is what creating task t of user (in its project, if any)
// adds.
func newTaskLimits(t *models.Task, user uint64) limitWrite {
	ws := objectWorkspace(t.OrganizationID, t.OwnerID, user)
	w := limitWrite{scope: "create:task", ws: ws, adding: map[string]int{tasksKey(ws): 1}}
	if t.ProjectID != nil {
		w.adding[models.LimitTasksPerProject] = 1
		w.project = t.ProjectID
	}
	return w
}

// joinLimits is what one more member of organization org adds; inviting
// also counts the pending invitations.
func joinLimits(scope string, org uint64) limitWrite {
	return limitWrite{scope: scope, ws: models.Workspace{OrgID: org}, adding: map[string]int{models.LimitOrgMembers: 1},
		pendingInvitations: scope == "create:invitation"}
}

// withinLimits runs write in one transaction once the limits allow w; the
// *models.DB it gets is bound to that transaction (db.DB is the *gorm.DB
// of the transaction; the DB's own transactions become savepoints).
func (s *Server) withinLimits(c *fiber.Ctx, w limitWrite, write func(db *models.DB) error) error {
	return s.db.WithContext(c.UserContext()).Transaction(func(tx *gorm.DB) error {
		if err := s.checkLimitsTx(c, tx, w); err != nil {
			return err
		}
		return write(&models.DB{DB: tx, Dialect: s.db.Dialect, Location: s.db.Location})
	})
}

// checkLimitsTx decides w inside the write's transaction tx.
func (s *Server) checkLimitsTx(c *fiber.Ctx, tx *gorm.DB, w limitWrite) error {
	if err := models.LockWorkspaceTx(tx, w.ws); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return NotFound("The workspace no longer exists.")
		}
		return err
	}
	if w.project != nil {
		if _, err := models.LockProjectTx(tx, *w.project); err != nil {
			return err
		}
	}
	if w.movingProject != nil {
		if _, err := models.LockProjectTx(tx, *w.movingProject); err != nil {
			return err
		}
		all, err := models.CountProjectTasksTx(tx, *w.movingProject, nil)
		if err != nil {
			return err
		}
		mine := all
		if w.ws.Personal() {
			if mine, err = models.CountProjectTasksTx(tx, *w.movingProject, &w.ws.UserID); err != nil {
				return err
			}
		}
		w.adding[tasksKey(w.ws)] += int(mine)
		w.adding[models.LimitTasksPerProject] = int(all)
	}
	return s.decideLimits(c, tx, w)
}

// checkWritable refuses a change to an object of workspace ws while ws is
// read-only (its subscription was cancelled and it holds more than the
// Free plan allows). Reads and deletes do not ask.
func (s *Server) checkWritable(c *fiber.Ctx, ws models.Workspace) error {
	return s.decideLimits(c, s.db.WithContext(c.UserContext()), limitWrite{scope: "update", ws: ws, adding: map[string]int{}})
}

// decideLimits works out the plan of w.ws, counts and asks the policy.
func (s *Server) decideLimits(c *fiber.Ctx, tx *gorm.DB, w limitWrite) error {
	ctx := c.UserContext()
	now := s.clock.Now()
	st, err := models.WorkspacePlanState(ctx, tx, s.plans, w.ws, now)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(w.adding)+5)
	for k := range w.adding {
		keys = append(keys, k)
	}
	if st.Cancelled {
		keys = append(keys, models.WorkspaceLimitKeys(w.ws)...)
	}
	usage, err := models.CountUsageTx(tx.WithContext(ctx), w.ws, models.UsageQuery{Keys: keys, ProjectID: w.project,
		PendingInvitations: w.pendingInvitations, Now: now})
	if err != nil {
		return err
	}
	if w.movingProject != nil {
		usage[models.LimitTasksPerProject] = 0 // the moved project arrives with its tasks
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	me, _ := currentUser(c)
	var auth policies.Auth
	if me != nil {
		auth = authFor(me, nil, nil)
	}
	d, err := eng.Decide(ctx, "limits", policies.Input{Scope: w.scope, Auth: auth, Resource: s.limitsInput(w, st, usage)})
	if err != nil {
		return err
	}
	if d.Allow {
		return nil
	}
	s.logger(c).Info("plan limit refused a write", "scope", w.scope, "user_id", w.ws.UserID, "org_id", w.ws.OrgID,
		"plan", st.Plan.ID, "cancelled", st.Cancelled)
	return s.limitError(ctx, tx, w.ws, d.Reasons)
}

// limitsInput is the resource of a limits decision (policies/limits.rego).
func (s *Server) limitsInput(w limitWrite, st models.PlanState, usage map[string]int64) map[string]any {
	kind, id := "organization", w.ws.OrgID
	if w.ws.Personal() {
		kind, id = "personal", w.ws.UserID
	}
	u := make(map[string]any, len(usage))
	for k, n := range usage {
		u[k] = int(n)
	}
	add := make(map[string]any, len(w.adding))
	for k, n := range w.adding {
		add[k] = n
	}
	catalog := s.plans
	if catalog == nil {
		catalog = models.DefaultCatalog()
	}
	var plans []any
	for _, p := range catalog.Plans() {
		plans = append(plans, map[string]any{"id": p.ID, "name": p.Name, "scope": p.Scope, "limits": models.LimitsMap(p.Limits)})
	}
	free := catalog.Free()
	return map[string]any{
		"workspace": map[string]any{"kind": kind, "id": id},
		"plan":      map[string]any{"id": st.Plan.ID, "name": st.Plan.Name, "limits": models.LimitsMap(st.Plan.Limits)},
		"seats":     st.Seats,
		"cancelled": st.Cancelled,
		"free":      map[string]any{"name": free.Name, "limits": models.LimitsMap(free.Limits)},
		"plans":     plans,
		"usage":     u,
		"adding":    add,
	}
}

// limitError is the 403 of a refused write: the policy's reasons, a
// machine-readable code, and where the plans of the workspace are.
func (s *Server) limitError(ctx context.Context, tx *gorm.DB, ws models.Workspace, reasons []string) error {
	msg := strings.Join(reasons, " ")
	if msg == "" {
		msg = "A plan limit does not allow this."
	}
	upgrade := "/billing/plans"
	if !ws.Personal() {
		var slugs []string
		if err := tx.WithContext(ctx).Model(&models.Organization{}).Where("id = ?", ws.OrgID).Pluck("slug", &slugs).Error; err != nil {
			return fmt.Errorf("load organization %d: %w", ws.OrgID, err)
		}
		if len(slugs) == 1 {
			upgrade += "?" + url.Values{"org": {slugs[0]}}.Encode()
		}
	}
	return &APIError{Status: fiber.StatusForbidden, Detail: msg, Extra: map[string]any{"code": limitCode, "upgrade_url": upgrade}}
}

// acceptInvitationTx makes userID a member through invitation inv inside
// tx, when the organization has room for one more member (plan limit or
// seats). Every way of joining goes through it: the Invitations page,
// sign-up from the link, and SSO/social login carrying the invitation.
func (s *Server) acceptInvitationTx(c *fiber.Ctx, tx *gorm.DB, inv *models.Invitation, userID uint64, now time.Time) (*models.Invitation, error) {
	// A used-up invitation says so rather than that the organization is full.
	if inv.Usable(now) == nil {
		if err := s.checkLimitsTx(c, tx, joinLimits("accept:invitation", inv.OrganizationID)); err != nil {
			return nil, err
		}
	}
	return models.AcceptInvitationTx(tx, inv.Key, userID, now)
}

// updateProjectWithinLimits applies ch to project p. A transfer is checked
// against the destination's limits inside the move's transaction (the
// project, its tasks, and its tasks per project); any other change needs
// p's workspace to be writable.
func (s *Server) updateProjectWithinLimits(c *fiber.Ctx, me *models.User, p *models.Project, ch models.Changes) error {
	ctx, now := c.UserContext(), s.clock.Now()
	tr := ch.Transfer
	if tr == nil {
		if err := s.checkWritable(c, objectWorkspace(p.OrganizationID, p.OwnerID, me.ID)); err != nil {
			return err
		}
		return s.db.UpdateProject(ctx, p.ID, ch, now)
	}
	ws := objectWorkspace(tr.To, p.OwnerID, me.ID)
	w := limitWrite{scope: "transfer:project", ws: ws, movingProject: &p.ID, adding: map[string]int{projectsKey(ws): 1}}
	return s.withinLimits(c, w, func(db *models.DB) error { return db.UpdateProject(ctx, p.ID, ch, now) })
}

// updateTaskWithinLimits applies ch to task t: a transfer is checked
// against the destination's limits, adding the task to a project against
// the project's tasks per project, both inside the update's transaction;
// any other change needs t's workspace to be writable.
func (s *Server) updateTaskWithinLimits(c *fiber.Ctx, me *models.User, t *models.Task, ch models.Changes) error {
	ctx, now := c.UserContext(), s.clock.Now()
	update := func(db *models.DB) error { return db.UpdateTask(ctx, t.ID, ch, now) }
	if tr := ch.Transfer; tr != nil {
		ws := objectWorkspace(tr.To, t.OwnerID, me.ID)
		return s.withinLimits(c, limitWrite{scope: "transfer:task", ws: ws, adding: map[string]int{tasksKey(ws): 1}}, update)
	}
	ws := objectWorkspace(t.OrganizationID, t.OwnerID, me.ID)
	if np := idField(ch.Fields, "project_id"); np != nil {
		w := limitWrite{scope: "update", ws: ws, adding: map[string]int{models.LimitTasksPerProject: 1}, project: np}
		return s.withinLimits(c, w, update)
	}
	if err := s.checkWritable(c, ws); err != nil {
		return err
	}
	return s.db.UpdateTask(ctx, t.ID, ch, now)
}

// checkJobWritable is checkWritable for job j: its workspace is its
// task's.
func (s *Server) checkJobWritable(c *fiber.Ctx, me *models.User, j *models.Job) error {
	ws := orgWorkspace(j.OrganizationID, me.ID)
	if j.OrganizationID == nil {
		t, err := s.db.TaskByID(c.UserContext(), j.TaskID)
		if err != nil {
			return storeError(err)
		}
		ws = objectWorkspace(nil, t.OwnerID, me.ID)
	}
	return s.checkWritable(c, ws)
}
