package models_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// TestCountUsage counts every limit of a personal workspace and of an
// organization, on each database.
func TestCountUsage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		me, org := w.users[0], w.org
		// Personal: 2 projects (3 tasks in the first), 1 loose task, 1 storage.
		p1 := w.project(nil, nil, nil)
		w.project(nil, nil, nil)
		for range 3 {
			w.task(nil, &p1.ID, 0)
		}
		w.task(nil, nil, 0)
		w.storage(nil, "AWS_S3_BUCKET", "mine")
		// Someone else's personal task does not count.
		other := &models.Task{Name: "x", OwnerID: &w.users[1]}
		if _, err := db.CreateTask(w.ctx, other, 0, acctT0); err != nil {
			t.Fatal(err)
		}
		// Organization: 1 project with 2 tasks, 1 storage, owner + 1 member, 1 pending invitation.
		op := w.project(&org, nil, nil)
		w.task(&org, &op.ID, 0)
		w.task(&org, &op.ID, 0)
		w.storage(&org, "AWS_S3_BUCKET", "shared")
		if err := db.Create(&models.Membership{UserID: w.users[1], OrganizationID: org, Role: models.OrgWorker, IsActive: true}).Error; err != nil {
			t.Fatal(err)
		}
		now := acctT0.Add(time.Hour)
		for i, exp := range []time.Time{now.Add(time.Hour), now.Add(-time.Hour)} { // one pending, one expired
			inv := &models.Invitation{Key: "k" + string(rune('a'+i)), TokenHash: "h" + string(rune('a'+i)), OrganizationID: org,
				Email: "inv" + string(rune('a'+i)) + "@example.com", Role: models.OrgWorker, CreatedAt: now, SentAt: now, ExpiresAt: exp}
			if err := db.Transaction(func(tx *gorm.DB) error { return models.CreateInvitationTx(tx, inv, acctT0) }); err != nil {
				t.Fatal(err)
			}
		}

		personal := models.Workspace{UserID: me}
		got, err := models.CountUsageTx(db.DB, personal, models.UsageQuery{Keys: models.WorkspaceLimitKeys(personal), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"personal_tasks": 4, "personal_projects": 2, "tasks_per_project": 3, "owned_orgs": 2, "personal_cloud_storages": 1}
		assertCounts(t, "personal", got, want)

		orgWS := models.Workspace{UserID: me, OrgID: org}
		got, err = models.CountUsageTx(db.DB, orgWS, models.UsageQuery{Keys: models.WorkspaceLimitKeys(orgWS), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		assertCounts(t, "organization", got, map[string]int64{"org_tasks": 2, "org_projects": 1, "tasks_per_project": 2, "org_cloud_storages": 1, "org_members": 2})

		got, err = models.CountUsageTx(db.DB, orgWS, models.UsageQuery{Keys: []string{"org_members"}, PendingInvitations: true, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		assertCounts(t, "members with pending invitations", got, map[string]int64{"org_members": 3})

		got, err = models.CountUsageTx(db.DB, personal, models.UsageQuery{Keys: []string{"tasks_per_project"}, ProjectID: &op.ID})
		if err != nil {
			t.Fatal(err)
		}
		assertCounts(t, "one project", got, map[string]int64{"tasks_per_project": 2})

		if n, err := models.CountProjectTasksTx(db.DB, p1.ID, &w.users[1]); err != nil || n != 0 {
			t.Errorf("tasks of project owned by another user = %d, %v; want 0", n, err)
		}
		if n, err := models.CountProjectTasksTx(db.DB, p1.ID, nil); err != nil || n != 3 {
			t.Errorf("tasks of project = %d, %v; want 3", n, err)
		}
		if _, err := models.CountUsageTx(db.DB, personal, models.UsageQuery{Keys: []string{"widgets"}}); err == nil {
			t.Error("an unknown limit key was counted")
		}
	})
}

func assertCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: counted %v, want %v", what, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %d, want %d", what, k, got[k], v)
		}
	}
}

// TestLockWorkspaceSerializes checks that check-then-insert under the
// workspace lock cannot pass a limit, however many run at once.
func TestLockWorkspaceSerializes(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		w := newResWorld(t, db)
		for _, ws := range []models.Workspace{{UserID: w.users[1]}, {UserID: w.users[0], OrgID: w.org}} {
			key := models.LimitPersonalProjects
			var org *uint64
			if !ws.Personal() {
				key, org = models.LimitOrgProjects, &ws.OrgID
			}
			const limit, tries = 5, 20
			var wg sync.WaitGroup
			for range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := db.Transaction(func(tx *gorm.DB) error {
						if err := models.LockWorkspaceTx(tx, ws); err != nil {
							return err
						}
						n, err := models.CountUsageTx(tx, ws, models.UsageQuery{Keys: []string{key}})
						if err != nil {
							return err
						}
						if n[key] >= limit {
							return nil
						}
						return models.CreateProjectTx(tx, &models.Project{Name: "p", OwnerID: &ws.UserID, OrganizationID: org}, acctT0)
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, err := models.CountUsageTx(db.DB, ws, models.UsageQuery{Keys: []string{key}})
			if err != nil {
				t.Fatal(err)
			}
			if got[key] != limit {
				t.Errorf("%s: %d projects after %d concurrent creates, want %d", key, got[key], tries, limit)
			}
		}
		err := db.Transaction(func(tx *gorm.DB) error { return models.LockWorkspaceTx(tx, models.Workspace{OrgID: 999999}) })
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("lock of a missing organization: %v, want ErrNotFound", err)
		}
		if p, err := models.LockProjectTx(db.DB, 999999); p != nil || !errors.Is(err, models.ErrNotFound) {
			t.Errorf("lock of a missing project: %v, %v", p, err)
		}
	})
}

func TestLimitsMap(t *testing.T) {
	m := models.LimitsMap(models.DefaultFreeLimits)
	if len(m) != 9 || m["personal_tasks"] != 10 || m["org_members"] != 3 || m["tasks_per_project"] != 5 {
		t.Errorf("LimitsMap(Free) = %v", m)
	}
}
