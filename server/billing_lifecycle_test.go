package server

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// seedWorkspace fills the personal workspace of owner with objects whose
// updated_at grows with their number (name "<prefix><n>"), so "least
// recently updated" is predictable.
type seeded struct {
	projects, tasks, storages map[string]uint64
}

func seedPersonal(t *testing.T, e *billingEnv, owner uint64, prefix string, projects int, tasksIn map[int]int, loose, storages int) seeded {
	t.Helper()
	s := seeded{map[string]uint64{}, map[string]uint64{}, map[string]uint64{}}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	n := 0
	for i := 1; i <= projects; i++ {
		n++
		p := &models.Project{Name: fmt.Sprintf("%sP%d", prefix, i), OwnerID: &owner, CreatedAt: at(n), UpdatedAt: at(n)}
		if err := e.db.Create(p).Error; err != nil {
			t.Fatal(err)
		}
		s.projects[p.Name] = p.ID
		for j := 1; j <= tasksIn[i]; j++ {
			n++
			tk := &models.Task{Name: fmt.Sprintf("%sP%dT%d", prefix, i, j), ProjectID: &p.ID, OwnerID: &owner, CreatedAt: at(n), UpdatedAt: at(n)}
			if err := e.db.Create(tk).Error; err != nil {
				t.Fatal(err)
			}
			s.tasks[tk.Name] = tk.ID
		}
	}
	for j := 1; j <= loose; j++ {
		n++
		tk := &models.Task{Name: fmt.Sprintf("%sT%d", prefix, j), OwnerID: &owner, CreatedAt: at(n), UpdatedAt: at(n)}
		if err := e.db.Create(tk).Error; err != nil {
			t.Fatal(err)
		}
		s.tasks[tk.Name] = tk.ID
	}
	for j := 1; j <= storages; j++ {
		n++
		cs := &models.CloudStorage{DisplayName: fmt.Sprintf("%sC%d", prefix, j), ProviderType: "AWS_S3_BUCKET", Resource: fmt.Sprintf("b%d", j),
			CredentialsType: "ANONYMOUS_ACCESS", OwnerID: &owner, CreatedAt: at(n), UpdatedAt: at(n)}
		if err := e.db.Create(cs).Error; err != nil {
			t.Fatal(err)
		}
		s.storages[cs.DisplayName] = cs.ID
	}
	return s
}

func names(t *testing.T, e *billingEnv, model any, col string, owner uint64) []string {
	t.Helper()
	var out []string
	if err := e.db.Model(model).Where("owner_id = ?", owner).Order(col).Pluck(col, &out).Error; err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestBillingCancellationLifecycle: cancel → plan until the period end →
// one month read-only under Free limits → notice mail → after the notice
// period only the excess is deleted (least recently updated first) and
// reported; every job rerun changes nothing.
func TestBillingCancellationLifecycle(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) { testBillingCancellationLifecycle(t, db) })
}

func testBillingCancellationLifecycle(t *testing.T, db *models.DB) {
	e := newBillingEnvDB(t, db, true, BillingSettings{NoticePeriod: days(14)})
	ctx := context.Background()
	u, adm, bystander := e.user("bllife"), e.admin(), e.user("blby")
	// 7 projects (limit 5): P1 has 1 task, P7 has 7 (limit 5 per project);
	// 6 loose tasks; 11 cloud storages (limit 10).
	before := seedPersonal(t, e, u.id, "", 7, map[int]int{1: 1, 7: 7}, 6, 11)
	// Somebody else's workspace, also over the limits, must stay intact.
	seedPersonal(t, e, bystander.id, "x", 7, map[int]int{7: 7}, 6, 11)
	othersBefore := [3]int{len(names(t, e, &models.Project{}, "name", bystander.id)), len(names(t, e, &models.Task{}, "name", bystander.id)),
		len(names(t, e, &models.CloudStorage{}, "display_name", bystander.id))}

	res := e.subscribe(u, map[string]any{"plan": "solo"})
	e.pay(adm, res.Invoice.ID)
	ws := models.Workspace{UserID: u.id}
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", res.Subscription.ID),
		map[string]any{"reason": "not_needed", "comment": "thanks"}), 200)
	b := e.billing()
	run := func() CancellationReport {
		t.Helper()
		r, err := b.RunCancellation(ctx, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	noticeSubject := "Action needed"
	reportSubject := "deleted from"
	mails := func(subject string) int {
		t.Helper()
		if _, err := e.mailer.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := e.mailpit.SearchTo(ctx, u.email)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range list {
			if strings.Contains(m.Subject, subject) {
				n++
			}
		}
		return n
	}

	// The invoice went to the owner when issued and again when paid.
	if n := mails("Invoice " + res.Invoice.Number); n != 2 {
		t.Fatalf("%d invoice mails for %s", n, res.Invoice.Number)
	}
	invMail, err := e.mailpit.LatestTo(ctx, u.email)
	if err != nil || !strings.Contains(invMail.Text, "is paid") || !strings.Contains(invMail.Text, fmt.Sprintf("/api/billing/invoices/%d/print", res.Invoice.ID)) {
		t.Fatalf("invoice mail %v:\n%s", err, invMail.Text)
	}
	// Before the period end nothing happens and the plan stays.
	if r := run(); r != (CancellationReport{}) {
		t.Fatalf("early run did %+v", r)
	}
	if st := e.planState(ws); st.Plan.ID != "solo" || st.Cancelled {
		t.Fatalf("before the end: %+v", st)
	}
	// The period ends (Dec 28): Free limits, read-only state visible.
	end := res.Subscription.CurrentPeriodEnd
	e.clock.Set(end.Add(time.Hour))
	if st := e.planState(ws); st.Plan.ID != "free" || !st.Cancelled || !st.CancelledAt.Equal(end) {
		t.Fatalf("after the end (before the job): %+v", st)
	}
	if r := run(); r.Ended != 1 || r.Notified != 0 {
		t.Fatalf("end run %+v", r)
	}
	if r := run(); r != (CancellationReport{}) {
		t.Fatalf("rerun changed %+v", r)
	}
	u = e.login(u)
	var wp struct {
		Plan      models.Plan `json:"plan"`
		Cancelled bool        `json:"cancelled"`
	}
	decode(t, u.do("GET", "/api/billing/workspace-plan", nil), 200, &wp)
	if wp.Plan.ID != "free" || !wp.Cancelled {
		t.Fatalf("workspace-plan after the end %+v", wp)
	}
	// The renew job does not bill a cancelled subscription.
	if n, err := b.RunRenew(ctx, e.clock.Now()); err != nil || n != 0 {
		t.Fatalf("renew of a cancelled subscription: %d %v", n, err)
	}

	// One month later: the notice, once.
	e.clock.Set(models.AddMonthsClamped(end, 1).Add(time.Minute))
	if r := run(); r.Notified != 1 {
		t.Fatalf("notice run %+v", r)
	}
	if r := run(); r != (CancellationReport{}) {
		t.Fatalf("notice rerun %+v", r)
	}
	if n := mails(noticeSubject); n != 1 {
		t.Fatalf("%d notices", n)
	}
	notice, err := e.mailpit.LatestTo(ctx, u.email)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 project(s) more than the 5 allowed", "1 cloud storage(s)", "never deleted"} {
		if !strings.Contains(notice.Text, want) {
			t.Fatalf("notice lacks %q:\n%s", want, notice.Text)
		}
	}
	noticeAt := e.clock.Now()
	// A day before the notice period ends: still nothing deleted.
	e.clock.Set(noticeAt.Add(days(13)))
	if r := run(); r != (CancellationReport{}) {
		t.Fatalf("early deletion %+v", r)
	}
	if got := len(names(t, e, &models.Project{}, "name", u.id)); got != 7 {
		t.Fatalf("%d projects before the deadline", got)
	}

	// The notice period is over: the excess goes, oldest first.
	e.clock.Set(noticeAt.Add(days(14)))
	r := run()
	if r.CleanedUp != 1 {
		t.Fatalf("clean-up run %+v", r)
	}
	wantProjects := []string{"P3", "P4", "P5", "P6", "P7"}
	if got := names(t, e, &models.Project{}, "name", u.id); strings.Join(got, ",") != strings.Join(wantProjects, ",") {
		t.Fatalf("projects left %v, want %v", got, wantProjects)
	}
	// P1's task went with P1; P7 kept its 5 newest tasks (T3..T7); then the
	// oldest task left overall (P7T3, older than the loose ones) went to get
	// down to 10 tasks.
	wantTasks := []string{"P7T4", "P7T5", "P7T6", "P7T7", "T1", "T2", "T3", "T4", "T5", "T6"}
	sort.Strings(wantTasks)
	if got := names(t, e, &models.Task{}, "name", u.id); strings.Join(got, ",") != strings.Join(wantTasks, ",") {
		t.Fatalf("tasks left %v, want %v", got, wantTasks)
	}
	storages := names(t, e, &models.CloudStorage{}, "display_name", u.id)
	if len(storages) != 10 || storages[0] == "C1" || !containsStr(storages, "C11") {
		t.Fatalf("cloud storages left %v", storages)
	}
	var deletions []models.BillingDeletion
	if err := e.db.Where("subscription_id = ?", res.Subscription.ID).Find(&deletions).Error; err != nil {
		t.Fatal(err)
	}
	// 2 projects + 1 task of P1 + 2 tasks of P7 + 1 loose task + 1 storage.
	if len(deletions) != 7 || r.Deleted != 7 {
		t.Fatalf("%d deletions recorded, %d reported: %+v", len(deletions), r.Deleted, deletions)
	}
	for _, d := range deletions {
		if d.UserID == nil || *d.UserID != u.id {
			t.Fatalf("deletion of another workspace %+v", d)
		}
	}
	if n := mails(reportSubject); n != 1 {
		t.Fatalf("%d reports", n)
	}
	report, err := e.mailpit.LatestTo(ctx, u.email)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.Text, `project "P1"`) || !strings.Contains(report.Text, `cloud_storage "C1"`) {
		t.Fatalf("report:\n%s", report.Text)
	}
	// Everything else intact, the bystander untouched.
	othersAfter := [3]int{len(names(t, e, &models.Project{}, "name", bystander.id)), len(names(t, e, &models.Task{}, "name", bystander.id)),
		len(names(t, e, &models.CloudStorage{}, "display_name", bystander.id))}
	if othersAfter != othersBefore {
		t.Fatalf("bystander's data changed: %v → %v", othersBefore, othersAfter)
	}
	if _, ok := before.projects["P7"]; !ok {
		t.Fatal("seed lost P7")
	}
	// Reruns change nothing, and the workspace is plain Free again.
	for i := 0; i < 2; i++ {
		if r := run(); r != (CancellationReport{}) {
			t.Fatalf("rerun %d changed %+v", i, r)
		}
	}
	var count int64
	e.db.Model(&models.BillingDeletion{}).Count(&count)
	if count != 7 || mails(reportSubject) != 1 || mails(noticeSubject) != 1 {
		t.Fatalf("rerun recorded or mailed more: %d deletions", count)
	}
	if st := e.planState(ws); st.Cancelled || st.Plan.ID != "free" {
		t.Fatalf("after the clean-up: %+v", st)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBillingRenewAndOverdue: renewal invoices each period (once), unpaid
// past due → past_due (plan kept) → cancelled after the grace, and a
// subscription re-subscribed with renew. Renewing within the grace month
// stops the lifecycle.
func TestBillingRenewAndOverdue(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{PaymentTerms: days(14), OverdueGrace: days(14)})
	ctx := context.Background()
	u, adm := e.user("blren"), e.admin()
	res := e.subscribe(u, map[string]any{"plan": "solo"})
	b := e.billing()
	// The first invoice is never paid: the subscription ends without lifecycle.
	e.clock.Advance(days(15))
	if pd, c, err := b.RunOverdue(ctx, e.clock.Now()); err != nil || pd != 0 || c != 1 {
		t.Fatalf("overdue of an unpaid first invoice: %d %d %v", pd, c, err)
	}
	sub, err := e.db.SubscriptionByID(ctx, res.Subscription.ID)
	if err != nil || sub.Status != models.SubCancelled || sub.CleanupDoneAt == nil {
		t.Fatalf("unpaid first invoice: %+v %v", sub, err)
	}
	inv, _ := e.db.InvoiceByID(ctx, res.Invoice.ID)
	if inv.Status != models.InvoiceVoid {
		t.Fatalf("unpaid first invoice is %s", inv.Status)
	}
	ws := models.Workspace{UserID: u.id}
	if st := e.planState(ws); st.Cancelled {
		t.Fatalf("never-paid subscription started a cancellation: %+v", st)
	}
	// Renew = subscribe again: refund policy needed, then a new invoice.
	u = e.login(u)
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), nil), 400, `"agree_refund_policy"`)
	var rr subResult
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), map[string]any{"agree_refund_policy": true}), 200, &rr)
	if rr.Invoice == nil || rr.Subscription.Status != models.SubIncomplete || rr.Invoice.ID == res.Invoice.ID {
		t.Fatalf("re-subscribe %+v", rr)
	}
	adm = e.login(adm)
	e.pay(adm, rr.Invoice.ID)

	// Period end: one renewal invoice, even when the job runs twice.
	e.clock.Set(rr.Subscription.CurrentPeriodEnd.Add(time.Minute))
	for i, want := range []int{1, 0} {
		if n, err := b.RunRenew(ctx, e.clock.Now()); err != nil || n != want {
			t.Fatalf("renew run %d: %d %v", i, n, err)
		}
	}
	var renewal models.Invoice
	if err := e.db.Where("subscription_id = ? AND status = ?", sub.ID, models.InvoiceOpen).Take(&renewal).Error; err != nil {
		t.Fatal(err)
	}
	if renewal.TotalCents != 3300 || renewal.PeriodStart == nil || !renewal.PeriodStart.Equal(rr.Subscription.CurrentPeriodEnd) {
		t.Fatalf("renewal %+v", renewal)
	}
	// Unpaid past the due date: past_due, the plan stays.
	e.clock.Set(renewal.DueAt.Add(time.Hour))
	for i, want := range []int{1, 0} {
		if pd, c, err := b.RunOverdue(ctx, e.clock.Now()); err != nil || pd != want || c != 0 {
			t.Fatalf("overdue run %d: %d %d %v", i, pd, c, err)
		}
	}
	if st := e.planState(ws); st.Plan.ID != "solo" {
		t.Fatalf("past due lost the plan: %+v", st)
	}
	// After the grace: cancelled, the lifecycle starts.
	e.clock.Advance(days(14))
	if pd, c, err := b.RunOverdue(ctx, e.clock.Now()); err != nil || pd != 0 || c != 1 {
		t.Fatalf("overdue after grace: %d %d %v", pd, c, err)
	}
	if st := e.planState(ws); st.Plan.ID != "free" || !st.Cancelled {
		t.Fatalf("after non-payment: %+v", st)
	}
	if pd, c, err := b.RunOverdue(ctx, e.clock.Now()); err != nil || pd != 0 || c != 0 {
		t.Fatalf("overdue rerun: %d %d %v", pd, c, err)
	}
	ended, _ := e.db.SubscriptionByID(ctx, sub.ID)
	// Subscribing again and not paying does not stop the clean-up: the
	// subscription goes back to its first end.
	u = e.login(u)
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), map[string]any{"agree_refund_policy": true}), 200)
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), map[string]any{"agree_refund_policy": true}), 409,
		"waits for the payment")
	e.clock.Advance(days(15))
	if pd, c, err := b.RunOverdue(ctx, e.clock.Now()); err != nil || pd != 0 || c != 1 {
		t.Fatalf("overdue of the unpaid re-subscription: %d %d %v", pd, c, err)
	}
	again, _ := e.db.SubscriptionByID(ctx, sub.ID)
	if again.Status != models.SubCancelled || again.EndedAt == nil || !again.EndedAt.Equal(*ended.EndedAt) || again.CleanupDoneAt != nil {
		t.Fatalf("after the unpaid re-subscription %+v", again)
	}
	if st := e.planState(ws); !st.Cancelled {
		t.Fatalf("clean-up stopped by an unpaid re-subscription: %+v", st)
	}
}
