package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Limit keys, as the plans file, the API and policies/limits.rego name them.
const (
	LimitPersonalTasks         = "personal_tasks"
	LimitPersonalProjects      = "personal_projects"
	LimitTasksPerProject       = "tasks_per_project"
	LimitOwnedOrgs             = "owned_orgs"
	LimitPersonalCloudStorages = "personal_cloud_storages"
	LimitOrgTasks              = "org_tasks"
	LimitOrgProjects           = "org_projects"
	LimitOrgCloudStorages      = "org_cloud_storages"
	LimitOrgMembers            = "org_members"
)

// WorkspaceLimitKeys are the limits that bound a workspace's holdings: what
// is counted to tell whether a cancelled workspace is over the Free limits.
func WorkspaceLimitKeys(ws Workspace) []string {
	if ws.Personal() {
		return []string{LimitPersonalTasks, LimitPersonalProjects, LimitTasksPerProject, LimitOwnedOrgs, LimitPersonalCloudStorages}
	}
	return []string{LimitOrgTasks, LimitOrgProjects, LimitTasksPerProject, LimitOrgCloudStorages, LimitOrgMembers}
}

// LimitsMap is l keyed by limit name (for the policy input).
func LimitsMap(l Limits) map[string]any {
	out := make(map[string]any, len(limitKeys))
	for _, k := range limitKeys {
		out[k.key] = *k.field(&l)
	}
	return out
}

// LockWorkspaceTx makes the limit checks of one workspace take turns: on
// PostgreSQL it locks the row that stands for the workspace (the user's for
// a personal workspace, the organization's) until tx ends, so two creates
// cannot both count N-1 and insert. SQLite transactions hold the write lock
// from BEGIN (IMMEDIATE), which serializes them already. ErrNotFound when
// the row is gone.
func LockWorkspaceTx(tx *gorm.DB, ws Workspace) error {
	table, id := "organizations", ws.OrgID
	if ws.Personal() {
		table, id = "users", ws.UserID
	}
	var ids []uint64
	if err := lockRow(tx).Table(table).Where("id = ?", id).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("lock workspace %s %d: %w", table, id, err)
	}
	if len(ids) == 0 {
		return ErrNotFound
	}
	return nil
}

// LockProjectTx locks a project's row (PostgreSQL) before its tasks are
// counted; ErrNotFound when it is gone.
func LockProjectTx(tx *gorm.DB, id uint64) (*Project, error) {
	var p Project
	if err := lockRow(tx).First(&p, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("lock project %d: %w", id, err)
	}
	return &p, nil
}

// UsageQuery says what CountUsageTx counts.
type UsageQuery struct {
	Keys []string
	// ProjectID: tasks_per_project counts this project's tasks; nil counts
	// the fullest project of the workspace.
	ProjectID *uint64
	// PendingInvitations: org_members also counts the invitations still
	// waiting for an answer at Now (they hold a seat).
	PendingInvitations bool
	Now                time.Time
}

// CountUsageTx counts what workspace ws holds, per limit key. A personal
// workspace holds what its user owns outside organizations, and the
// organizations the user owns; an organization holds its objects and its
// active members.
func CountUsageTx(tx *gorm.DB, ws Workspace, q UsageQuery) (map[string]int64, error) {
	out := make(map[string]int64, len(q.Keys))
	for _, key := range q.Keys {
		if _, done := out[key]; done {
			continue
		}
		n, err := countOne(tx, ws, key, q)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", key, err)
		}
		out[key] = n
	}
	return out, nil
}

func countOne(tx *gorm.DB, ws Workspace, key string, q UsageQuery) (int64, error) {
	personal := func(model any) (int64, error) {
		var n int64
		err := tx.Model(model).Where("organization_id IS NULL AND owner_id = ?", ws.UserID).Count(&n).Error
		return n, err
	}
	inOrg := func(model any) (int64, error) {
		var n int64
		err := tx.Model(model).Where("organization_id = ?", ws.OrgID).Count(&n).Error
		return n, err
	}
	switch key {
	case LimitPersonalTasks:
		return personal(&Task{})
	case LimitPersonalProjects:
		return personal(&Project{})
	case LimitPersonalCloudStorages:
		return personal(&CloudStorage{})
	case LimitOwnedOrgs:
		var n int64
		err := tx.Model(&Organization{}).Where("owner_id = ?", ws.UserID).Count(&n).Error
		return n, err
	case LimitOrgTasks:
		return inOrg(&Task{})
	case LimitOrgProjects:
		return inOrg(&Project{})
	case LimitOrgCloudStorages:
		return inOrg(&CloudStorage{})
	case LimitOrgMembers:
		var n int64
		if err := tx.Model(&Membership{}).Where("organization_id = ? AND is_active = ?", ws.OrgID, true).Count(&n).Error; err != nil {
			return 0, err
		}
		if !q.PendingInvitations {
			return n, nil
		}
		var pending int64
		err := tx.Model(&Invitation{}).Where("organization_id = ? AND accepted_at IS NULL AND removed_at IS NULL AND expires_at > ?",
			ws.OrgID, q.Now).Count(&pending).Error
		return n + pending, err
	case LimitTasksPerProject:
		if q.ProjectID != nil {
			var n int64
			err := tx.Model(&Task{}).Where("project_id = ?", *q.ProjectID).Count(&n).Error
			return n, err
		}
		projects := tx.Model(&Project{}).Select("id")
		if ws.Personal() {
			projects = projects.Where("organization_id IS NULL AND owner_id = ?", ws.UserID)
		} else {
			projects = projects.Where("organization_id = ?", ws.OrgID)
		}
		var counts []int64
		err := tx.Model(&Task{}).Select("COUNT(*)").Where("project_id IN (?)", projects).
			Group("project_id").Order("COUNT(*) DESC").Limit(1).Pluck("COUNT(*)", &counts).Error
		if err != nil || len(counts) == 0 {
			return 0, err
		}
		return counts[0], nil
	}
	return 0, fmt.Errorf("unknown limit %q", key)
}

// CountProjectTasksTx counts the tasks of project id; with owner set, only
// those that user owns (what a project moving to that user's personal
// workspace adds to it).
func CountProjectTasksTx(tx *gorm.DB, id uint64, owner *uint64) (int64, error) {
	q := tx.Model(&Task{}).Where("project_id = ?", id)
	if owner != nil {
		q = q.Where("owner_id = ?", *owner)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count the tasks of project %d: %w", id, err)
	}
	return n, nil
}
