package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// resWorld is a user, an organization and helpers to make resources.
type resWorld struct {
	t     *testing.T
	db    *models.DB
	ctx   context.Context
	users []uint64
	org   uint64
	other uint64 // a second organization
}

func newResWorld(t *testing.T, db *models.DB) *resWorld {
	t.Helper()
	w := &resWorld{t: t, db: db, ctx: context.Background()}
	for i := range 3 {
		u := newUser(fmt.Sprintf("res%d", i), fmt.Sprintf("res%d@example.com", i))
		if err := db.CreateUser(w.ctx, u); err != nil {
			t.Fatal(err)
		}
		w.users = append(w.users, u.ID)
	}
	for i, id := range []*uint64{&w.org, &w.other} {
		o := &models.Organization{Slug: fmt.Sprintf("resorg%d", i)}
		if err := db.CreateOrganization(w.ctx, o, w.users[0], acctT0); err != nil {
			t.Fatal(err)
		}
		*id = o.ID
	}
	return w
}

func (w *resWorld) storage(org *uint64, provider, resource string) *models.CloudStorage {
	w.t.Helper()
	cs := &models.CloudStorage{DisplayName: resource, ProviderType: provider, Resource: resource, CredentialsType: "ANONYMOUS_ACCESS",
		OwnerID: &w.users[0], OrganizationID: org}
	if err := w.db.CreateCloudStorage(w.ctx, cs, acctT0); err != nil {
		w.t.Fatal(err)
	}
	return cs
}

func (w *resWorld) project(org *uint64, source, target *uint64) *models.Project {
	w.t.Helper()
	p := &models.Project{Name: "p", OwnerID: &w.users[0], OrganizationID: org, SourceStorageID: source, TargetStorageID: target}
	if err := w.db.CreateProject(w.ctx, p, acctT0); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *resWorld) task(org, project *uint64, jobs int) (*models.Task, []models.Job) {
	w.t.Helper()
	t := &models.Task{Name: "t", OwnerID: &w.users[0], OrganizationID: org, ProjectID: project}
	js, err := w.db.CreateTask(w.ctx, t, jobs, acctT0)
	if err != nil {
		w.t.Fatal(err)
	}
	return t, js
}

func (w *resWorld) count(table, where string, args ...any) int64 {
	w.t.Helper()
	var n int64
	if err := w.db.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

func TestCreateTaskWithJobsInProjectWorkspace(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		p := w.project(&w.org, nil, nil)
		task, jobs := w.task(&w.org, &p.ID, 3)
		if len(jobs) != 3 || jobs[0].OrganizationID == nil || *jobs[0].OrganizationID != w.org || jobs[2].State != models.StateNew {
			t.Fatalf("jobs = %+v", jobs)
		}
		// A task whose workspace disagrees with its project's is refused.
		bad := &models.Task{Name: "x", ProjectID: &p.ID}
		if _, err := db.CreateTask(w.ctx, bad, 1, acctT0); !errors.Is(err, models.ErrMovedMeanwhile) {
			t.Fatalf("task outside its project's workspace: %v", err)
		}
		// A job takes its task's workspace whatever it is given.
		j := &models.Job{TaskID: task.ID, Stage: models.StageAnnotation, State: models.StateNew, Type: models.JobTypeGroundTruth}
		if err := db.CreateJob(w.ctx, j, acctT0); err != nil || j.OrganizationID == nil || *j.OrganizationID != w.org {
			t.Fatalf("job: %+v %v", j, err)
		}
		if err := db.CreateJob(w.ctx, &models.Job{TaskID: 999999, Stage: "annotation", State: "new", Type: "annotation"}, acctT0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("job of a missing task: %v", err)
		}
		sums, err := db.JobSummaries(w.ctx, []uint64{task.ID})
		if err != nil || sums[task.ID].Count != 4 {
			t.Fatalf("summaries %+v %v", sums, err)
		}
		counts, err := db.TaskCounts(w.ctx, []uint64{p.ID})
		if err != nil || counts[p.ID] != 1 {
			t.Fatalf("task counts %+v %v", counts, err)
		}
	})
}

func TestStorageLinksStayInTheWorkspace(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		orgStorage := w.storage(&w.org, "AWS_S3_BUCKET", "bucket")
		p := &models.Project{Name: "personal", OwnerID: &w.users[0], SourceStorageID: &orgStorage.ID}
		if err := db.CreateProject(w.ctx, p, acctT0); !errors.Is(err, models.ErrWorkspaceMismatch) {
			t.Fatalf("personal project linked to an organization's storage: %v", err)
		}
		task, _ := w.task(nil, nil, 0)
		err := db.UpdateTask(w.ctx, task.ID, models.Changes{Fields: map[string]any{"target_storage_id": &orgStorage.ID}}, acctT0)
		if !errors.Is(err, models.ErrWorkspaceMismatch) {
			t.Fatalf("update linking another workspace's storage: %v", err)
		}
		orgProject := w.project(&w.org, nil, nil)
		err = db.UpdateTask(w.ctx, task.ID, models.Changes{Fields: map[string]any{"project_id": &orgProject.ID}}, acctT0)
		if !errors.Is(err, models.ErrWorkspaceMismatch) {
			t.Fatalf("personal task into an organization's project: %v", err)
		}
	})
}

// usable lets auto_match pick any storage of the destination.
var usable = models.Filter{All: true}

func TestTransferProjectMovesTasksJobsAndStorages(t *testing.T) {
	tests := []struct {
		name     string
		handling string
		// wantSource is the index in dests of the storage the project's
		// source link ends on, -1 for none.
		wantSource, wantTaskTarget int
		wantErr                    error
	}{
		{"no handling refused", "", -1, -1, models.ErrStorageHandling},
		{"detach", models.StorageDetach, -1, -1, nil},
		{"auto_match relinks the match and detaches the rest", models.StorageAutoMatch, 1, -1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			modelstest.Each(t, func(t *testing.T, db *models.DB) {
				w := newResWorld(t, db)
				src := w.storage(&w.org, "AWS_S3_BUCKET", "data")
				other := w.storage(&w.org, "GOOGLE_DRIVE", "unmatched")
				dests := []*models.CloudStorage{
					w.storage(&w.other, "AZURE_CONTAINER", "data"), // other provider: no match
					w.storage(&w.other, "AWS_S3_BUCKET", "data"),   // the match
					w.storage(&w.other, "AWS_S3_BUCKET", "data"),   // a later duplicate
				}
				p := w.project(&w.org, &src.ID, nil)
				task, jobs := w.task(&w.org, &p.ID, 2)
				if err := db.UpdateTask(w.ctx, task.ID, models.Changes{Fields: map[string]any{"target_storage_id": &other.ID}}, acctT0); err != nil {
					t.Fatal(err)
				}
				err := db.UpdateProject(w.ctx, p.ID, models.Changes{Fields: map[string]any{"name": "moved"},
					Transfer: &models.Transfer{From: &w.org, To: &w.other, Storage: tc.handling, Usable: usable}}, acctT0)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("transfer: %v, want %v", err, tc.wantErr)
				}
				got, _ := db.ProjectByID(w.ctx, p.ID)
				gotTask, _ := db.TaskByID(w.ctx, task.ID)
				if tc.wantErr != nil {
					if *got.OrganizationID != w.org || got.Name != "p" || *gotTask.OrganizationID != w.org ||
						w.count("jobs", "organization_id = ?", w.org) != int64(len(jobs)) {
						t.Fatalf("a refused transfer changed rows: %+v %+v", got, gotTask)
					}
					return
				}
				if *got.OrganizationID != w.other || got.Name != "moved" || *gotTask.OrganizationID != w.other {
					t.Fatalf("not moved: %+v %+v", got, gotTask)
				}
				if n := w.count("jobs", "task_id = ? AND organization_id = ?", task.ID, w.other); n != int64(len(jobs)) {
					t.Fatalf("%d of %d jobs moved", n, len(jobs))
				}
				wantLink := func(what string, got *uint64, idx int) {
					t.Helper()
					switch {
					case idx < 0 && got != nil:
						t.Errorf("%s linked to %d, want detached", what, *got)
					case idx >= 0 && (got == nil || *got != dests[idx].ID):
						t.Errorf("%s linked to %v, want %d", what, got, dests[idx].ID)
					}
				}
				wantLink("project source", got.SourceStorageID, tc.wantSource)
				wantLink("task target", gotTask.TargetStorageID, tc.wantTaskTarget)
			})
		})
	}
}

func TestTransferChecks(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		match := w.storage(nil, "AWS_S3_BUCKET", "data")
		src := w.storage(&w.org, "AWS_S3_BUCKET", "data")
		p := w.project(&w.org, nil, nil)
		inProject, _ := w.task(&w.org, &p.ID, 1)
		linked := func() uint64 {
			task, _ := w.task(&w.org, nil, 1)
			if err := db.UpdateTask(w.ctx, task.ID, models.Changes{Fields: map[string]any{"source_storage_id": &src.ID}}, acctT0); err != nil {
				t.Fatal(err)
			}
			return task.ID
		}
		hidden, visible := linked(), linked()
		tests := []struct {
			name     string
			task     uint64
			fields   map[string]any
			tr       models.Transfer
			wantErr  error
			wantLink *uint64
		}{
			{"stale source workspace", hidden, nil, models.Transfer{From: &w.other, Storage: models.StorageDetach}, models.ErrMovedMeanwhile, nil},
			{"task still in its project", inProject.ID, nil, models.Transfer{From: &w.org}, models.ErrWorkspaceMismatch, nil},
			{"auto_match among no usable storage detaches", hidden, nil,
				models.Transfer{From: &w.org, Storage: models.StorageAutoMatch, Usable: models.Filter{None: true}}, nil, nil},
			{"auto_match finds the personal match", visible, nil,
				models.Transfer{From: &w.org, Storage: models.StorageAutoMatch, Usable: usable}, nil, &match.ID},
			{"task leaving its project moves", inProject.ID, map[string]any{"project_id": (*uint64)(nil)}, models.Transfer{From: &w.org}, nil, nil},
		}
		for _, tc := range tests {
			tr := tc.tr
			err := db.UpdateTask(w.ctx, tc.task, models.Changes{Fields: tc.fields, Transfer: &tr}, acctT0)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				continue
			}
			got, _ := db.TaskByID(w.ctx, tc.task)
			if got.OrganizationID != nil || got.ProjectID != nil || (got.SourceStorageID == nil) != (tc.wantLink == nil) ||
				(tc.wantLink != nil && *got.SourceStorageID != *tc.wantLink) {
				t.Fatalf("%s: task after the move %+v, want personal, no project, source %v", tc.name, got, tc.wantLink)
			}
			if n := w.count("jobs", "task_id = ? AND organization_id IS NULL", tc.task); n != 1 {
				t.Fatalf("%s: the job did not move with its task", tc.name)
			}
		}
	})
}

func TestDeletesCascade(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		cs := w.storage(&w.org, "AWS_S3_BUCKET", "b")
		p := w.project(&w.org, &cs.ID, nil)
		task, _ := w.task(&w.org, &p.ID, 2)
		if err := db.DeleteCloudStorage(w.ctx, cs.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ProjectByID(w.ctx, p.ID); got.SourceStorageID != nil {
			t.Fatalf("deleted storage still linked: %+v", got)
		}
		if err := db.DeleteProject(w.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if w.count("tasks", "id = ?", task.ID)+w.count("jobs", "task_id = ?", task.ID) != 0 {
			t.Fatal("the tasks and jobs of a deleted project survived")
		}
		if err := db.DeleteProject(w.ctx, p.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		// Deleting an organization deletes everything in it, and nothing else.
		w.storage(&w.org, "AWS_S3_BUCKET", "b")
		op := w.project(&w.org, nil, nil)
		w.task(&w.org, &op.ID, 2)
		w.task(&w.org, nil, 1)
		keep, _ := w.task(&w.other, nil, 1)
		if err := db.DeleteOrganization(w.ctx, w.org, time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"jobs", "tasks", "projects", "cloud_storages"} {
			if n := w.count(table, "organization_id = ?", w.org); n != 0 {
				t.Errorf("%d %s survived their organization", n, table)
			}
		}
		if w.count("jobs", "task_id = ?", keep.ID) != 1 {
			t.Error("another organization's jobs went too")
		}
	})
}

// TestPolicyColumnsAreValidSQL runs every filter column of every resource
// on both databases, so a typo in a subquery cannot hide until a policy
// uses the field.
func TestPolicyColumnsAreValidSQL(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		p := &models.Project{Name: "p", OwnerID: &w.users[1], AssigneeID: &w.users[2], OrganizationID: &w.org}
		if err := db.CreateProject(w.ctx, p, acctT0); err != nil {
			t.Fatal(err)
		}
		task := &models.Task{Name: "t", OwnerID: &w.users[0], ProjectID: &p.ID, OrganizationID: &w.org}
		if _, err := db.CreateTask(w.ctx, task, 1, acctT0); err != nil {
			t.Fatal(err)
		}
		tables := []struct {
			model   any
			columns map[string]string
		}{
			{&models.Project{}, models.ProjectColumns},
			{&models.Task{}, models.TaskColumns},
			{&models.Job{}, models.JobColumns},
			{&models.CloudStorage{}, models.CloudStorageColumns},
		}
		for _, tb := range tables {
			for _, field := range slices.Sorted(func(yield func(string) bool) {
				for k := range tb.columns {
					if !yield(k) {
						return
					}
				}
			}) {
				f := models.Filter{Any: [][]models.Cond{{{Field: field, Value: w.users[1]}}}}
				q, err := f.Apply(db.WithContext(w.ctx).Model(tb.model), tb.columns)
				if err != nil {
					t.Fatalf("%T %s: %v", tb.model, field, err)
				}
				var n int64
				if err := q.Count(&n).Error; err != nil {
					t.Fatalf("%T %s: %v", tb.model, field, err)
				}
			}
		}
		// member_id: users[0] owns (is a member of) the organization, users[1] is not a member.
		for _, tc := range []struct {
			user uint64
			want int64
		}{{w.users[0], 1}, {w.users[1], 0}} {
			f := models.Filter{Any: [][]models.Cond{{{Field: "member_id", Value: tc.user}}}}
			q, _ := f.Apply(db.WithContext(w.ctx).Model(&models.Project{}), models.ProjectColumns)
			var n int64
			if err := q.Count(&n).Error; err != nil || n != tc.want {
				t.Fatalf("projects of organizations where user %d is a member: %d, %v; want %d", tc.user, n, err, tc.want)
			}
		}
		// The project's owner is users[1]: the subquery fields find its task and job.
		for _, tc := range []struct {
			model   any
			columns map[string]string
		}{{&models.Task{}, models.TaskColumns}, {&models.Job{}, models.JobColumns}} {
			f := models.Filter{Any: [][]models.Cond{{{Field: "project.owner_id", Value: w.users[1]}}}}
			q, _ := f.Apply(db.WithContext(w.ctx).Model(tc.model), tc.columns)
			var n int64
			if err := q.Count(&n).Error; err != nil || n != 1 {
				t.Fatalf("%T by project owner: %d rows, %v", tc.model, n, err)
			}
		}
	})
}

// TestTransferSerializesWithNewTasks creates tasks and jobs in a project
// while it moves: every task and job must end in the project's workspace.
func TestTransferSerializesWithNewTasks(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		p := w.project(&w.org, nil, nil)
		first, _ := w.task(&w.org, &p.ID, 1)
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 6 {
					errs <- db.UpdateProject(w.ctx, p.ID, models.Changes{Transfer: &models.Transfer{From: &w.org, To: &w.other}}, acctT0)
					return
				}
				// A task created against the workspace read before the move
				// is refused rather than left behind.
				task := &models.Task{Name: "racer", OwnerID: &w.users[0], OrganizationID: &w.org, ProjectID: &p.ID}
				if _, err := db.CreateTask(w.ctx, task, 1, acctT0); err != nil && !errors.Is(err, models.ErrMovedMeanwhile) {
					errs <- err
				}
				if err := db.CreateJob(w.ctx, &models.Job{TaskID: first.ID, Stage: "annotation", State: "new", Type: "annotation"}, acctT0); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := w.count("tasks", "project_id = ? AND organization_id <> ?", p.ID, w.other); n != 0 {
			t.Fatalf("%d tasks stayed behind their project", n)
		}
		if n := w.count("jobs", "task_id IN (SELECT id FROM tasks WHERE project_id = ?) AND organization_id <> ?", p.ID, w.other); n != 0 {
			t.Fatalf("%d jobs stayed behind their project", n)
		}
	})
}
