package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// rsObject is what the tests read back from a project, task, job or cloud
// storage answer.
type rsObject struct {
	ID           uint64  `json:"id"`
	Name         string  `json:"name"`
	Organization *uint64 `json:"organization"`
	ProjectID    *uint64 `json:"project_id"`
	TaskID       uint64  `json:"task_id"`
	Stage        string  `json:"stage"`
	State        string  `json:"state"`
	Status       string  `json:"status"`
	Type         string  `json:"type"`
	Owner        *struct {
		ID uint64 `json:"id"`
	} `json:"owner"`
	Assignee *struct {
		ID uint64 `json:"id"`
	} `json:"assignee"`
	SourceStorage *struct {
		CloudStorageID uint64 `json:"cloud_storage_id"`
	} `json:"source_storage"`
	TargetStorage *struct {
		CloudStorageID uint64 `json:"cloud_storage_id"`
	} `json:"target_storage"`
	Jobs struct {
		Count int `json:"count"`
	} `json:"jobs"`
	AllowedActions []string `json:"allowed_actions"`
}

func rsDecode(t *testing.T, r response) rsObject {
	t.Helper()
	var o rsObject
	decodeInto(t, r, &o)
	return o
}

// rsCreate posts body to path and returns the created object.
func rsCreate(t *testing.T, b *browser, path string, body any) rsObject {
	t.Helper()
	r := b.do("POST", path, body)
	expect(t, r, 201)
	return rsDecode(t, r)
}

// rsIDs lists the ids of a list answer (page_size=all is added).
func rsIDs(t *testing.T, b *browser, path string) []uint64 {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	r := b.do("GET", path+sep+"page_size=all", nil)
	expect(t, r, 200)
	var page struct {
		Count   int        `json:"count"`
		Results []rsObject `json:"results"`
	}
	decodeInto(t, r, &page)
	ids := make([]uint64, 0, len(page.Results))
	for _, o := range page.Results {
		ids = append(ids, o.ID)
	}
	if page.Count != len(ids) {
		t.Fatalf("%s: count %d but %d results", path, page.Count, len(ids))
	}
	slices.Sort(ids)
	return ids
}

// rsAs is b for subtest t.
func rsAs(t *testing.T, b *browser) *browser {
	c := *b
	c.t = t
	return &c
}

func rsPath(kind string, id uint64) string { return "/api/" + kind + "/" + strconv.FormatUint(id, 10) }

func sortedIDs(ids ...uint64) []uint64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// rsFixture is an organization with one member per role and their ids.
type rsFixture struct {
	*orgFixture
	orgID                         uint64
	ownerID, maintID, supID, wkID uint64
	outsiderID                    uint64
}

func newRSFixture(t *testing.T, env *accountsEnv) *rsFixture {
	t.Helper()
	f := &rsFixture{orgFixture: newOrgFixture(t, env)}
	f.orgID = uint64(f.id)
	for _, p := range []struct {
		b  *browser
		id *uint64
	}{{f.owner, &f.ownerID}, {f.maintainer, &f.maintID}, {f.supervisor, &f.supID}, {f.worker, &f.wkID}, {f.outsider, &f.outsiderID}} {
		*p.id = uint64(selfID(t, p.b))
	}
	return f
}

func (f *rsFixture) in(b *browser) *browser { return inOrg(b, f.slug) }

func TestProjectsCRUDAndValidation(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)

	personal := rsCreate(t, f.outsider, "/api/projects", map[string]any{"name": "  Mine  ", "bug_tracker": "https://bugs.example.com"})
	if personal.Name != "Mine" || personal.Organization != nil || personal.Owner == nil || personal.Owner.ID != f.outsiderID {
		t.Fatalf("personal project = %+v", personal)
	}
	for _, scope := range []string{"view", "update:desc", "update:assignee", "update:organization", "delete"} {
		if !slices.Contains(personal.AllowedActions, scope) {
			t.Errorf("the owner's allowed_actions %v lack %s", personal.AllowedActions, scope)
		}
	}
	if slices.Contains(personal.AllowedActions, "update:owner") {
		t.Errorf("outside organizations only admins change owners, allowed_actions say %v", personal.AllowedActions)
	}
	inOrgProject := rsCreate(t, f.in(f.supervisor), "/api/projects", map[string]any{"name": "Team", "assignee_id": f.wkID})
	if inOrgProject.Organization == nil || *inOrgProject.Organization != f.orgID || inOrgProject.Assignee.ID != f.wkID {
		t.Fatalf("organization project = %+v", inOrgProject)
	}
	orgPath := rsPath("projects", inOrgProject.ID)

	tests := []struct {
		name   string
		b      *browser
		method string
		path   string
		body   any
		status int
		frags  []string
	}{
		{"name required", f.outsider, "POST", "/api/projects", map[string]any{"name": " "}, 400, []string{`"name":["This field is required."]`}},
		{"name too long", f.outsider, "POST", "/api/projects", map[string]any{"name": strings.Repeat("n", 257)}, 400, []string{`no more than 256`}},
		{"unknown field", f.outsider, "POST", "/api/projects", map[string]any{"name": "x", "labels": []any{}}, 400, []string{`"labels"`}},
		{"unknown assignee", f.outsider, "POST", "/api/projects", map[string]any{"name": "x", "assignee_id": 999999}, 400, []string{`"assignee_id"`}},
		{"bad storage location", f.outsider, "POST", "/api/projects", map[string]any{"name": "x", "source_storage": map[string]any{"location": "moon"}}, 400, []string{`"source_storage"`}},
		{"missing storage", f.outsider, "POST", "/api/projects", map[string]any{"name": "x", "target_storage": map[string]any{"location": "cloud_storage", "cloud_storage_id": 999999}}, 400, []string{`not found`}},
		{"worker cannot create in org", f.in(f.worker), "POST", "/api/projects", map[string]any{"name": "x"}, 403, []string{`supervisors`}},
		{"outsider cannot create in org", f.in(f.outsider), "POST", "/api/projects", map[string]any{"name": "x"}, 403, []string{`not a member`}},
		{"unknown org", inOrg(f.outsider, "no-such-org"), "POST", "/api/projects", map[string]any{"name": "x"}, 404, nil},
		{"outsider does not see org project", f.outsider, "GET", orgPath, nil, 404, nil},
		{"assigned worker sees it", f.worker, "GET", orgPath, nil, 200, []string{`"name":"Team"`, `"allowed_actions":["view","update:desc"]`}},
		{"supervisor owner sees it", f.supervisor, "GET", orgPath, nil, 200, []string{`"tasks":{"count":0`}},
		{"not a number", f.owner, "GET", "/api/projects/abc", nil, 404, nil},
		{"missing", f.owner, "GET", "/api/projects/999999", nil, 404, nil},
		{"assignee edits the name", f.worker, "PATCH", orgPath, map[string]any{"name": "Team 2"}, 200, []string{`"name":"Team 2"`}},
		{"assignee cannot reassign", f.worker, "PATCH", orgPath, map[string]any{"assignee_id": f.supID}, 403, nil},
		{"owner_id cannot be null", f.owner, "PATCH", orgPath, map[string]any{"owner_id": nil}, 400, []string{`"owner_id"`}},
		{"maintainer changes the owner", f.maintainer, "PATCH", orgPath, map[string]any{"owner_id": f.maintID}, 200, nil},
		{"unchanged fields ask only view", f.worker, "PATCH", orgPath, map[string]any{"name": "Team 2", "assignee_id": f.wkID}, 200, nil},
		{"every changed field needs its scope", f.worker, "PATCH", orgPath, map[string]any{"name": "Team 3", "assignee_id": nil}, 403, nil},
		{"handling without transfer", f.owner, "PATCH", orgPath, map[string]any{"cloud_storage_handling": "detach"}, 400, []string{`"cloud_storage_handling"`}},
		{"former owner no longer sees it", f.supervisor, "DELETE", orgPath, nil, 404, nil},
		{"worker cannot delete", f.worker, "DELETE", orgPath, nil, 403, nil},
		{"outsider cannot delete", f.outsider, "DELETE", orgPath, nil, 404, nil},
		{"maintainer deletes", f.maintainer, "DELETE", orgPath, nil, 204, nil},
		{"gone", f.maintainer, "GET", orgPath, nil, 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, rsAs(t, tc.b).do(tc.method, tc.path, tc.body), tc.status, tc.frags...)
		})
	}
	got := rsDecode(t, f.outsider.do("GET", rsPath("projects", personal.ID), nil))
	if got.Name != "Mine" {
		t.Fatalf("personal project changed: %+v", got)
	}
}

func TestTasksCRUDAndJobs(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)
	orgProject := rsCreate(t, f.in(f.supervisor), "/api/projects", map[string]any{"name": "P"})
	otherProject := rsCreate(t, f.in(f.maintainer), "/api/projects", map[string]any{"name": "Q"})
	personalProject := rsCreate(t, f.supervisor, "/api/projects", map[string]any{"name": "Mine"})

	// A task in a project goes to the project's workspace, with its jobs.
	task := rsCreate(t, f.supervisor, "/api/tasks", map[string]any{"name": "T", "project_id": orgProject.ID, "segment_count": 3})
	if task.Organization == nil || *task.Organization != f.orgID || task.ProjectID == nil || *task.ProjectID != orgProject.ID || task.Jobs.Count != 3 {
		t.Fatalf("task = %+v", task)
	}
	alone := rsCreate(t, f.in(f.supervisor), "/api/tasks", map[string]any{"name": "Alone", "job_count": 0})
	if alone.Jobs.Count != 0 || alone.ProjectID != nil {
		t.Fatalf("task without jobs = %+v", alone)
	}
	taskPath, alonePath := rsPath("tasks", task.ID), rsPath("tasks", alone.ID)
	tests := []struct {
		name   string
		b      *browser
		method string
		path   string
		body   any
		status int
		frags  []string
	}{
		{"default one job", f.supervisor, "POST", "/api/tasks", map[string]any{"name": "D"}, 201, []string{`"jobs":{"count":1`}},
		{"too many jobs", f.supervisor, "POST", "/api/tasks", map[string]any{"name": "D", "job_count": 501}, 400, []string{`"job_count"`}},
		{"counts disagree", f.supervisor, "POST", "/api/tasks", map[string]any{"name": "D", "job_count": 2, "segment_count": 3}, 400, []string{`"job_count"`}},
		{"unknown project", f.supervisor, "POST", "/api/tasks", map[string]any{"name": "D", "project_id": 999999}, 400, []string{`"project_id"`}},
		{"project in another workspace than the selected", f.supervisor, "POST", "/api/tasks?org=", map[string]any{"name": "D", "project_id": orgProject.ID}, 400, []string{`another workspace`}},
		{"worker cannot add to others' project", f.worker, "POST", "/api/tasks", map[string]any{"name": "D", "project_id": orgProject.ID}, 403, nil},
		{"worker cannot create in org", f.in(f.worker), "POST", "/api/tasks", map[string]any{"name": "D"}, 403, nil},
		{"worker does not see the task", f.worker, "GET", taskPath, nil, 404, nil},
		{"project owner sees it", f.supervisor, "GET", taskPath, nil, 200, []string{`"jobs":{"count":3`}},
		{"project to another workspace refused", f.supervisor, "PATCH", taskPath, map[string]any{"project_id": personalProject.ID}, 400, []string{`another workspace`}},
		{"supervisor moves it to another project", f.supervisor, "PATCH", taskPath, map[string]any{"project_id": otherProject.ID}, 200, []string{fmt.Sprintf(`"project_id":%d`, otherProject.ID)}},
		{"hand the lone task to the worker", f.maintainer, "PATCH", alonePath, map[string]any{"owner_id": f.wkID}, 200, nil},
		{"worker owner cannot put it into others' project", f.worker, "PATCH", alonePath, map[string]any{"project_id": otherProject.ID}, 403, []string{`add tasks to this project`}},
		{"worker owner renames it", f.worker, "PATCH", alonePath, map[string]any{"name": "Renamed"}, 200, nil},
		{"assign the worker", f.maintainer, "PATCH", taskPath, map[string]any{"assignee_id": f.wkID, "subset": "train"}, 200, []string{`"subset":"train"`}},
		{"assignee sees it", f.worker, "GET", taskPath, nil, 200, nil},
		{"assignee cannot reorganize", f.worker, "PATCH", taskPath, map[string]any{"project_id": nil}, 403, []string{`not reorganize`}},
		{"assignee cannot delete", f.worker, "DELETE", taskPath, nil, 403, nil},
		{"maintainer deletes", f.maintainer, "DELETE", taskPath, nil, 204, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, rsAs(t, tc.b).do(tc.method, tc.path, tc.body), tc.status, tc.frags...)
		})
	}
	var n int64
	env.db.Model(&models.Job{}).Where("task_id = ?", task.ID).Count(&n)
	if n != 0 {
		t.Fatalf("%d jobs survived their task", n)
	}
}

func TestJobStagesStatesAndVisibility(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)
	task := rsCreate(t, f.in(f.supervisor), "/api/tasks", map[string]any{"name": "T", "job_count": 2})
	jobs := rsIDs(t, f.supervisor, fmt.Sprintf("/api/jobs?task_id=%d", task.ID))
	if len(jobs) != 2 {
		t.Fatalf("jobs of the task: %v", jobs)
	}
	mine, other := rsPath("jobs", jobs[0]), rsPath("jobs", jobs[1])
	gt := rsCreate(t, f.supervisor, "/api/jobs", map[string]any{"task_id": task.ID, "type": "ground_truth"})
	if gt.Type != "ground_truth" || gt.Stage != "annotation" || gt.State != "new" || gt.Organization == nil || *gt.Organization != f.orgID {
		t.Fatalf("ground truth job = %+v", gt)
	}

	steps := []struct {
		name   string
		b      *browser
		method string
		path   string
		body   any
		status int
		frags  []string
	}{
		{"job create needs the task", f.supervisor, "POST", "/api/jobs", map[string]any{"type": "annotation"}, 400, []string{`"task_id"`}},
		{"bad type", f.supervisor, "POST", "/api/jobs", map[string]any{"task_id": task.ID, "type": "review"}, 400, []string{`"type"`}},
		{"worker cannot add jobs", f.worker, "POST", "/api/jobs", map[string]any{"task_id": task.ID}, 403, nil},
		{"job in another workspace than the selected", f.supervisor, "POST", "/api/jobs?org=", map[string]any{"task_id": task.ID}, 400, nil},
		{"worker does not see an unassigned job", f.worker, "GET", mine, nil, 404, nil},
		{"assign the worker", f.supervisor, "PATCH", mine, map[string]any{"assignee": f.wkID}, 200, []string{`"assignee":{`}},
		{"assignee sees it", f.worker, "GET", mine, nil, 200, []string{`"allowed_actions":["view","update:state"]`}},
		{"assignee sets the state", f.worker, "PATCH", mine, map[string]any{"state": "in progress"}, 200, []string{`"state":"in progress"`}},
		{"assignee cannot change the stage", f.worker, "PATCH", mine, map[string]any{"stage": "validation"}, 403, []string{`not its stage or assignee`}},
		{"assignee cannot reassign", f.worker, "PATCH", mine, map[string]any{"assignee": nil}, 403, nil},
		{"stage change resets the state", f.supervisor, "PATCH", mine, map[string]any{"stage": "validation"}, 200, []string{`"stage":"validation"`, `"state":"new"`, `"status":"validation"`}},
		{"stage and state together", f.supervisor, "PATCH", mine, map[string]any{"stage": "acceptance", "state": "completed"}, 200, []string{`"state":"completed"`, `"status":"completed"`}},
		{"bad stage", f.supervisor, "PATCH", mine, map[string]any{"stage": "done"}, 400, []string{`"stage"`}},
		{"bad state", f.supervisor, "PATCH", mine, map[string]any{"state": "done"}, 400, []string{`"state"`}},
		{"type is not writable", f.supervisor, "PATCH", mine, map[string]any{"type": "ground_truth"}, 400, []string{`"type"`}},
		{"worker does not see the other job", f.worker, "GET", other, nil, 404, nil},
		{"worker cannot delete", f.worker, "DELETE", mine, nil, 403, nil},
		{"supervisor (task owner) deletes", f.supervisor, "DELETE", other, nil, 204, nil},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, rsAs(t, tc.b).do(tc.method, tc.path, tc.body), tc.status, tc.frags...)
		})
	}

	// Lists: a worker sees only the jobs assigned to them; supervisors see
	// those of the tasks they run, maintainers all of the organization's.
	jobList := "/api/jobs"
	maintTask := rsCreate(t, f.in(f.maintainer), "/api/tasks", map[string]any{"name": "M", "job_count": 1})
	maintJobs := rsIDs(t, f.maintainer, fmt.Sprintf("/api/jobs?task_id=%d", maintTask.ID))
	all := sortedIDs(append([]uint64{jobs[0], gt.ID}, maintJobs...)...)
	lists := []struct {
		name string
		b    *browser
		path string
		want []uint64
	}{
		{"worker in org", f.in(f.worker), jobList, []uint64{jobs[0]}},
		{"worker without org", f.worker, jobList, []uint64{jobs[0]}},
		{"worker personal", f.worker, jobList + "?org=", nil},
		{"supervisor in org", f.in(f.supervisor), jobList, sortedIDs(jobs[0], gt.ID)},
		{"maintainer in org", f.in(f.maintainer), jobList, all},
		{"owner in org", f.in(f.owner), jobList, all},
		{"owner without org sees only theirs", f.owner, jobList, nil},
		{"filter by stage", f.in(f.owner), jobList + "?stage=acceptance", []uint64{jobs[0]}},
		{"search by task name", f.in(f.owner), jobList + "?search=m", maintJobs},
	}
	for _, tc := range lists {
		t.Run("list/"+tc.name, func(t *testing.T) {
			if got := rsIDs(t, rsAs(t, tc.b), tc.path); !slices.Equal(got, tc.want) {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
		})
	}
	expect(t, f.in(f.outsider).do("GET", jobList, nil), 403)
	expect(t, f.in(f.owner).do("GET", jobList+"?task_id=x", nil), 400, `"task_id"`)
	expect(t, f.in(f.owner).do("GET", jobList+"?sort=color", nil), 400, `"sort"`)
}

func TestListWorkspaces(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)
	orgOwn := rsCreate(t, f.in(f.supervisor), "/api/projects", map[string]any{"name": "org-sup"})
	orgOther := rsCreate(t, f.in(f.maintainer), "/api/projects", map[string]any{"name": "org-maint"})
	orgAssigned := rsCreate(t, f.in(f.maintainer), "/api/projects", map[string]any{"name": "org-assigned", "assignee_id": f.wkID})
	mine := rsCreate(t, f.supervisor, "/api/projects", map[string]any{"name": "personal-sup"})
	theirs := rsCreate(t, f.outsider, "/api/projects", map[string]any{"name": "personal-outsider"})
	env.makeAdmin(strings.TrimSuffix(f.emails["outsider"], "@example.com"))
	env.clock.Advance(2 * time.Second) // the auth cache forgets the old role

	tests := []struct {
		name string
		b    *browser
		path string
		want []uint64
	}{
		{"supervisor, no org: own everywhere", f.supervisor, "/api/projects", sortedIDs(orgOwn.ID, mine.ID)},
		{"supervisor, personal", f.supervisor, "/api/projects?org=", []uint64{mine.ID}},
		{"supervisor, org: own", f.in(f.supervisor), "/api/projects", []uint64{orgOwn.ID}},
		{"maintainer, org: all", f.in(f.maintainer), "/api/projects", sortedIDs(orgOwn.ID, orgOther.ID, orgAssigned.ID)},
		{"maintainer by org_id", f.maintainer, fmt.Sprintf("/api/projects?org_id=%d", f.orgID), sortedIDs(orgOwn.ID, orgOther.ID, orgAssigned.ID)},
		{"worker, org: assigned", f.in(f.worker), "/api/projects", []uint64{orgAssigned.ID}},
		{"admin, no org: everything", f.outsider, "/api/projects", sortedIDs(orgOwn.ID, orgOther.ID, orgAssigned.ID, mine.ID, theirs.ID)},
		{"admin, personal: all personal", f.outsider, "/api/projects?org=", sortedIDs(mine.ID, theirs.ID)},
		{"admin, org without membership", f.in(f.outsider), "/api/projects", sortedIDs(orgOwn.ID, orgOther.ID, orgAssigned.ID)},
		{"name filter", f.in(f.maintainer), "/api/projects?name=org-maint", []uint64{orgOther.ID}},
		{"search", f.in(f.maintainer), "/api/projects?search=ASSIGN", []uint64{orgAssigned.ID}},
		{"owner filter", f.in(f.maintainer), "/api/projects?owner=" + strings.TrimSuffix(f.emails["supervisor"], "@example.com"), []uint64{orgOwn.ID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rsIDs(t, rsAs(t, tc.b), tc.path); !slices.Equal(got, tc.want) {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
		})
	}
	r := f.in(f.maintainer).do("GET", "/api/projects?page_size=2&sort=name", nil)
	expect(t, r, 200, `"count":3`, `"next":"`, `"name":"org-assigned"`, `"allowed_actions":[`)
}

func TestCloudStoragesCRUD(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)
	cs := rsCreate(t, f.in(f.maintainer), "/api/cloudstorages", map[string]any{"display_name": "Bucket", "provider_type": "AWS_S3_BUCKET", "resource": "data"})
	path := rsPath("cloudstorages", cs.ID)
	tests := []struct {
		name   string
		b      *browser
		method string
		path   string
		body   any
		status int
		frags  []string
	}{
		{"required fields", f.outsider, "POST", "/api/cloudstorages", map[string]any{"display_name": "x"}, 400, []string{`"provider_type"`, `"resource"`}},
		{"bad provider", f.outsider, "POST", "/api/cloudstorages", map[string]any{"display_name": "x", "provider_type": "FTP", "resource": "r"}, 400, []string{`"provider_type"`}},
		{"no secrets stored", f.outsider, "POST", "/api/cloudstorages", map[string]any{"display_name": "x", "provider_type": "AWS_S3_BUCKET", "resource": "r", "secret_key": "s"}, 400, []string{`"secret_key"`}},
		{"personal", f.outsider, "POST", "/api/cloudstorages", map[string]any{"display_name": "x", "provider_type": "GOOGLE_DRIVE", "resource": "r", "credentials_type": "KEY_FILE_PATH"}, 201, []string{`"organization":null`, `"credentials_type":"KEY_FILE_PATH"`}},
		{"supervisor cannot create in org", f.in(f.supervisor), "POST", "/api/cloudstorages", map[string]any{"display_name": "x", "provider_type": "GOOGLE_DRIVE", "resource": "r"}, 403, nil},
		{"supervisor sees org storages", f.supervisor, "GET", path, nil, 200, []string{`"credentials_type":"ANONYMOUS_ACCESS"`, `"allowed_actions":["view"]`}},
		{"worker does not", f.worker, "GET", path, nil, 404, nil},
		{"supervisor cannot update", f.supervisor, "PATCH", path, map[string]any{"display_name": "y"}, 403, nil},
		{"maintainer updates", f.maintainer, "PATCH", path, map[string]any{"display_name": "Renamed", "description": "d"}, 200, []string{`"display_name":"Renamed"`}},
		{"blank name refused", f.maintainer, "PATCH", path, map[string]any{"display_name": " "}, 400, nil},
		{"owner of org deletes", f.owner, "DELETE", path, nil, 204, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, rsAs(t, tc.b).do(tc.method, tc.path, tc.body), tc.status, tc.frags...)
		})
	}
}

// rsTransferWorld is a supervisor who runs a project in an organization,
// with a task, jobs and linked cloud storages, and a second organization
// the supervisor may create in.
type rsTransferWorld struct {
	f             *rsFixture
	dest          *orgFixture
	project, task rsObject
	jobs          []uint64
	source        rsObject // the organization's storage linked to the project
	match         rsObject // a storage of the destination like source
}

func newTransferWorld(t *testing.T, env *accountsEnv) *rsTransferWorld {
	t.Helper()
	f := newRSFixture(t, env)
	w := &rsTransferWorld{f: f, dest: newOrgFixture(t, env)}
	// The first organization's supervisor is a supervisor of the destination too.
	w.dest.addMember(t, f.supervisor, f.emails["supervisor"], "supervisor")
	w.source = rsCreate(t, f.in(f.maintainer), "/api/cloudstorages", map[string]any{"display_name": "S", "provider_type": "AWS_S3_BUCKET", "resource": "data"})
	w.match = rsCreate(t, inOrg(w.dest.owner, w.dest.slug), "/api/cloudstorages", map[string]any{"display_name": "M", "provider_type": "AWS_S3_BUCKET", "resource": "data"})
	rsCreate(t, inOrg(w.dest.owner, w.dest.slug), "/api/cloudstorages", map[string]any{"display_name": "N", "provider_type": "AZURE_CONTAINER", "resource": "data"})
	link := map[string]any{"location": "cloud_storage", "cloud_storage_id": w.source.ID}
	// The project and task are the supervisor's; a maintainer links the storages.
	w.project = rsCreate(t, f.in(f.supervisor), "/api/projects", map[string]any{"name": "Moving"})
	expect(t, f.maintainer.do("PATCH", rsPath("projects", w.project.ID), map[string]any{"source_storage": link}), 200)
	w.task = rsCreate(t, f.supervisor, "/api/tasks", map[string]any{"name": "T", "project_id": w.project.ID, "job_count": 2})
	expect(t, f.maintainer.do("PATCH", rsPath("tasks", w.task.ID), map[string]any{"target_storage": link}), 200)
	w.jobs = rsIDs(t, f.supervisor, fmt.Sprintf("/api/jobs?task_id=%d", w.task.ID))
	return w
}

// rows reads the moved objects straight from the database.
func (w *rsTransferWorld) rows(t *testing.T, db *models.DB) (models.Project, models.Task, []models.Job) {
	t.Helper()
	var p models.Project
	var tk models.Task
	var js []models.Job
	if err := db.First(&p, w.project.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.First(&tk, w.task.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Where("task_id = ?", w.task.ID).Order("id").Find(&js).Error; err != nil {
		t.Fatal(err)
	}
	return p, tk, js
}

func TestTransfer(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		env := newAccountsEnv(t, envOptions{db: db})
		destID := func(w *rsTransferWorld) uint64 { return uint64(w.dest.id) }

		t.Run("denied transfers change nothing", func(t *testing.T) {
			w := newTransferWorld(t, env)
			f := w.f
			path := rsPath("projects", w.project.ID)
			before, beforeTask, beforeJobs := w.rows(t, db)
			cases := []struct {
				name   string
				b      *browser
				body   map[string]any
				status int
				frag   string
			}{
				{"no handling for linked storages", f.supervisor, map[string]any{"organization_id": destID(w)}, 400, `"cloud_storage_handling"`},
				{"bad handling", f.supervisor, map[string]any{"organization_id": destID(w), "cloud_storage_handling": "keep"}, 400, `"cloud_storage_handling"`},
				{"unknown destination", f.supervisor, map[string]any{"organization_id": 999999, "cloud_storage_handling": "detach"}, 400, `"organization_id"`},
				{"maintainer is not a member of the destination", f.maintainer, map[string]any{"organization_id": destID(w), "cloud_storage_handling": "detach"}, 403, `not a member`},
				{"worker may not move it", f.worker, map[string]any{"organization_id": nil, "cloud_storage_handling": "detach"}, 404, ``},
				{"storages and transfer at once", f.supervisor, map[string]any{"organization_id": destID(w), "cloud_storage_handling": "detach", "source_storage": nil}, 400, `"organization_id"`},
				{"the task alone while in its project", f.supervisor, map[string]any{"organization_id": destID(w), "cloud_storage_handling": "detach"}, 400, `"project_id"`},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					target := path
					if strings.HasPrefix(tc.name, "the task") {
						target = rsPath("tasks", w.task.ID)
					}
					expect(t, rsAs(t, tc.b).do("PATCH", target, tc.body), tc.status, tc.frag)
				})
			}
			after, afterTask, afterJobs := w.rows(t, db)
			if !sameID(after.OrganizationID, before.OrganizationID) || !sameID(after.SourceStorageID, before.SourceStorageID) ||
				after.UpdatedAt != before.UpdatedAt || !sameID(afterTask.OrganizationID, beforeTask.OrganizationID) ||
				!sameID(afterTask.TargetStorageID, beforeTask.TargetStorageID) || len(afterJobs) != len(beforeJobs) {
				t.Fatalf("a denied transfer changed rows:\n%+v\n%+v", after, afterTask)
			}
			for i := range afterJobs {
				if !sameID(afterJobs[i].OrganizationID, beforeJobs[i].OrganizationID) {
					t.Fatalf("a denied transfer moved job %d", afterJobs[i].ID)
				}
			}
		})

		t.Run("project with tasks and jobs, auto_match", func(t *testing.T) {
			w := newTransferWorld(t, env)
			r := w.f.supervisor.do("PATCH", rsPath("projects", w.project.ID), map[string]any{"organization_id": destID(w), "cloud_storage_handling": "auto_match"})
			expect(t, r, 200, fmt.Sprintf(`"organization":%d`, destID(w)))
			p, tk, js := w.rows(t, db)
			if p.SourceStorageID == nil || *p.SourceStorageID != w.match.ID {
				t.Fatalf("project source storage %v, want the match %d", p.SourceStorageID, w.match.ID)
			}
			if tk.OrganizationID == nil || *tk.OrganizationID != destID(w) || tk.TargetStorageID == nil || *tk.TargetStorageID != w.match.ID {
				t.Fatalf("task after the move: %+v", tk)
			}
			for _, j := range js {
				if j.OrganizationID == nil || *j.OrganizationID != destID(w) {
					t.Fatalf("job %d stayed behind", j.ID)
				}
			}
			// The destination's maintainers see it; the source's no longer.
			expect(t, w.dest.maintainer.do("GET", rsPath("jobs", w.jobs[0]), nil), 200)
			expect(t, w.f.maintainer.do("GET", rsPath("tasks", w.task.ID), nil), 404)
		})

		t.Run("auto_match without a match detaches", func(t *testing.T) {
			w := newTransferWorld(t, env)
			// Into the supervisor's personal workspace: no storage there.
			expect(t, w.f.supervisor.do("PATCH", rsPath("projects", w.project.ID), map[string]any{"organization_id": nil, "cloud_storage_handling": "auto_match"}), 200, `"organization":null`, `"source_storage":null`)
			p, tk, js := w.rows(t, db)
			if p.OrganizationID != nil || p.SourceStorageID != nil || tk.OrganizationID != nil || tk.TargetStorageID != nil || js[0].OrganizationID != nil {
				t.Fatalf("after the move: %+v %+v", p, tk)
			}
			expect(t, w.f.supervisor.do("GET", rsPath("jobs", js[1].ID), nil), 200)
		})

		t.Run("task alone with detach", func(t *testing.T) {
			w := newTransferWorld(t, env)
			r := w.f.supervisor.do("PATCH", rsPath("tasks", w.task.ID), map[string]any{"organization_id": destID(w), "project_id": nil, "cloud_storage_handling": "detach", "name": "Moved"})
			expect(t, r, 200, `"project_id":null`, `"target_storage":null`, `"name":"Moved"`)
			p, tk, js := w.rows(t, db)
			if p.OrganizationID == nil || *p.OrganizationID != w.f.orgID || p.SourceStorageID == nil {
				t.Fatalf("the project moved with its task: %+v", p)
			}
			if tk.ProjectID != nil || tk.OrganizationID == nil || *tk.OrganizationID != destID(w) || js[1].OrganizationID == nil || *js[1].OrganizationID != destID(w) {
				t.Fatalf("task after the move: %+v", tk)
			}
		})
	})
}

func TestOrganizationDeleteTakesItsResources(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newRSFixture(t, env)
	project := rsCreate(t, f.in(f.owner), "/api/projects", map[string]any{"name": "P"})
	rsCreate(t, f.owner, "/api/tasks", map[string]any{"name": "T", "project_id": project.ID, "job_count": 2})
	rsCreate(t, f.in(f.owner), "/api/cloudstorages", map[string]any{"display_name": "S", "provider_type": "AWS_S3_BUCKET", "resource": "r"})
	kept := rsCreate(t, f.owner, "/api/tasks", map[string]any{"name": "Personal"})
	expect(t, f.owner.do("DELETE", fmt.Sprintf("/api/organizations/%d", f.id), nil), 204)
	for _, table := range []string{"jobs", "tasks", "projects", "cloud_storages"} {
		var n int64
		env.db.Table(table).Where("organization_id = ?", f.id).Count(&n)
		if n != 0 {
			t.Errorf("%d %s survived their organization", n, table)
		}
	}
	expect(t, f.owner.do("GET", rsPath("tasks", kept.ID), nil), 200)
}

// TestOptionalField pins the PATCH decoding the handlers rely on.
func TestOptionalField(t *testing.T) {
	tests := []struct {
		body          string
		set, null     bool
		value         uint64
		wantErrSubstr string
	}{
		{`{}`, false, false, 0, ""},
		{`{"id": null}`, true, true, 0, ""},
		{`{"id": 7}`, true, false, 7, ""},
		{`{"id": "x"}`, true, false, 0, "cannot unmarshal"},
	}
	for _, tc := range tests {
		var v struct {
			ID optional[uint64] `json:"id"`
		}
		err := json.Unmarshal([]byte(tc.body), &v)
		if tc.wantErrSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%s: err %v", tc.body, err)
			}
			continue
		}
		if err != nil || v.ID.Set != tc.set || v.ID.Null != tc.null || v.ID.Value != tc.value {
			t.Errorf("%s: %+v, %v", tc.body, v.ID, err)
		}
	}
}
