package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Job stages, states and types (SPEC §2).
const (
	StageAnnotation = "annotation"
	StageValidation = "validation"
	StageAcceptance = "acceptance"

	StateNew        = "new"
	StateInProgress = "in progress"
	StateCompleted  = "completed"
	StateRejected   = "rejected"

	JobTypeAnnotation  = "annotation"
	JobTypeGroundTruth = "ground_truth"
)

// JobStages, JobStates and JobTypes list the valid values, in order.
var (
	JobStages = []string{StageAnnotation, StageValidation, StageAcceptance}
	JobStates = []string{StateNew, StateInProgress, StateCompleted, StateRejected}
	JobTypes  = []string{JobTypeAnnotation, JobTypeGroundTruth}
)

// Cloud storage providers and credential kinds, as CVAT names them.
var (
	CloudProviders   = []string{"AWS_S3_BUCKET", "AZURE_CONTAINER", "GOOGLE_DRIVE", "GOOGLE_CLOUD_STORAGE"}
	CloudCredentials = []string{"KEY_SECRET_KEY_PAIR", "ACCOUNT_NAME_TOKEN_PAIR", "KEY_FILE_PATH", "ANONYMOUS_ACCESS", "CONNECTION_STRING"}
)

// Project groups tasks (table projects). OrganizationID nil is the owner's
// personal workspace.
type Project struct {
	ID              uint64 `gorm:"primaryKey"`
	Name            string
	OwnerID         *uint64
	AssigneeID      *uint64
	OrganizationID  *uint64
	BugTracker      string
	SourceStorageID *uint64
	TargetStorageID *uint64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Task is a unit of work, optionally in a project, split into jobs (table
// tasks). A task in a project is in the project's workspace.
type Task struct {
	ID              uint64 `gorm:"primaryKey"`
	Name            string
	ProjectID       *uint64
	OwnerID         *uint64
	AssigneeID      *uint64
	OrganizationID  *uint64
	BugTracker      string
	Subset          string
	SourceStorageID *uint64
	TargetStorageID *uint64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Job is the piece of a task a person is assigned to (table jobs). Its
// OrganizationID is always its task's.
type Job struct {
	ID             uint64 `gorm:"primaryKey"`
	TaskID         uint64
	OrganizationID *uint64
	AssigneeID     *uint64
	Stage          string
	State          string
	Type           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// CloudStorage describes a bucket (table cloud_storages). Gatehouse keeps
// no credentials and never reaches the bucket.
type CloudStorage struct {
	ID                 uint64 `gorm:"primaryKey"`
	DisplayName        string
	ProviderType       string
	Resource           string
	CredentialsType    string
	Description        string
	SpecificAttributes string
	OwnerID            *uint64
	OrganizationID     *uint64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Policy filter fields (policies/*.rego headers) → SQL, for Filter.Apply.
// member_id (the row's organization has that active member) is not used by
// the built-in policies yet; a policy may use it to keep the objects of
// organizations one has left out of lists without an organization.
var (
	ProjectColumns = map[string]string{
		"id":              "projects.id",
		"organization_id": "projects.organization_id",
		"owner_id":        "projects.owner_id",
		"assignee_id":     "projects.assignee_id",
		"member_id":       "projects.organization_id IN (" + activeMemberOrgs + ")",
	}
	TaskColumns = map[string]string{
		"id":                  "tasks.id",
		"organization_id":     "tasks.organization_id",
		"owner_id":            "tasks.owner_id",
		"assignee_id":         "tasks.assignee_id",
		"project_id":          "tasks.project_id",
		"project.owner_id":    "tasks.project_id IN (SELECT p.id FROM projects AS p WHERE p.owner_id = ?)",
		"project.assignee_id": "tasks.project_id IN (SELECT p.id FROM projects AS p WHERE p.assignee_id = ?)",
		"member_id":           "tasks.organization_id IN (" + activeMemberOrgs + ")",
	}
	JobColumns = map[string]string{
		"id":                  "jobs.id",
		"organization_id":     "jobs.organization_id",
		"assignee_id":         "jobs.assignee_id",
		"task_id":             "jobs.task_id",
		"task.owner_id":       "jobs.task_id IN (SELECT t.id FROM tasks AS t WHERE t.owner_id = ?)",
		"task.assignee_id":    "jobs.task_id IN (SELECT t.id FROM tasks AS t WHERE t.assignee_id = ?)",
		"project.owner_id":    "jobs.task_id IN (SELECT t.id FROM tasks AS t JOIN projects AS p ON p.id = t.project_id WHERE p.owner_id = ?)",
		"project.assignee_id": "jobs.task_id IN (SELECT t.id FROM tasks AS t JOIN projects AS p ON p.id = t.project_id WHERE p.assignee_id = ?)",
		"member_id":           "jobs.organization_id IN (" + activeMemberOrgs + ")",
	}
	CloudStorageColumns = map[string]string{
		"id":              "cloud_storages.id",
		"organization_id": "cloud_storages.organization_id",
		"owner_id":        "cloud_storages.owner_id",
		"member_id":       "cloud_storages.organization_id IN (" + activeMemberOrgs + ")",
	}
)

// activeMemberOrgs selects the organizations that have the active member ?.
const activeMemberOrgs = "SELECT m.organization_id FROM memberships AS m WHERE m.is_active = TRUE AND m.user_id = ?"

// Errors of the resource store.
var (
	// ErrWorkspaceMismatch: a project, task or cloud storage named by a
	// write is in another workspace than the object written.
	ErrWorkspaceMismatch = errors.New("in another workspace")
	// ErrMovedMeanwhile: the object changed workspace since it was read.
	ErrMovedMeanwhile = errors.New("moved to another workspace meanwhile")
	// ErrStorageHandling: a transfer of an object linked to cloud storages
	// did not say what to do with the links.
	ErrStorageHandling = errors.New("linked cloud storages need a handling")
)

// Cloud storage handling of a transfer (SPEC §3 "transfer").
const (
	StorageDetach    = "detach"
	StorageAutoMatch = "auto_match"
)

// sameWorkspace is the SQL condition "column is in workspace org".
func sameWorkspace(column string, org *uint64) (string, []any) {
	if org == nil {
		return column + " IS NULL", nil
	}
	return column + " = ?", []any{*org}
}

// lockRow locks the rows a transaction reads next on PostgreSQL (a
// transfer, and the creation of a task or job under a parent that may be
// moving, serialize on the parent's row); SQLite transactions hold the
// database's write lock from BEGIN.
func lockRow(tx *gorm.DB) *gorm.DB { return forUpdate(tx, Dialect(tx.Dialector.Name())) }

func equalWorkspace(a, b *uint64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func loadByID[T any](ctx context.Context, db *DB, what string, id uint64) (*T, error) {
	var row T
	err := db.WithContext(ctx).First(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load %s %d: %w", what, id, err)
	}
	return &row, nil
}

func loadByIDs[T any](ctx context.Context, db *DB, what string, ids []uint64, key func(*T) uint64) (map[uint64]*T, error) {
	out := map[uint64]*T{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	for i := range rows {
		out[key(&rows[i])] = &rows[i]
	}
	return out, nil
}

// ProjectByID loads a project.
func (db *DB) ProjectByID(ctx context.Context, id uint64) (*Project, error) {
	return loadByID[Project](ctx, db, "project", id)
}

// ProjectsByID loads the projects named by ids.
func (db *DB) ProjectsByID(ctx context.Context, ids []uint64) (map[uint64]*Project, error) {
	return loadByIDs(ctx, db, "projects", ids, func(p *Project) uint64 { return p.ID })
}

// TaskByID loads a task.
func (db *DB) TaskByID(ctx context.Context, id uint64) (*Task, error) {
	return loadByID[Task](ctx, db, "task", id)
}

// TasksByID loads the tasks named by ids.
func (db *DB) TasksByID(ctx context.Context, ids []uint64) (map[uint64]*Task, error) {
	return loadByIDs(ctx, db, "tasks", ids, func(t *Task) uint64 { return t.ID })
}

// JobByID loads a job.
func (db *DB) JobByID(ctx context.Context, id uint64) (*Job, error) {
	return loadByID[Job](ctx, db, "job", id)
}

// CloudStorageByID loads a cloud storage.
func (db *DB) CloudStorageByID(ctx context.Context, id uint64) (*CloudStorage, error) {
	return loadByID[CloudStorage](ctx, db, "cloud storage", id)
}

// CreateProject inserts p.
func (db *DB) CreateProject(ctx context.Context, p *Project, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return CreateProjectTx(tx, p, now) })
}

// CreateProjectTx inserts p inside tx; its linked storages must be in its
// workspace.
func CreateProjectTx(tx *gorm.DB, p *Project, now time.Time) error {
	p.CreatedAt, p.UpdatedAt = now, now
	if err := checkStoragesTx(tx, p.OrganizationID, p.SourceStorageID, p.TargetStorageID); err != nil {
		return err
	}
	if err := tx.Create(p).Error; err != nil {
		return fmt.Errorf("create project %q: %w", p.Name, err)
	}
	return nil
}

// CreateTask inserts t and jobs annotation jobs in one transaction. A task
// in a project takes the project's workspace; ErrNotFound when the project
// is gone.
func (db *DB) CreateTask(ctx context.Context, t *Task, jobs int, now time.Time) ([]Job, error) {
	var created []Job
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		created, err = CreateTaskTx(tx, t, jobs, now)
		return err
	})
	return created, err
}

// CreateTaskTx is CreateTask inside tx.
func CreateTaskTx(tx *gorm.DB, t *Task, jobs int, now time.Time) ([]Job, error) {
	t.CreatedAt, t.UpdatedAt = now, now
	if t.ProjectID != nil {
		var p Project
		if err := lockRow(tx).First(&p, *t.ProjectID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, ErrNotFound
			}
			return nil, fmt.Errorf("load project %d: %w", *t.ProjectID, err)
		}
		if !equalWorkspace(p.OrganizationID, t.OrganizationID) {
			return nil, ErrMovedMeanwhile
		}
	}
	if err := checkStoragesTx(tx, t.OrganizationID, t.SourceStorageID, t.TargetStorageID); err != nil {
		return nil, err
	}
	if err := tx.Create(t).Error; err != nil {
		return nil, fmt.Errorf("create task %q: %w", t.Name, err)
	}
	if jobs == 0 {
		return nil, nil
	}
	out := make([]Job, jobs)
	for i := range out {
		out[i] = Job{TaskID: t.ID, OrganizationID: t.OrganizationID, Stage: StageAnnotation, State: StateNew,
			Type: JobTypeAnnotation, CreatedAt: now, UpdatedAt: now}
	}
	if err := tx.CreateInBatches(&out, 100).Error; err != nil {
		return nil, fmt.Errorf("create the jobs of task %d: %w", t.ID, err)
	}
	return out, nil
}

// CreateJob inserts j into its task, in the task's workspace; ErrNotFound
// when the task is gone.
func (db *DB) CreateJob(ctx context.Context, j *Job, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t Task
		if err := lockRow(tx).First(&t, j.TaskID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return fmt.Errorf("load task %d: %w", j.TaskID, err)
		}
		j.OrganizationID = t.OrganizationID
		j.CreatedAt, j.UpdatedAt = now, now
		if err := tx.Create(j).Error; err != nil {
			return fmt.Errorf("create a job in task %d: %w", j.TaskID, err)
		}
		return nil
	})
}

// CreateCloudStorage inserts cs.
func (db *DB) CreateCloudStorage(ctx context.Context, cs *CloudStorage, now time.Time) error {
	cs.CreatedAt, cs.UpdatedAt = now, now
	if err := db.WithContext(ctx).Create(cs).Error; err != nil {
		return fmt.Errorf("create cloud storage %q: %w", cs.DisplayName, err)
	}
	return nil
}

// checkStoragesTx fails with ErrWorkspaceMismatch unless every non-nil
// storage id names a storage of workspace org.
func checkStoragesTx(tx *gorm.DB, org *uint64, ids ...*uint64) error {
	var want []uint64
	for _, id := range ids {
		if id != nil {
			want = append(want, *id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	cond, args := sameWorkspace("organization_id", org)
	var n int64
	if err := tx.Model(&CloudStorage{}).Where("id IN ?", want).Where(cond, args...).Count(&n).Error; err != nil {
		return fmt.Errorf("check cloud storages: %w", err)
	}
	if int(n) != len(want) {
		return ErrWorkspaceMismatch
	}
	return nil
}

// Transfer moves a project (with its tasks and jobs) or a task (with its
// jobs) to another workspace.
type Transfer struct {
	// From is the workspace the caller's permission was checked in; the
	// move fails with ErrMovedMeanwhile if the object is no longer there.
	From *uint64
	// To is the destination organization, nil for the personal workspace.
	To *uint64
	// Storage is "", StorageDetach or StorageAutoMatch. "" fails with
	// ErrStorageHandling when something moved is linked to a cloud storage.
	Storage string
	// Usable narrows the destination's cloud storages auto_match may pick:
	// the caller's list filter there (fields of CloudStorageColumns).
	Usable Filter
}

// Changes are the new values of a project or task update: column → value,
// and an optional transfer, applied in one transaction.
type Changes struct {
	Fields   map[string]any
	Transfer *Transfer
}

// UpdateProject applies ch to project id. A transfer moves the project's
// tasks and jobs with it and relinks or detaches every cloud storage link of
// the project and its tasks.
func (db *DB) UpdateProject(ctx context.Context, id uint64, ch Changes, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Project
		if err := lockRow(tx).First(&p, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return fmt.Errorf("load project %d: %w", id, err)
		}
		fields := withUpdated(ch.Fields, now)
		org := p.OrganizationID
		if ch.Transfer != nil {
			if !equalWorkspace(p.OrganizationID, ch.Transfer.From) {
				return ErrMovedMeanwhile
			}
			var tasks []Task
			if err := tx.Where("project_id = ?", id).Find(&tasks).Error; err != nil {
				return fmt.Errorf("load the tasks of project %d: %w", id, err)
			}
			links := []*uint64{p.SourceStorageID, p.TargetStorageID}
			for _, t := range tasks {
				links = append(links, t.SourceStorageID, t.TargetStorageID)
			}
			relink, err := planRelink(tx, ch.Transfer, links)
			if err != nil {
				return err
			}
			fields["organization_id"] = ch.Transfer.To
			fields["source_storage_id"], fields["target_storage_id"] = relink(p.SourceStorageID), relink(p.TargetStorageID)
			for _, t := range tasks {
				if err := tx.Model(&Task{}).Where("id = ?", t.ID).Updates(map[string]any{
					"organization_id":   ch.Transfer.To,
					"source_storage_id": relink(t.SourceStorageID),
					"target_storage_id": relink(t.TargetStorageID),
					"updated_at":        now,
				}).Error; err != nil {
					return fmt.Errorf("move task %d: %w", t.ID, err)
				}
			}
			if err := tx.Model(&Job{}).Where("task_id IN (SELECT id FROM tasks WHERE project_id = ?)", id).
				Updates(map[string]any{"organization_id": ch.Transfer.To, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("move the jobs of project %d: %w", id, err)
			}
			org = ch.Transfer.To
		}
		if err := checkStoragesTx(tx, org, idField(fields, "source_storage_id"), idField(fields, "target_storage_id")); err != nil {
			return err
		}
		if err := tx.Model(&Project{}).Where("id = ?", id).Updates(fields).Error; err != nil {
			return fmt.Errorf("update project %d: %w", id, err)
		}
		return nil
	})
}

// UpdateTask applies ch to task id. A new project must be in the task's
// workspace; a transfer takes the task's jobs along and must leave the
// task outside any project.
func (db *DB) UpdateTask(ctx context.Context, id uint64, ch Changes, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t Task
		if err := lockRow(tx).First(&t, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return fmt.Errorf("load task %d: %w", id, err)
		}
		fields := withUpdated(ch.Fields, now)
		org := t.OrganizationID
		if ch.Transfer != nil {
			if !equalWorkspace(t.OrganizationID, ch.Transfer.From) {
				return ErrMovedMeanwhile
			}
			if _, leaves := fields["project_id"]; t.ProjectID != nil && (!leaves || idField(fields, "project_id") != nil) {
				return ErrWorkspaceMismatch // a project does not span workspaces
			}
			relink, err := planRelink(tx, ch.Transfer, []*uint64{t.SourceStorageID, t.TargetStorageID})
			if err != nil {
				return err
			}
			fields["organization_id"] = ch.Transfer.To
			fields["source_storage_id"], fields["target_storage_id"] = relink(t.SourceStorageID), relink(t.TargetStorageID)
			if err := tx.Model(&Job{}).Where("task_id = ?", id).
				Updates(map[string]any{"organization_id": ch.Transfer.To, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("move the jobs of task %d: %w", id, err)
			}
			org = ch.Transfer.To
		}
		if pid := idField(fields, "project_id"); pid != nil {
			var n int64
			cond, args := sameWorkspace("organization_id", org)
			if err := tx.Model(&Project{}).Where("id = ?", *pid).Where(cond, args...).Count(&n).Error; err != nil {
				return fmt.Errorf("check project %d: %w", *pid, err)
			}
			if n == 0 {
				return ErrWorkspaceMismatch
			}
		}
		if err := checkStoragesTx(tx, org, idField(fields, "source_storage_id"), idField(fields, "target_storage_id")); err != nil {
			return err
		}
		if err := tx.Model(&Task{}).Where("id = ?", id).Updates(fields).Error; err != nil {
			return fmt.Errorf("update task %d: %w", id, err)
		}
		return nil
	})
}

// UpdateJob sets fields (column → value) of job id.
func (db *DB) UpdateJob(ctx context.Context, id uint64, fields map[string]any, now time.Time) error {
	return updateRow(ctx, db, &Job{}, "job", id, fields, now)
}

// UpdateCloudStorage sets fields (column → value) of cloud storage id.
func (db *DB) UpdateCloudStorage(ctx context.Context, id uint64, fields map[string]any, now time.Time) error {
	return updateRow(ctx, db, &CloudStorage{}, "cloud storage", id, fields, now)
}

func updateRow(ctx context.Context, db *DB, model any, what string, id uint64, fields map[string]any, now time.Time) error {
	res := db.WithContext(ctx).Model(model).Where("id = ?", id).Updates(withUpdated(fields, now))
	if res.Error != nil {
		return fmt.Errorf("update %s %d: %w", what, id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

func withUpdated(fields map[string]any, now time.Time) map[string]any {
	out := make(map[string]any, len(fields)+4)
	for k, v := range fields {
		out[k] = v
	}
	out["updated_at"] = now
	return out
}

// idField reads an optional id column of an update.
func idField(fields map[string]any, column string) *uint64 {
	v, ok := fields[column]
	if !ok {
		return nil
	}
	id, _ := v.(*uint64)
	return id
}

// planRelink decides, inside the transfer's transaction, what each cloud
// storage link of the moved objects becomes: nil when detached or when
// auto_match finds nothing, else the matching storage of the destination
// (same provider and resource, the lowest id among those the caller may use).
func planRelink(tx *gorm.DB, tr *Transfer, links []*uint64) (func(*uint64) *uint64, error) {
	var linked []uint64
	for _, id := range links {
		if id != nil {
			linked = append(linked, *id)
		}
	}
	detach := func(*uint64) *uint64 { return nil }
	if len(linked) == 0 {
		return detach, nil
	}
	switch tr.Storage {
	case StorageDetach:
		return detach, nil
	case StorageAutoMatch:
	default:
		return nil, ErrStorageHandling
	}
	linked = slices.Compact(slices.Sorted(slices.Values(linked)))
	var olds []CloudStorage
	if err := tx.Where("id IN ?", linked).Find(&olds).Error; err != nil {
		return nil, fmt.Errorf("load linked cloud storages: %w", err)
	}
	match := map[uint64]*uint64{}
	for _, old := range olds {
		cond, args := sameWorkspace("cloud_storages.organization_id", tr.To)
		q := tx.Model(&CloudStorage{}).Where(cond, args...).
			Where("cloud_storages.provider_type = ? AND cloud_storages.resource = ?", old.ProviderType, old.Resource)
		q, err := tr.Usable.Apply(q, CloudStorageColumns)
		if err != nil {
			return nil, err
		}
		var found []CloudStorage
		if err := q.Order("cloud_storages.id").Limit(1).Find(&found).Error; err != nil {
			return nil, fmt.Errorf("match cloud storage %d: %w", old.ID, err)
		}
		if len(found) == 1 {
			id := found[0].ID
			match[old.ID] = &id
		}
	}
	return func(id *uint64) *uint64 {
		if id == nil {
			return nil
		}
		return match[*id]
	}, nil
}

// DeleteProject removes a project with its tasks and their jobs.
func (db *DB) DeleteProject(ctx context.Context, id uint64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("task_id IN (SELECT id FROM tasks WHERE project_id = ?)", id).Delete(&Job{}).Error; err != nil {
			return fmt.Errorf("delete the jobs of project %d: %w", id, err)
		}
		if err := tx.Where("project_id = ?", id).Delete(&Task{}).Error; err != nil {
			return fmt.Errorf("delete the tasks of project %d: %w", id, err)
		}
		return deleteRowTx(tx, &Project{}, "project", id)
	})
}

// DeleteTask removes a task with its jobs.
func (db *DB) DeleteTask(ctx context.Context, id uint64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("task_id = ?", id).Delete(&Job{}).Error; err != nil {
			return fmt.Errorf("delete the jobs of task %d: %w", id, err)
		}
		return deleteRowTx(tx, &Task{}, "task", id)
	})
}

// DeleteJob removes a job.
func (db *DB) DeleteJob(ctx context.Context, id uint64) error {
	return deleteRowTx(db.WithContext(ctx), &Job{}, "job", id)
}

// DeleteCloudStorage removes a cloud storage and unlinks the projects and
// tasks that used it.
func (db *DB) DeleteCloudStorage(ctx context.Context, id uint64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, model := range []any{&Project{}, &Task{}} {
			for _, col := range []string{"source_storage_id", "target_storage_id"} {
				if err := tx.Model(model).Where(col+" = ?", id).Update(col, nil).Error; err != nil {
					return fmt.Errorf("unlink cloud storage %d: %w", id, err)
				}
			}
		}
		return deleteRowTx(tx, &CloudStorage{}, "cloud storage", id)
	})
}

func deleteRowTx(tx *gorm.DB, model any, what string, id uint64) error {
	res := tx.Where("id = ?", id).Delete(model)
	if res.Error != nil {
		return fmt.Errorf("delete %s %d: %w", what, id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// JobSummary counts the jobs of a task as CVAT's task "jobs" field does.
type JobSummary struct {
	Count, Completed, Validation int64
}

// JobSummaries counts the jobs of each task in taskIDs.
func (db *DB) JobSummaries(ctx context.Context, taskIDs []uint64) (map[uint64]JobSummary, error) {
	out := map[uint64]JobSummary{}
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TaskID     uint64
		Count      int64
		Completed  int64
		Validation int64
	}
	err := db.WithContext(ctx).Model(&Job{}).
		Select("task_id, COUNT(*) AS count, "+
			"SUM(CASE WHEN stage = ? AND state = ? THEN 1 ELSE 0 END) AS completed, "+
			"SUM(CASE WHEN stage = ? THEN 1 ELSE 0 END) AS validation",
			StageAcceptance, StateCompleted, StageValidation).
		Where("task_id IN ?", taskIDs).Group("task_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	for _, r := range rows {
		out[r.TaskID] = JobSummary{Count: r.Count, Completed: r.Completed, Validation: r.Validation}
	}
	return out, nil
}

// TaskCounts counts the tasks of each project in projectIDs.
func (db *DB) TaskCounts(ctx context.Context, projectIDs []uint64) (map[uint64]int64, error) {
	out := map[uint64]int64{}
	if len(projectIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ProjectID uint64
		Count     int64
	}
	err := db.WithContext(ctx).Model(&Task{}).Select("project_id, COUNT(*) AS count").
		Where("project_id IN ?", projectIDs).Group("project_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	for _, r := range rows {
		out[r.ProjectID] = r.Count
	}
	return out, nil
}
