package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// What the clean-up after a cancellation deletes, and what it never does:
// projects, tasks (per workspace and per project) and cloud storages beyond
// the Free limits go, least recently updated first (ties: lowest id). A
// deleted project takes its tasks and their jobs with it. Organization
// members beyond the Free member limit and organizations a user owns beyond
// the Free limit are never deleted: the limits only stop new ones.

// workspaceScope narrows q (of a resource table) to ws.
func workspaceScope(q *gorm.DB, table string, ws Workspace) *gorm.DB {
	if ws.OrgID != 0 {
		return q.Where(table+".organization_id = ?", ws.OrgID)
	}
	return q.Where(table+".organization_id IS NULL AND "+table+".owner_id = ?", ws.UserID)
}

// ExcessCounts are how many objects of a workspace exceed limits.
type ExcessCounts struct {
	Projects      int
	Tasks         int // beyond the workspace's task limit
	ProjectTasks  int // beyond the tasks-per-project limit, summed over projects
	CloudStorages int
}

// Any tells whether anything exceeds.
func (e ExcessCounts) Any() bool {
	return e.Projects > 0 || e.Tasks > 0 || e.ProjectTasks > 0 || e.CloudStorages > 0
}

// Lines describes the excess for people.
func (e ExcessCounts) Lines(l Limits, org bool) []string {
	var out []string
	projects, tasks, storages := l.PersonalProjects, l.PersonalTasks, l.PersonalCloudStorages
	if org {
		projects, tasks, storages = l.OrgProjects, l.OrgTasks, l.OrgCloudStorages
	}
	if e.Projects > 0 {
		out = append(out, fmt.Sprintf("%d project(s) more than the %d allowed", e.Projects, projects))
	}
	if e.Tasks > 0 {
		out = append(out, fmt.Sprintf("%d task(s) more than the %d allowed", e.Tasks, tasks))
	}
	if e.ProjectTasks > 0 {
		out = append(out, fmt.Sprintf("%d task(s) in projects holding more than %d tasks each", e.ProjectTasks, l.TasksPerProject))
	}
	if e.CloudStorages > 0 {
		out = append(out, fmt.Sprintf("%d cloud storage(s) more than the %d allowed", e.CloudStorages, storages))
	}
	return out
}

func over(n int64, limit int) int {
	if limit < 0 || n <= int64(limit) {
		return 0
	}
	return int(n - int64(limit))
}

// WorkspaceExcess counts what ws holds beyond limits.
func WorkspaceExcess(tx *gorm.DB, ws Workspace, l Limits) (ExcessCounts, error) {
	projects, tasks, storages := l.PersonalProjects, l.PersonalTasks, l.PersonalCloudStorages
	if ws.OrgID != 0 {
		projects, tasks, storages = l.OrgProjects, l.OrgTasks, l.OrgCloudStorages
	}
	var e ExcessCounts
	count := func(model any, table string) (int64, error) {
		var n int64
		err := workspaceScope(tx.Model(model), table, ws).Count(&n).Error
		return n, err
	}
	n, err := count(&Project{}, "projects")
	if err != nil {
		return e, fmt.Errorf("count projects: %w", err)
	}
	e.Projects = over(n, projects)
	if n, err = count(&Task{}, "tasks"); err != nil {
		return e, fmt.Errorf("count tasks: %w", err)
	}
	e.Tasks = over(n, tasks)
	if n, err = count(&CloudStorage{}, "cloud_storages"); err != nil {
		return e, fmt.Errorf("count cloud storages: %w", err)
	}
	e.CloudStorages = over(n, storages)
	if l.TasksPerProject >= 0 {
		var rows []struct {
			ProjectID uint64
			N         int64
		}
		q := workspaceScope(tx.Model(&Task{}), "tasks", ws).Select("project_id, COUNT(*) AS n").
			Where("project_id IS NOT NULL").Group("project_id").Having("COUNT(*) > ?", l.TasksPerProject)
		if err := q.Scan(&rows).Error; err != nil {
			return e, fmt.Errorf("count tasks per project: %w", err)
		}
		for _, r := range rows {
			e.ProjectTasks += over(r.N, l.TasksPerProject)
		}
	}
	return e, nil
}

type namedRow struct {
	ID   uint64
	Name string
}

// oldestFirst lists rows of q least recently updated first.
func oldestFirst(q *gorm.DB, table, nameCol string, limit int) ([]namedRow, error) {
	var rows []namedRow
	err := q.Select(table + ".id AS id, " + table + "." + nameCol + " AS name").
		Order(table + ".updated_at ASC").Order(table + ".id ASC").Limit(limit).Scan(&rows).Error
	return rows, err
}

// DeleteExcessTx deletes what ws holds beyond limits and records every
// deleted object (tasks of deleted projects included) in billing_deletions.
func DeleteExcessTx(tx *gorm.DB, subID uint64, ws Workspace, l Limits, now time.Time) ([]BillingDeletion, error) {
	tasks, storages := l.PersonalTasks, l.PersonalCloudStorages
	if ws.OrgID != 0 {
		tasks, storages = l.OrgTasks, l.OrgCloudStorages
	}
	var out []BillingDeletion
	record := func(kind string, id uint64, name string) {
		d := BillingDeletion{SubscriptionID: subID, ResourceType: kind, ResourceID: id, ResourceName: name, DeletedAt: now}
		if ws.OrgID != 0 {
			o := ws.OrgID
			d.OrganizationID = &o
		} else {
			u := ws.UserID
			d.UserID = &u
		}
		out = append(out, d)
	}
	deleteTasks := func(ids []uint64) error {
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Where("task_id IN ?", ids).Delete(&Job{}).Error; err != nil {
			return fmt.Errorf("delete jobs: %w", err)
		}
		return tx.Where("id IN ?", ids).Delete(&Task{}).Error
	}
	// 1. Projects beyond the limit, with their tasks.
	e, err := WorkspaceExcess(tx, ws, l)
	if err != nil {
		return nil, err
	}
	if e.Projects > 0 {
		rows, err := oldestFirst(workspaceScope(tx.Model(&Project{}), "projects", ws), "projects", "name", e.Projects)
		if err != nil {
			return nil, fmt.Errorf("pick projects: %w", err)
		}
		for _, p := range rows {
			var inside []namedRow
			if err := tx.Model(&Task{}).Select("id, name").Where("project_id = ?", p.ID).Order("id").Scan(&inside).Error; err != nil {
				return nil, err
			}
			ids := make([]uint64, len(inside))
			for i, t := range inside {
				ids[i] = t.ID
				record("task", t.ID, t.Name)
			}
			if err := deleteTasks(ids); err != nil {
				return nil, err
			}
			if err := tx.Where("id = ?", p.ID).Delete(&Project{}).Error; err != nil {
				return nil, fmt.Errorf("delete project %d: %w", p.ID, err)
			}
			record("project", p.ID, p.Name)
		}
	}
	// 2. Tasks beyond the per-project limit, in each project left.
	if l.TasksPerProject >= 0 {
		var full []struct{ ProjectID uint64 }
		if err := workspaceScope(tx.Model(&Task{}), "tasks", ws).Select("project_id").Where("project_id IS NOT NULL").
			Group("project_id").Having("COUNT(*) > ?", l.TasksPerProject).Scan(&full).Error; err != nil {
			return nil, err
		}
		for _, p := range full {
			var n int64
			if err := tx.Model(&Task{}).Where("project_id = ?", p.ProjectID).Count(&n).Error; err != nil {
				return nil, err
			}
			rows, err := oldestFirst(tx.Model(&Task{}).Where("tasks.project_id = ?", p.ProjectID), "tasks", "name", over(n, l.TasksPerProject))
			if err != nil {
				return nil, err
			}
			ids := make([]uint64, len(rows))
			for i, t := range rows {
				ids[i] = t.ID
				record("task", t.ID, t.Name)
			}
			if err := deleteTasks(ids); err != nil {
				return nil, err
			}
		}
	}
	// 3. Tasks beyond the workspace's limit.
	var n int64
	if err := workspaceScope(tx.Model(&Task{}), "tasks", ws).Count(&n).Error; err != nil {
		return nil, err
	}
	if k := over(n, tasks); k > 0 {
		rows, err := oldestFirst(workspaceScope(tx.Model(&Task{}), "tasks", ws), "tasks", "name", k)
		if err != nil {
			return nil, err
		}
		ids := make([]uint64, len(rows))
		for i, t := range rows {
			ids[i] = t.ID
			record("task", t.ID, t.Name)
		}
		if err := deleteTasks(ids); err != nil {
			return nil, err
		}
	}
	// 4. Cloud storages beyond the limit (links from projects and tasks are cleared).
	if err := workspaceScope(tx.Model(&CloudStorage{}), "cloud_storages", ws).Count(&n).Error; err != nil {
		return nil, err
	}
	if k := over(n, storages); k > 0 {
		rows, err := oldestFirst(workspaceScope(tx.Model(&CloudStorage{}), "cloud_storages", ws), "cloud_storages", "display_name", k)
		if err != nil {
			return nil, err
		}
		for _, cs := range rows {
			for _, model := range []any{&Project{}, &Task{}} {
				for _, col := range []string{"source_storage_id", "target_storage_id"} {
					if err := tx.Model(model).Where(col+" = ?", cs.ID).Update(col, nil).Error; err != nil {
						return nil, err
					}
				}
			}
			if err := tx.Where("id = ?", cs.ID).Delete(&CloudStorage{}).Error; err != nil {
				return nil, err
			}
			record("cloud_storage", cs.ID, cs.Name)
		}
	}
	if len(out) > 0 {
		if err := tx.Create(&out).Error; err != nil {
			return nil, fmt.Errorf("record deletions: %w", err)
		}
	}
	return out, nil
}
