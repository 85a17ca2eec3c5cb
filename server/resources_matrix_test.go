package server

// The reference permission tables of projects, tasks, jobs and cloud
// storages over real HTTP (SPEC §0: every applicable row is a test case).
//
// For every scope Gatehouse serves, the cases enumerate privilege × the
// caller's role in the organization × context × ownership, build the
// situation in the database, make the request and compare the answer with
// ALL rows of the scope: allowed iff some row matches (admins may do
// anything, as in CVAT's generated tests and in the policies). Allowed → 2xx;
// denied → 403 when the tables let the caller view the object, else 404
// (the object stays hidden); create and list denials are 403. After each
// table every applicable row must have been exercised by some case.
//
// Mapping of the columns:
//   Privilege   the caller's global role: worker, user, admin ("None", any
//               signed-in user, is covered by all three). Strict_Privilege
//               (jobs.csv) means exactly that role.
//   Membership  the caller's role in the organization: owner, maintainer,
//               supervisor, worker, or not a member.
//   Context     an object is judged in its own workspace (as CVAT does):
//               Sandbox = a personal object, Organization = an object of the
//               organization. For create and list it is the request's
//               workspace: Sandbox = no org parameter or `org=` (personal),
//               Organization = `org=<slug>`. create@project and job create
//               are judged in the workspace of the project or task.
//   Ownership   the caller's relation to the object (owner, assignee, and
//               for tasks and jobs project:owner/assignee, task:owner/
//               assignee), or none.
//
// Each case also checks the answer: a view returns allowed_actions equal to
// the scopes the tables allow in the same situation; a list holds exactly
// the objects of its workspace the tables let the caller view (for lists
// without an org parameter, the personal objects; objects of organizations
// there follow the policy's relation filter, see the report).
//
// Requests per scope (the PATCH always changes the value):
//   update:desc name; update:owner owner_id; update:assignee assignee_id
//   (jobs: assignee); update:stage, update:state of a job;
//   update:associated_storage unlinks source_storage; update:project takes
//   the task out of its project (project_id null); update:organization moves
//   the object (no linked storage) from an organization to the personal
//   workspace, or from the personal workspace to the organization. A move
//   also needs "create" in the destination: the cases expect the tables'
//   update:organization AND create rows there (and update:project for a task
//   leaving its project).
//
// Rows that do not apply (Gatehouse has no annotations, data, datasets,
// backups or bucket contents): every row of these scopes —
//   projects.csv       import:backup, export:annotations, export:dataset,
//                      import:dataset, export:backup (lines 4-5, 26-37, 38-41)
//   tasks.csv          import:backup, view:annotations, update:annotations,
//                      delete:annotations, export:dataset, view:data,
//                      view:metadata, update:metadata, upload:data,
//                      import:annotations, export:annotations, export:backup
//                      (lines 4-5, 42-89)
//   jobs.csv           view:annotations, export:annotations, export:dataset,
//                      update:annotations, delete:annotations, view:data,
//                      view:metadata, update:metadata, import:annotations
//                      (lines 24-70)
//   cloudstorages.csv  list:content (lines 18-21)
// The test fails when a table gains a scope that is neither covered nor
// listed here. URLs: the project "view" row also names /projects/{id}/tasks
// (Gatehouse: GET /api/tasks?project_id=), jobs "list" /tasks/{id}/jobs
// (GET /api/jobs?task_id=); cloud storage "view" also /preview and /status,
// which Gatehouse does not have.

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

var (
	rmPrivileges = []string{models.RoleWorker, models.RoleUser, models.RoleAdmin}
	rmRoles      = []string{models.OrgOwner, models.OrgMaintainer, models.OrgSupervisor, models.OrgWorker, ""}
	rmPrivRank   = map[string]int{"none": 0, "worker": 1, "user": 2, "admin": 3}
	rmRoleRank   = map[string]int{"worker": 0, "supervisor": 1, "maintainer": 2, "owner": 3}
)

// rmSkipped are the scopes of each table Gatehouse has no endpoint for.
var rmSkipped = map[string][]string{
	"projects": {"import:backup", "export:annotations", "export:dataset", "import:dataset", "export:backup"},
	"tasks": {"import:backup", "view:annotations", "update:annotations", "delete:annotations", "export:dataset",
		"view:data", "view:metadata", "update:metadata", "upload:data", "import:annotations", "export:annotations", "export:backup"},
	"jobs": {"view:annotations", "export:annotations", "export:dataset", "update:annotations", "delete:annotations",
		"view:data", "view:metadata", "update:metadata", "import:annotations"},
	"cloudstorages": {"list:content"},
}

// rmRow is one row of a table, lower-cased.
type rmRow struct {
	line       int
	scope      string
	context    string   // sandbox or organization
	ownership  []string // the relations the row is about, or n/a
	privilege  string   // lowest (or, strict, exact) global role
	membership string   // lowest organization role, or n/a
	strict     bool
}

// rmSit is a situation as the tables see it.
type rmSit struct {
	scope, context, privilege, role, ownership string
}

func (s rmSit) String() string {
	role := s.role
	if role == "" {
		role = "non-member"
	}
	return fmt.Sprintf("%s %s privilege=%s role=%s ownership=%s", s.scope, s.context, s.privilege, role, s.ownership)
}

func (r rmRow) passes(s rmSit) bool {
	if r.scope != s.scope || r.context != s.context {
		return false
	}
	if !slices.Contains(r.ownership, "n/a") && !slices.Contains(r.ownership, s.ownership) {
		return false
	}
	if r.strict && s.privilege != r.privilege || !r.strict && rmPrivRank[s.privilege] < rmPrivRank[r.privilege] {
		return false
	}
	return r.membership == "n/a" || s.role != "" && rmRoleRank[s.role] >= rmRoleRank[r.membership]
}

type rmTable struct {
	name string
	rows []rmRow
	hit  []bool
}

func rmLoad(t *testing.T, name string) *rmTable {
	t.Helper()
	path := filepath.Join(referenceDir(t), "permissions", name+".csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	tb := &rmTable{name: name}
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for i, rec := range recs[1:] {
		r := rmRow{line: i + 2, scope: norm(rec[col["scope"]]), context: norm(rec[col["context"]]),
			privilege: norm(rec[col["privilege"]]), membership: norm(rec[col["membership"]])}
		if c, ok := col["strict_privilege"]; ok {
			r.strict = norm(rec[c]) == "true"
		}
		for _, o := range strings.Split(rec[col["ownership"]], ",") {
			r.ownership = append(r.ownership, norm(o))
		}
		_, privOK := rmPrivRank[r.privilege]
		_, roleOK := rmRoleRank[r.membership]
		if !privOK || (!roleOK && r.membership != "n/a") || (r.context != "sandbox" && r.context != "organization") ||
			norm(rec[col["limit"]]) != "" {
			t.Fatalf("%s.csv:%d: a row this test cannot read: %v", name, r.line, rec)
		}
		if slices.Contains(rmSkipped[name], r.scope) {
			continue
		}
		tb.rows = append(tb.rows, r)
	}
	tb.hit = make([]bool, len(tb.rows))
	return tb
}

// allows is the tables' answer, recording the rows it used.
func (tb *rmTable) allows(s rmSit) bool {
	ok := s.privilege == models.RoleAdmin
	for i, r := range tb.rows {
		if r.passes(s) {
			tb.hit[i], ok = true, true
		}
	}
	return ok
}

// sees is allows without recording.
func (tb *rmTable) sees(s rmSit) bool {
	if s.privilege == models.RoleAdmin {
		return true
	}
	return slices.ContainsFunc(tb.rows, func(r rmRow) bool { return r.passes(s) })
}

// checkCoverage fails unless every applicable row was exercised and every
// scope is either covered or skipped.
func (tb *rmTable) checkCoverage(t *testing.T, covered []string) {
	t.Helper()
	for i, r := range tb.rows {
		if !slices.Contains(covered, r.scope) {
			t.Errorf("%s.csv:%d: scope %q is neither covered nor skipped", tb.name, r.line, r.scope)
			continue
		}
		if !tb.hit[i] {
			t.Errorf("%s.csv:%d (%s %s %v) was never exercised", tb.name, r.line, r.scope, r.context, r.ownership)
		}
	}
}

// ---------------------------------------------------------------------------
// Fixture: per global role an organization whose owner and members have that
// role, plus one outsider; two bystanders own what the callers do not.

type rmUser struct {
	b  *browser
	id uint64
}

type rmEnv struct {
	*accountsEnv
	ctx     context.Context
	callers map[string]map[string]*rmUser // privilege → role → caller
	orgs    map[string]uint64             // privilege → organization id
	slugs   map[string]string
	x, y    uint64 // bystanders
	seq     int
	cur     *testing.T // the table being built
}

func newRMEnv(t *testing.T) *rmEnv {
	t.Helper()
	e := &rmEnv{accountsEnv: newAccountsEnv(t, envOptions{}), ctx: context.Background(),
		callers: map[string]map[string]*rmUser{}, orgs: map[string]uint64{}, slugs: map[string]string{}}
	roles := map[uint64]string{}
	for _, p := range rmPrivileges {
		e.callers[p] = map[string]*rmUser{}
		owner := e.rmUser("rm" + p)
		slug := fmt.Sprintf("rm%d", userSeq.Add(1))
		r := owner.b.do("POST", "/api/organizations", map[string]any{"slug": slug})
		expect(t, r, 201)
		var org struct{ ID uint64 }
		decodeInto(t, r, &org)
		e.orgs[p], e.slugs[p] = org.ID, slug
		for _, role := range rmRoles {
			u := owner
			if role != models.OrgOwner {
				u = e.rmUser("rm" + p)
			}
			if role != models.OrgOwner && role != "" {
				r := inOrg(owner.b, slug).do("POST", "/api/invitations", map[string]any{"email": e.email(u), "role": role})
				expect(t, r, 201)
				var inv struct{ Key string }
				decodeInto(t, r, &inv)
				expect(t, u.b.do("POST", "/api/invitations/"+inv.Key+"/accept", nil), 200)
			}
			e.callers[p][role] = u
			roles[u.id] = p
		}
	}
	e.x, e.y = e.rmUser("rmx").id, e.rmUser("rmy").id
	for id, p := range roles {
		if err := e.db.Model(&models.User{}).Where("id = ?", id).Update("role", p).Error; err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Second) // the auth cache forgets the old roles
	e.cur = t
	return e
}

func (e *rmEnv) rmUser(prefix string) *rmUser {
	b, name, _ := e.registerUser(prefix)
	var u models.User
	if err := e.db.Where("username_lower = ?", strings.ToLower(name)).First(&u).Error; err != nil {
		e.t.Fatal(err)
	}
	return &rmUser{b: b, id: u.ID}
}

func (e *rmEnv) email(u *rmUser) string {
	var usr models.User
	if err := e.db.First(&usr, u.id).Error; err != nil {
		e.t.Fatal(err)
	}
	return usr.Email
}

func (e *rmEnv) name(kind string) string {
	e.seq++
	return fmt.Sprintf("%s-%d", kind, e.seq)
}

// workspace is the organization of the privilege's callers for the
// organization context, nil (personal) for the sandbox.
func (e *rmEnv) workspace(context, p string) *uint64 {
	if context == "sandbox" {
		return nil
	}
	id := e.orgs[p]
	return &id
}

func (e *rmEnv) must(err error) {
	e.cur.Helper()
	if err != nil {
		e.cur.Fatal(err)
	}
}

func (e *rmEnv) storage(ws *uint64) *models.CloudStorage {
	cs := &models.CloudStorage{DisplayName: e.name("cs"), ProviderType: "AWS_S3_BUCKET", Resource: "r", CredentialsType: "ANONYMOUS_ACCESS",
		OwnerID: &e.x, OrganizationID: ws}
	e.must(e.db.CreateCloudStorage(e.ctx, cs, e.clock.Now()))
	return cs
}

func (e *rmEnv) project(name string, ws, owner, assignee, source *uint64) *models.Project {
	p := &models.Project{Name: name, OwnerID: owner, AssigneeID: assignee, OrganizationID: ws, SourceStorageID: source}
	e.must(e.db.CreateProject(e.ctx, p, e.clock.Now()))
	return p
}

func (e *rmEnv) task(name string, ws, project, owner, assignee, source *uint64) *models.Task {
	t := &models.Task{Name: name, OrganizationID: ws, ProjectID: project, OwnerID: owner, AssigneeID: assignee, SourceStorageID: source}
	_, err := e.db.CreateTask(e.ctx, t, 0, e.clock.Now())
	e.must(err)
	return t
}

func (e *rmEnv) job(task *models.Task, assignee *uint64) *models.Job {
	j := &models.Job{TaskID: task.ID, AssigneeID: assignee, Stage: models.StageAnnotation, State: models.StateNew, Type: models.JobTypeAnnotation}
	e.must(e.db.CreateJob(e.ctx, j, e.clock.Now()))
	return j
}

// rel returns the caller's id when the ownership is one of whens, else the
// bystander x (or nil when orNil).
func rel(own string, caller uint64, other *uint64, whens ...string) *uint64 {
	if slices.Contains(whens, own) {
		return &caller
	}
	return other
}

// ---------------------------------------------------------------------------
// Cases.

type rmKind int

const (
	rmObject rmKind = iota // denied: 403 if the caller may view, else 404
	rmCreate               // denied: 403
)

type rmCase struct {
	name  string
	sit   rmSit
	also  []rmSit // further situations the tables must allow (a move's destination)
	kind  rmKind
	run   func(t *testing.T) response
	check func(t *testing.T, r response) // after a 2xx
}

// rmReq sends a request in a workspace: "" none named, "personal" (org=),
// or an organization slug.
func rmReq(t *testing.T, u *rmUser, method, path, ws string, body any) response {
	t.Helper()
	if ws != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if ws == "personal" {
			ws = ""
		}
		path += sep + "org=" + ws
	}
	return rsAs(t, u.b).do(method, path, body)
}

func rmRun(t *testing.T, tb *rmTable, covered []string, cases []rmCase) {
	t.Helper()
	start := time.Now()
	for _, c := range cases {
		want := tb.allows(c.sit)
		for _, s := range c.also {
			want = tb.allows(s) && want
		}
		// A denial is a 404 when the caller may not even view the object.
		denied := 403
		if c.kind == rmObject && !tb.sees(rmSit{"view", c.sit.context, c.sit.privilege, c.sit.role, c.sit.ownership}) {
			denied = 404
		}
		t.Run(c.name, func(t *testing.T) {
			r := c.run(t)
			switch {
			case want && (r.Status < 200 || r.Status > 299):
				t.Fatalf("%s: status %d, want 2xx\n  body: %s", c.sit, r.Status, r.Body)
			case !want && r.Status != denied:
				t.Fatalf("%s: status %d, want %d (denied)\n  body: %s", c.sit, r.Status, denied, r.Body)
			}
			if want && c.check != nil {
				c.check(t, r)
			}
		})
	}
	tb.checkCoverage(t, covered)
	t.Logf("%s: %d rows, %d cases in %v", tb.name, len(tb.rows), len(cases), time.Since(start).Round(time.Millisecond))
}

// rmActions checks the allowed_actions of a view answer against the tables.
func rmActions(tb *rmTable, s rmSit, scopes []string) func(t *testing.T, r response) {
	var want []string
	for _, scope := range scopes {
		if tb.sees(rmSit{scope, s.context, s.privilege, s.role, s.ownership}) {
			want = append(want, scope)
		}
	}
	return func(t *testing.T, r response) {
		t.Helper()
		got := rsDecode(t, r).AllowedActions
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("%s: allowed_actions %v, want %v", s, got, want)
		}
	}
}

// rmShared is an object made for a caller's view and list cases.
type rmShared struct {
	id        uint64
	ws        *uint64
	privilege string
	caller    uint64
	ownership string
}

// rmLists makes the list cases: in each workspace the list holds exactly the
// shared objects (found by search) the tables let the caller view.
func (e *rmEnv) rmLists(tb *rmTable, path, search string, shared []rmShared) []rmCase {
	var cases []rmCase
	for _, p := range rmPrivileges {
		for _, role := range rmRoles {
			u := e.callers[p][role]
			for _, ws := range []string{"", "personal", e.slugs[p]} {
				sit := rmSit{"list", "sandbox", p, "", "none"}
				if ws == e.slugs[p] {
					sit.context, sit.role = "organization", role
				}
				var want []uint64
				for _, o := range shared {
					inWS := o.ws == nil
					if ws == e.slugs[p] {
						inWS = o.ws != nil && *o.ws == e.orgs[p]
					}
					if !inWS {
						continue
					}
					own := "none"
					if o.caller == u.id {
						own = o.ownership
					}
					ctx, r := "sandbox", ""
					if o.ws != nil {
						ctx, r = "organization", role
					}
					if tb.sees(rmSit{"view", ctx, p, r, own}) {
						want = append(want, o.id)
					}
				}
				slices.Sort(want)
				checkWS := ws
				cases = append(cases, rmCase{name: fmt.Sprintf("list/%s/%s/%s", p, rmRoleLabel(role), rmWSLabel(ws, e.slugs[p])),
					sit: sit, kind: rmCreate,
					run: func(t *testing.T) response {
						return rmReq(t, u, "GET", path+"?page_size=all&search="+search, checkWS, nil)
					},
					check: func(t *testing.T, r response) {
						var page struct{ Results []rsObject }
						decodeInto(t, r, &page)
						var got []uint64
						for _, o := range page.Results {
							if checkWS != "" || o.Organization == nil {
								got = append(got, o.ID)
							}
						}
						slices.Sort(got)
						if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
							t.Fatalf("%s: ids %v, want %v", sit, got, want)
						}
					}})
			}
		}
	}
	return cases
}

func rmRoleLabel(role string) string {
	if role == "" {
		return "non-member"
	}
	return role
}

func rmWSLabel(ws, slug string) string {
	switch ws {
	case "":
		return "no-org"
	case slug:
		return "org"
	}
	return ws
}

// rmEach calls fn for every caller, context and ownership of an object
// scope. A personal object is judged without the caller's organization role,
// so in the sandbox only a non-member and a worker are asked everything;
// callers of the other roles are asked only to move the object (moveOnly:
// their role counts in the destination), and not at all when the resource
// does not move.
func (e *rmEnv) rmEach(ownerships []string, moves bool, fn func(p, role, context, own string, u *rmUser, sit rmSit, moveOnly bool)) {
	for _, p := range rmPrivileges {
		for _, role := range rmRoles {
			for _, context := range []string{"sandbox", "organization"} {
				moveOnly := context == "sandbox" && role != "" && role != models.OrgWorker
				if moveOnly && !moves {
					continue
				}
				for _, own := range ownerships {
					sitRole := role
					if context == "sandbox" {
						sitRole = ""
					}
					fn(p, role, context, own, e.callers[p][role], rmSit{"", context, p, sitRole, own}, moveOnly)
				}
			}
		}
	}
}

// rmCreates makes the create cases of a resource that goes to the
// request's workspace.
func (e *rmEnv) rmCreates(path string, body func() map[string]any) []rmCase {
	var cases []rmCase
	for _, p := range rmPrivileges {
		for _, role := range rmRoles {
			u := e.callers[p][role]
			for _, ws := range []string{"", "personal", e.slugs[p]} {
				sit := rmSit{"create", "sandbox", p, "", "none"}
				if ws == e.slugs[p] {
					sit.context, sit.role = "organization", role
				}
				b := body()
				cases = append(cases, rmCase{name: fmt.Sprintf("create/%s/%s/%s", p, rmRoleLabel(role), rmWSLabel(ws, e.slugs[p])),
					sit: sit, kind: rmCreate,
					run: func(t *testing.T) response { return rmReq(t, u, "POST", path, ws, b) }})
			}
		}
	}
	return cases
}

// rmMove is the destination of a move of an object of the context: the
// personal workspace for an organization's object, else the organization
// where the caller has the role.
func (e *rmEnv) rmMove(context, p, role string) (any, rmSit) {
	if context == "organization" {
		return nil, rmSit{"create", "sandbox", p, "", "none"}
	}
	return e.orgs[p], rmSit{"create", "organization", p, role, "none"}
}

func (e *rmEnv) objectCase(name string, sit rmSit, run func(t *testing.T) response) rmCase {
	return rmCase{name: fmt.Sprintf("%s/%s/%s/%s/%s/%s", sit.scope, sit.privilege, rmRoleLabel(sit.role), sit.context, sit.ownership, name),
		sit: sit, kind: rmObject, run: run}
}

// ---------------------------------------------------------------------------
// The tables.

func rmProjects(t *testing.T, e *rmEnv) {
	tb := rmLoad(t, "projects")
	scopes := objectScopes["projects"]
	owns := []string{"owner", "assignee", "none"}
	var cases, views []rmCase
	var shared []rmShared
	e.rmEach(owns, true, func(p, role, context, own string, u *rmUser, sit rmSit, moveOnly bool) {
		ws := e.workspace(context, p)
		owner, assignee := rel(own, u.id, &e.x, "owner"), rel(own, u.id, nil, "assignee")
		build := func(name string, source *uint64) *models.Project { return e.project(name, ws, owner, assignee, source) }
		patch := func(scope string, body map[string]any, source *uint64) {
			s := sit
			s.scope = scope
			obj := build(e.name("fresh"), source)
			cases = append(cases, e.objectCase("patch", s, func(t *testing.T) response {
				return rmReq(t, u, "PATCH", rsPath("projects", obj.ID), "", body)
			}))
		}
		to, dest := e.rmMove(context, p, role)
		patch("update:organization", map[string]any{"organization_id": to}, nil)
		cases[len(cases)-1].also = []rmSit{dest}
		if moveOnly {
			return
		}
		v := build("rmproj-"+e.name("p"), nil)
		shared = append(shared, rmShared{v.ID, ws, p, u.id, own})
		path := rsPath("projects", v.ID)
		vs := sit
		vs.scope = "view"
		c := e.objectCase("get", vs, func(t *testing.T) response { return rmReq(t, u, "GET", path, "", nil) })
		c.check = rmActions(tb, vs, scopes)
		views = append(views, c)
		patch("update:desc", map[string]any{"name": "renamed"}, nil)
		patch("update:assignee", map[string]any{"assignee_id": e.x}, nil)
		patch("update:owner", map[string]any{"owner_id": e.y}, nil)
		patch("update:associated_storage", map[string]any{"source_storage": nil}, &e.storage(ws).ID)
		del := build(e.name("fresh"), nil)
		ds := sit
		ds.scope = "delete"
		cases = append(cases, e.objectCase("delete", ds, func(t *testing.T) response {
			return rmReq(t, u, "DELETE", rsPath("projects", del.ID), "", nil)
		}))
	})
	all := append(e.rmLists(tb, "/api/projects", "rmproj", shared), views...)
	all = append(all, cases...)
	all = append(all, e.rmCreates("/api/projects", func() map[string]any { return map[string]any{"name": e.name("new")} })...)
	rmRun(t, tb, append([]string{"create", "list"}, scopes...), all)
}

func rmTasks(t *testing.T, e *rmEnv) {
	tb := rmLoad(t, "tasks")
	scopes := objectScopes["tasks"]
	owns := []string{"owner", "assignee", "project:owner", "project:assignee", "none"}
	var cases, views []rmCase
	var shared []rmShared
	e.rmEach(owns, true, func(p, role, context, own string, u *rmUser, sit rmSit, moveOnly bool) {
		ws := e.workspace(context, p)
		project := e.project("parent", ws, rel(own, u.id, &e.x, "project:owner"), rel(own, u.id, nil, "project:assignee"), nil)
		build := func(name string, source *uint64) *models.Task {
			return e.task(name, ws, &project.ID, rel(own, u.id, &e.x, "owner"), rel(own, u.id, nil, "assignee"), source)
		}
		patch := func(scope string, body map[string]any, source *uint64, also ...rmSit) {
			s := sit
			s.scope = scope
			obj := build(e.name("fresh"), source)
			c := e.objectCase("patch", s, func(t *testing.T) response {
				return rmReq(t, u, "PATCH", rsPath("tasks", obj.ID), "", body)
			})
			c.also = also
			cases = append(cases, c)
		}
		to, dest := e.rmMove(context, p, role)
		leave := sit
		leave.scope = "update:project"
		patch("update:organization", map[string]any{"organization_id": to, "project_id": nil}, nil, dest, leave)
		if moveOnly {
			return
		}
		v := build("rmtask-"+e.name("t"), nil)
		shared = append(shared, rmShared{v.ID, ws, p, u.id, own})
		vs := sit
		vs.scope = "view"
		c := e.objectCase("get", vs, func(t *testing.T) response { return rmReq(t, u, "GET", rsPath("tasks", v.ID), "", nil) })
		c.check = rmActions(tb, vs, scopes)
		views = append(views, c)
		patch("update:desc", map[string]any{"name": "renamed"}, nil)
		patch("update:owner", map[string]any{"owner_id": e.y}, nil)
		patch("update:assignee", map[string]any{"assignee_id": e.y}, nil)
		patch("update:project", map[string]any{"project_id": nil}, nil)
		patch("update:associated_storage", map[string]any{"source_storage": nil}, &e.storage(ws).ID)
		del := build(e.name("fresh"), nil)
		ds := sit
		ds.scope = "delete"
		cases = append(cases, e.objectCase("delete", ds, func(t *testing.T) response {
			return rmReq(t, u, "DELETE", rsPath("tasks", del.ID), "", nil)
		}))
		// create@project: a task into this caller's project (the task's own
		// ownerships are irrelevant there).
		if own == "project:owner" || own == "project:assignee" || own == "none" {
			cs := sit
			cs.scope = "create@project"
			cases = append(cases, rmCase{name: fmt.Sprintf("create@project/%s/%s/%s/%s", p, rmRoleLabel(cs.role), context, own),
				sit: cs, kind: rmCreate, run: func(t *testing.T) response {
					return rmReq(t, u, "POST", "/api/tasks", "", map[string]any{"name": "new", "project_id": project.ID, "job_count": 0})
				}})
		}
	})
	all := append(e.rmLists(tb, "/api/tasks", "rmtask", shared), views...)
	all = append(all, cases...)
	all = append(all, e.rmCreates("/api/tasks", func() map[string]any { return map[string]any{"name": e.name("new"), "job_count": 0} })...)
	rmRun(t, tb, append([]string{"create", "create@project", "list"}, scopes...), all)
}

func rmJobs(t *testing.T, e *rmEnv) {
	tb := rmLoad(t, "jobs")
	scopes := objectScopes["jobs"]
	owns := []string{"project:owner", "project:assignee", "task:owner", "task:assignee", "assignee", "none"}
	var cases, views []rmCase
	var shared []rmShared
	e.rmEach(owns, false, func(p, role, context, own string, u *rmUser, sit rmSit, _ bool) {
		ws := e.workspace(context, p)
		project := e.project("parent", ws, rel(own, u.id, &e.x, "project:owner"), rel(own, u.id, nil, "project:assignee"), nil)
		task := func(name string) *models.Task {
			return e.task(name, ws, &project.ID, rel(own, u.id, &e.x, "task:owner"), rel(own, u.id, nil, "task:assignee"), nil)
		}
		viewTask := task("rmjob-" + e.name("t"))
		v := e.job(viewTask, rel(own, u.id, nil, "assignee"))
		shared = append(shared, rmShared{v.ID, ws, p, u.id, own})
		vs := sit
		vs.scope = "view"
		c := e.objectCase("get", vs, func(t *testing.T) response { return rmReq(t, u, "GET", rsPath("jobs", v.ID), "", nil) })
		c.check = rmActions(tb, vs, scopes)
		views = append(views, c)
		freshTask := task(e.name("fresh"))
		object := func(scope, method string, body map[string]any) {
			s := sit
			s.scope = scope
			j := e.job(freshTask, rel(own, u.id, nil, "assignee"))
			cases = append(cases, e.objectCase(strings.ToLower(method), s, func(t *testing.T) response {
				return rmReq(t, u, method, rsPath("jobs", j.ID), "", body)
			}))
		}
		object("update:stage", "PATCH", map[string]any{"stage": "validation"})
		object("update:state", "PATCH", map[string]any{"state": "in progress"})
		object("update:assignee", "PATCH", map[string]any{"assignee": e.y})
		object("delete", "DELETE", nil)
		if own != "assignee" {
			cs := sit
			cs.scope = "create"
			cases = append(cases, rmCase{name: fmt.Sprintf("create/%s/%s/%s/%s", p, rmRoleLabel(cs.role), context, own),
				sit: cs, kind: rmCreate, run: func(t *testing.T) response {
					return rmReq(t, u, "POST", "/api/jobs", "", map[string]any{"task_id": freshTask.ID})
				}})
		}
	})
	all := append(e.rmLists(tb, "/api/jobs", "rmjob", shared), views...)
	all = append(all, cases...)
	rmRun(t, tb, append([]string{"create", "list"}, scopes...), all)
}

func rmCloudStorages(t *testing.T, e *rmEnv) {
	tb := rmLoad(t, "cloudstorages")
	scopes := objectScopes["cloudstorages"]
	var cases, views []rmCase
	var shared []rmShared
	e.rmEach([]string{"owner", "none"}, false, func(p, role, context, own string, u *rmUser, sit rmSit, _ bool) {
		ws := e.workspace(context, p)
		build := func(name string) *models.CloudStorage {
			cs := &models.CloudStorage{DisplayName: name, ProviderType: "GOOGLE_DRIVE", Resource: "r", CredentialsType: "ANONYMOUS_ACCESS",
				OwnerID: rel(own, u.id, &e.x, "owner"), OrganizationID: ws}
			e.must(e.db.CreateCloudStorage(e.ctx, cs, e.clock.Now()))
			return cs
		}
		v := build("rmcs-" + e.name("c"))
		shared = append(shared, rmShared{v.ID, ws, p, u.id, own})
		vs := sit
		vs.scope = "view"
		c := e.objectCase("get", vs, func(t *testing.T) response { return rmReq(t, u, "GET", rsPath("cloudstorages", v.ID), "", nil) })
		c.check = rmActions(tb, vs, scopes)
		views = append(views, c)
		for _, scope := range []string{"update", "delete"} {
			s := sit
			s.scope = scope
			obj := build(e.name("fresh"))
			method, body := "PATCH", map[string]any{"display_name": "renamed"}
			if scope == "delete" {
				method, body = "DELETE", nil
			}
			cases = append(cases, e.objectCase(strings.ToLower(method), s, func(t *testing.T) response {
				return rmReq(t, u, method, rsPath("cloudstorages", obj.ID), "", body)
			}))
		}
	})
	all := append(e.rmLists(tb, "/api/cloudstorages", "rmcs", shared), views...)
	all = append(all, cases...)
	all = append(all, e.rmCreates("/api/cloudstorages", func() map[string]any {
		return map[string]any{"display_name": e.name("new"), "provider_type": "AWS_S3_BUCKET", "resource": "r"}
	})...)
	rmRun(t, tb, append([]string{"create", "list"}, scopes...), all)
}

// TestResourceMatrix runs the four tables on one server and fixture.
func TestResourceMatrix(t *testing.T) {
	e := newRMEnv(t)
	for _, table := range []struct {
		name string
		run  func(t *testing.T, e *rmEnv)
	}{{"projects", rmProjects}, {"tasks", rmTasks}, {"jobs", rmJobs}, {"cloudstorages", rmCloudStorages}} {
		t.Run(table.name, func(t *testing.T) {
			e.cur = t
			table.run(t, e)
		})
	}
}
