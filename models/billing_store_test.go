package models_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// Numbers are taken in the inserting transaction: concurrent issuers get
// consecutive numbers, a rolled-back insert gives its number back, and each
// kind and year has its own sequence.
func TestDocumentNumbersWithoutGaps(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
		issue := func(kind string, at time.Time, fail bool) (string, error) {
			var number string
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				inv := &models.Invoice{Kind: kind, Status: models.InvoiceOpen, Currency: "usd", IssuedAt: at}
				if err := models.CreateInvoiceTx(tx, inv, at); err != nil {
					return err
				}
				number = inv.Number
				if fail {
					return fmt.Errorf("rolled back on purpose")
				}
				return nil
			})
			return number, err
		}
		if _, err := issue(models.KindInvoice, now, true); err == nil {
			t.Fatal("the failing issue committed")
		}
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					_, err := issue(models.KindInvoice, now, false)
					if err == nil {
						return
					}
					// PostgreSQL may refuse one of the first inserts of a
					// counter row under contention; the caller retries.
					if !isRetryable(err) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		var nums []string
		if err := db.Model(&models.Invoice{}).Where("kind = ?", models.KindInvoice).Order("number").Pluck("number", &nums).Error; err != nil {
			t.Fatal(err)
		}
		for i, n := range nums {
			if want := models.DocumentNumber(models.KindInvoice, 2026, int64(i+1)); n != want {
				t.Fatalf("numbers %v: #%d = %s, want %s", nums, i, n, want)
			}
		}
		if len(nums) != 8 {
			t.Fatalf("%d numbers", len(nums))
		}
		// Another kind and another year start at 1.
		if n, err := issue(models.KindCreditNote, now, false); err != nil || n != "CN-2026-000001" {
			t.Fatalf("credit note %s %v", n, err)
		}
		if n, err := issue(models.KindInvoice, now.Add(2*time.Hour), false); err != nil || n != "INV-2027-000001" {
			t.Fatalf("new year %s %v", n, err)
		}
	})
}

func isRetryable(err error) bool {
	s := err.Error()
	for _, frag := range []string{"could not serialize", "deadlock", "duplicate key", "database is locked", "SQLITE_BUSY"} {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

func TestDeleteExcessKeepsTheRest(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u := billingUser(t, db, "excess")
		org := &models.Organization{Slug: "excess"}
		if err := db.CreateOrganization(ctx, org, u.ID, t0); err != nil {
			t.Fatal(err)
		}
		// An organization with 4 projects (limit 2 here), one of them
		// linked to a cloud storage that goes too (limit 0).
		limits := models.DefaultFreeLimits
		limits.OrgProjects, limits.OrgCloudStorages = 2, 0
		cs := &models.CloudStorage{DisplayName: "bucket", ProviderType: "AWS_S3_BUCKET", Resource: "b", CredentialsType: "ANONYMOUS_ACCESS",
			OrganizationID: &org.ID, CreatedAt: t0, UpdatedAt: t0}
		if err := db.Create(cs).Error; err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for i := 0; i < 4; i++ {
			at := t0.Add(time.Duration(i) * time.Hour)
			p := &models.Project{Name: fmt.Sprintf("p%d", i), OrganizationID: &org.ID, OwnerID: &u.ID, CreatedAt: at, UpdatedAt: at}
			if i == 3 {
				p.SourceStorageID = &cs.ID
			}
			if err := db.Create(p).Error; err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		// A personal project of the same user is another workspace.
		mine := &models.Project{Name: "personal", OwnerID: &u.ID, CreatedAt: t0, UpdatedAt: t0}
		if err := db.Create(mine).Error; err != nil {
			t.Fatal(err)
		}
		ws := models.Workspace{OrgID: org.ID}
		ex, err := models.WorkspaceExcess(db.DB, ws, limits)
		if err != nil || ex.Projects != 2 || ex.CloudStorages != 1 || !ex.Any() {
			t.Fatalf("excess %+v %v", ex, err)
		}
		var deleted []models.BillingDeletion
		err = db.Transaction(func(tx *gorm.DB) error {
			var err error
			deleted, err = models.DeleteExcessTx(tx, 42, ws, limits, t0)
			return err
		})
		if err != nil || len(deleted) != 3 {
			t.Fatalf("deleted %+v %v", deleted, err)
		}
		var left []string
		db.Model(&models.Project{}).Order("name").Pluck("name", &left)
		if fmt.Sprint(left) != "[p2 p3 personal]" {
			t.Fatalf("projects left %v", left)
		}
		var p3 models.Project
		db.First(&p3, ids[3])
		if p3.SourceStorageID != nil {
			t.Fatalf("deleted storage still linked: %+v", p3)
		}
		if ex, _ := models.WorkspaceExcess(db.DB, ws, limits); ex.Any() {
			t.Fatalf("excess left %+v", ex)
		}
	})
}

func TestEndWorkspaceSubscriptions(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u := billingUser(t, db, "endws")
		org := &models.Organization{Slug: "endws"}
		if err := db.CreateOrganization(ctx, org, u.ID, t0); err != nil {
			t.Fatal(err)
		}
		mk := func(orgID *uint64, userID *uint64) *models.Subscription {
			s := &models.Subscription{PlanID: "team", Period: models.PeriodMonthly, Quantity: 3, UnitCents: 3300, Currency: "usd",
				UserID: userID, OrganizationID: orgID, Status: models.SubActive, Provider: "manual", PaymentMethod: models.PayBankTransfer,
				CurrentPeriodStart: t0, CurrentPeriodEnd: t0.AddDate(0, 1, 0), CreatedAt: t0, UpdatedAt: t0}
			if err := db.Create(s).Error; err != nil {
				t.Fatal(err)
			}
			return s
		}
		team, solo := mk(&org.ID, nil), mk(nil, &u.ID)
		open := &models.Invoice{Kind: models.KindInvoice, Status: models.InvoiceOpen, Currency: "usd", OrganizationID: &org.ID, SubscriptionID: &team.ID}
		if err := db.Transaction(func(tx *gorm.DB) error { return models.CreateInvoiceTx(tx, open, t0) }); err != nil {
			t.Fatal(err)
		}
		if err := db.Transaction(func(tx *gorm.DB) error {
			return models.EndWorkspaceSubscriptionsTx(tx, models.Workspace{OrgID: org.ID}, t0)
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.SubscriptionByID(ctx, team.ID)
		if got.Status != models.SubCancelled || got.CleanupDoneAt == nil {
			t.Fatalf("team after the delete %+v", got)
		}
		if inv, _ := db.InvoiceByID(ctx, open.ID); inv.Status != models.InvoiceVoid {
			t.Fatalf("open invoice %s", inv.Status)
		}
		if other, _ := db.SubscriptionByID(ctx, solo.ID); other.Status != models.SubActive {
			t.Fatalf("the personal subscription changed: %+v", other)
		}
	})
}
