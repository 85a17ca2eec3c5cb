package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// unlimitedFreePlans is the built-in catalog with every Free limit lifted:
// the fixtures of tests about other things hold more than Free allows.
var unlimitedFreePlans = func() *models.Catalog {
	var b strings.Builder
	b.WriteString("plans:\n")
	for _, p := range models.DefaultCatalog().Plans() {
		fmt.Fprintf(&b, "  - id: %s\n    name: %s\n", p.ID, p.Name)
		if p.IsFree() {
			b.WriteString("    limits: {")
			for i, k := range []string{"personal_tasks", "personal_projects", "tasks_per_project", "owned_orgs",
				"personal_cloud_storages", "org_tasks", "org_projects", "org_cloud_storages", "org_members"} {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(k + ": -1")
			}
			b.WriteString("}\n")
			continue
		}
		fmt.Fprintf(&b, "    scope: %s\n    per_seat: %t\n    monthly_cents: %d\n    annual_cents: %d\n", p.Scope, p.PerSeat, p.MonthlyCents, p.AnnualCents)
		b.WriteString("    limits: {")
		for i, k := range []string{"personal_tasks", "personal_projects", "tasks_per_project", "owned_orgs",
			"personal_cloud_storages", "org_tasks", "org_projects", "org_cloud_storages", "org_members"} {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %v", k, models.LimitsMap(p.Limits)[k])
		}
		b.WriteString("}\n")
	}
	c, err := models.ParseCatalog([]byte(b.String()))
	if err != nil {
		panic(fmt.Sprintf("unlimited test catalog: %v\n%s", err, b.String()))
	}
	return c
}()

// limitsEnv is a server on the built-in catalog (Free limits as shipped).
func limitsEnv(t *testing.T, db *models.DB) *accountsEnv {
	t.Helper()
	if db == nil {
		db = modelstest.Open(t)
	}
	return newAccountsEnv(t, envOptions{db: db, plans: models.DefaultCatalog()})
}

// limitBody is a refusal by a plan limit.
type limitBody struct {
	Detail     string `json:"detail"`
	Code       string `json:"code"`
	UpgradeURL string `json:"upgrade_url"`
}

// expectLimit fails unless r is the 403 of a plan limit with detail want.
func expectLimit(t *testing.T, r response, want, upgradeURL string) {
	t.Helper()
	if r.Status != http.StatusForbidden {
		t.Fatalf("status = %d, want 403; body: %s", r.Status, r.Body)
	}
	var b limitBody
	decodeInto(t, r, &b)
	if b.Detail != want || b.Code != "limit_reached" || b.UpgradeURL != upgradeURL {
		t.Fatalf("refusal = %+v\nwant detail %q, code limit_reached, upgrade_url %q", b, want, upgradeURL)
	}
}

// newOrg makes an organization owned by a new user; it returns the owner in
// the organization's context, the slug and the id.
func newOrg(t *testing.T, env *accountsEnv, prefix string) (*browser, string, uint64) {
	t.Helper()
	owner, _, _ := env.registerUser(prefix)
	slug := prefix + fmt.Sprint(userSeq.Add(1))
	r := owner.do("POST", "/api/organizations", map[string]any{"slug": slug})
	expect(t, r, 201)
	var org struct{ ID uint64 }
	decodeInto(t, r, &org)
	return inOrg(owner, slug), slug, org.ID
}

// inWorkspace is b in organization slug ("": the personal workspace),
// whatever workspace b was in.
func inWorkspace(b *browser, slug string) *browser {
	c := *b
	c.headers = map[string]string{}
	for k, v := range b.headers {
		c.headers[k] = v
	}
	c.headers["X-Organization"] = slug
	return &c
}

func limitStorage(i int) map[string]any {
	return map[string]any{"display_name": fmt.Sprint("bucket ", i), "provider_type": "AWS_S3_BUCKET", "resource": fmt.Sprint("data", i)}
}

// TestFreeLimitsOverHTTP fills every Free limit through the API, in a
// personal workspace and in an organization: up to the limit every create
// passes, the next one is refused naming the limit and the plan that lifts it.
func TestFreeLimitsOverHTTP(t *testing.T) {
	env := limitsEnv(t, nil)
	type setup struct {
		b       *browser // who creates, in which workspace
		project uint64   // a project to put tasks in
		slug    string
	}
	personal := func(t *testing.T, withProject bool) setup {
		b, _, _ := env.registerUser("lim")
		s := setup{b: inOrg(b, "")}
		if withProject {
			s.project = rsCreate(t, s.b, "/api/projects", map[string]any{"name": "P"}).ID
		}
		return s
	}
	inAnOrg := func(t *testing.T, withProject bool) setup {
		b, slug, _ := newOrg(t, env, "limorg")
		s := setup{b: b, slug: slug}
		if withProject {
			s.project = rsCreate(t, s.b, "/api/projects", map[string]any{"name": "P"}).ID
		}
		return s
	}
	cases := []struct {
		name        string
		workspace   func(t *testing.T, withProject bool) setup
		withProject bool
		already     int // what the setup already counts against the limit
		limit       int
		create      func(s setup, i int) response
		want        string
	}{
		{"personal projects", personal, false, 0, 5,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/projects", map[string]any{"name": fmt.Sprint("p", i)})
			},
			"Personal projects limit reached (5 of 5 on the Free plan). Upgrade to Solo to create more."},
		{"personal tasks", personal, false, 0, 10,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i)})
			},
			"Personal tasks limit reached (10 of 10 on the Free plan). Upgrade to Solo to create more."},
		{"tasks per project (personal)", personal, true, 0, 5,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i), "project_id": s.project})
			},
			"Tasks per project limit reached (5 of 5 on the Free plan). Upgrade to Solo to create more."},
		{"personal cloud storages", personal, false, 0, 10,
			func(s setup, i int) response { return s.b.do("POST", "/api/cloudstorages", limitStorage(i)) },
			"Personal cloud storages limit reached (10 of 10 on the Free plan). Upgrade to Solo to create more."},
		{"owned organizations", personal, false, 0, 1,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/organizations", map[string]any{"slug": fmt.Sprint("own", userSeq.Add(1))})
			},
			"Owned organizations limit reached (1 of 1 on the Free plan). Upgrade to Solo to create more."},
		{"organization projects", inAnOrg, false, 0, 5,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/projects", map[string]any{"name": fmt.Sprint("p", i)})
			},
			"Organization projects limit reached (5 of 5 on the Free plan). Upgrade to Team to create more."},
		{"organization tasks", inAnOrg, false, 0, 10,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i)})
			},
			"Organization tasks limit reached (10 of 10 on the Free plan). Upgrade to Team to create more."},
		{"tasks per project (organization)", inAnOrg, true, 0, 5,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i), "project_id": s.project})
			},
			"Tasks per project limit reached (5 of 5 on the Free plan). Upgrade to Team to create more."},
		{"organization cloud storages", inAnOrg, false, 0, 10,
			func(s setup, i int) response { return s.b.do("POST", "/api/cloudstorages", limitStorage(i)) },
			"Organization cloud storages limit reached (10 of 10 on the Free plan). Upgrade to Team to create more."},
		{"organization members (the owner and pending invitations count)", inAnOrg, false, 1, 3,
			func(s setup, i int) response {
				return s.b.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": fmt.Sprintf("inv%d-%d@example.com", i, userSeq.Add(1))})
			},
			"Organization members limit reached (3 of 3 on the Free plan, pending invitations included). Upgrade to Team to invite more members."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.workspace(t, tc.withProject)
			s.b.t = t
			for i := tc.already; i < tc.limit; i++ {
				expect(t, tc.create(s, i), 201)
			}
			upgrade := "/billing/plans"
			if s.slug != "" {
				upgrade += "?org=" + s.slug
			}
			expectLimit(t, tc.create(s, tc.limit), tc.want, upgrade)
			// Refused twice: the refusal inserted nothing.
			expectLimit(t, tc.create(s, tc.limit+1), tc.want, upgrade)
		})
	}
}

// concurrentDo is browser.do for goroutines: errors are returned.
func concurrentDo(b *browser, method, path string, body any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(method, b.env.URL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.env.URL)
	req.Header.Set(csrfHeader, b.cookie(csrfCookie))
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// TestConcurrentCreatesStopAtTheLimit sends 50 creates at once against a
// limit of 10: exactly 10 rows, on SQLite and (GATEHOUSE_TEST_PG) PostgreSQL.
func TestConcurrentCreatesStopAtTheLimit(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		env := limitsEnv(t, db)
		personal, _, _ := env.registerUser("race")
		org, _, orgID := newOrg(t, env, "raceorg")
		for _, tc := range []struct {
			name  string
			b     *browser
			where string
			args  []any
		}{
			{"personal tasks", inOrg(personal, ""), "organization_id IS NULL AND owner_id = ?", []any{selfID(t, personal)}},
			{"organization tasks", org, "organization_id = ?", []any{orgID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				const tries = 50
				statuses := make(chan int, tries)
				var wg sync.WaitGroup
				for i := range tries {
					wg.Add(1)
					go func() {
						defer wg.Done()
						st, err := concurrentDo(tc.b, "POST", "/api/tasks", map[string]any{"name": fmt.Sprint("race ", i), "job_count": 0})
						if err != nil {
							t.Error(err)
						}
						statuses <- st
					}()
				}
				wg.Wait()
				close(statuses)
				byStatus := map[int]int{}
				for st := range statuses {
					byStatus[st]++
				}
				var n int64
				if err := db.Model(&models.Task{}).Where(tc.where, tc.args...).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				if n != 10 || byStatus[201] != 10 || byStatus[403] != tries-10 {
					t.Fatalf("%d rows, answers %v; want 10 rows, 10×201 and %d×403", n, byStatus, tries-10)
				}
			})
		}
	})
}

// subscribe stores a subscription the way billing does once it is paid.
func subscribe(t *testing.T, db *models.DB, plan string, seats int, user, org *uint64, now time.Time) *models.Subscription {
	t.Helper()
	s := &models.Subscription{PlanID: plan, Period: models.PeriodMonthly, Quantity: seats, Currency: "usd", UserID: user,
		OrganizationID: org, Status: models.SubActive, Provider: "manual", CurrentPeriodStart: now.AddDate(0, 0, -1),
		CurrentPeriodEnd: now.AddDate(0, 1, -1), CreatedAt: now, UpdatedAt: now}
	if err := db.Create(s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPaidPlansLiftTheirLimits: Solo lifts the personal workspace only,
// Team its organization only.
func TestPaidPlansLiftTheirLimits(t *testing.T) {
	env := limitsEnv(t, nil)
	now := env.clock.Now()
	b, _, _ := env.registerUser("solo")
	me := uint64(selfID(t, b))
	subscribe(t, env.db, "solo", 1, &me, nil, now)
	personal := inOrg(b, "")
	for i := range 12 {
		expect(t, personal.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i), "job_count": 0}), 201)
	}
	for i := range 2 {
		expect(t, b.do("POST", "/api/organizations", map[string]any{"slug": fmt.Sprintf("solo%d_%d", i, userSeq.Add(1))}), 201)
	}
	// An organization of a Solo user stays on the Free limits.
	slug := fmt.Sprint("soloorg", userSeq.Add(1))
	expect(t, b.do("POST", "/api/organizations", map[string]any{"slug": slug}), 201)
	inSolo := inOrg(b, slug)
	for i := range 5 {
		expect(t, inSolo.do("POST", "/api/projects", map[string]any{"name": fmt.Sprint("p", i)}), 201)
	}
	expectLimit(t, inSolo.do("POST", "/api/projects", map[string]any{"name": "p5"}),
		"Organization projects limit reached (5 of 5 on the Free plan). Upgrade to Team to create more.", "/billing/plans?org="+slug)

	owner, teamSlug, orgID := newOrg(t, env, "team")
	subscribe(t, env.db, "team", 5, nil, &orgID, now)
	for i := range 12 {
		expect(t, owner.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i), "job_count": 0}), 201)
	}
	_ = teamSlug
	// The Team owner's personal workspace stays on the Free limits.
	ownerPersonal := inWorkspace(owner, "")
	for i := range 5 {
		expect(t, ownerPersonal.do("POST", "/api/projects", map[string]any{"name": fmt.Sprint("p", i)}), 201)
	}
	expectLimit(t, ownerPersonal.do("POST", "/api/projects", map[string]any{"name": "p5"}),
		"Personal projects limit reached (5 of 5 on the Free plan). Upgrade to Solo to create more.", "/billing/plans")
}

var invitationSecret = regexp.MustCompile(`invitation=([A-Za-z0-9_-]+)`)

// mailedInvitationSecret reads the sign-up link's secret from the outbox.
func mailedInvitationSecret(t *testing.T, db *models.DB, email string) string {
	t.Helper()
	var m models.MailMessage
	if err := db.Where("to_addr = ?", email).Order("id DESC").First(&m).Error; err != nil {
		t.Fatalf("no mail to %s: %v", email, err)
	}
	match := invitationSecret.FindStringSubmatch(m.BodyText)
	if match == nil {
		t.Fatalf("no invitation link in %q", m.BodyText)
	}
	return match[1]
}

// TestSeats: a Team organization invites up to its seats (the owner is one,
// pending invitations hold one each), and nobody joins beyond them.
func TestSeats(t *testing.T) {
	env := limitsEnv(t, nil)
	now := env.clock.Now()
	owner, slug, orgID := newOrg(t, env, "seats")
	sub := subscribe(t, env.db, "team", 4, nil, &orgID, now)
	var keys []string
	var emails []string
	for i := range 3 {
		_, email := uniqueName("seat")
		emails = append(emails, email)
		r := owner.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": email})
		expect(t, r, 201)
		var inv struct{ Key string }
		decodeInto(t, r, &inv)
		keys = append(keys, inv.Key)
		_ = i
	}
	upgrade := "/billing/plans?org=" + slug
	expectLimit(t, owner.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": "one-too-many@example.com"}),
		"Seats limit reached (4 of 4 seats on the Team plan, pending invitations included). Add seats on the organization's billing page.", upgrade)

	// The seats go down to 2: the owner and one member.
	if err := env.db.Model(sub).Update("quantity", 2).Error; err != nil {
		t.Fatal(err)
	}
	joiner := func(i int) *browser {
		b := env.browser()
		b.do("GET", "/api/server/about", nil)
		name := strings.TrimSuffix(emails[i], "@example.com")
		expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": emails[i], "password1": goodPassword, "password2": goodPassword}), 201)
		return b
	}
	expect(t, joiner(0).do("POST", "/api/invitations/"+keys[0]+"/accept", nil), 200)
	full := "Seats limit reached (2 of 2 seats on the Team plan). Add seats on the organization's billing page, or ask the organization's owner to."
	expectLimit(t, joiner(1).do("POST", "/api/invitations/"+keys[1]+"/accept", nil), full, upgrade)
	// Signing up from the link is joining too.
	b := env.browser()
	b.do("GET", "/api/server/about", nil)
	r := b.do("POST", "/api/auth/register", map[string]any{"username": "seatlink" + fmt.Sprint(userSeq.Add(1)), "email": emails[2],
		"password1": goodPassword, "password2": goodPassword, "invitation": mailedInvitationSecret(t, env.db, emails[2])})
	expectLimit(t, r, full, upgrade)
	var members int64
	if err := env.db.Model(&models.Membership{}).Where("organization_id = ?", orgID).Count(&members).Error; err != nil {
		t.Fatal(err)
	}
	if members != 2 {
		t.Fatalf("%d members, want 2", members)
	}
}

// TestFreeMembersOnAccept: accepting is refused when the Free organization
// is full, whatever was invited before.
func TestFreeMembersOnAccept(t *testing.T) {
	env := limitsEnv(t, nil)
	owner, slug, orgID := newOrg(t, env, "freeacc")
	var accept []func() response
	for range 2 {
		b, _, email := env.registerUser("freeacc")
		r := owner.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": email})
		expect(t, r, 201)
		var inv struct{ Key string }
		decodeInto(t, r, &inv)
		accept = append(accept, func() response { return b.do("POST", "/api/invitations/"+inv.Key+"/accept", nil) })
	}
	// A member added behind the invitations' back (an admin, a lower plan file) fills the organization.
	extra, _, _ := env.registerUser("freeacc")
	if err := env.db.Create(&models.Membership{UserID: uint64(selfID(t, extra)), OrganizationID: orgID, Role: models.OrgWorker, IsActive: true}).Error; err != nil {
		t.Fatal(err)
	}
	expect(t, accept[0](), 200)
	expectLimit(t, accept[1](), "Organization members limit reached (3 of 3 on the Free plan). The organization's owner can upgrade it to Team to let more members join.",
		"/billing/plans?org="+slug)
}

// TestTransfersRespectTheDestination: moving a project (with its tasks) or
// a task into a workspace is refused when the destination would pass a
// limit, and leaves everything where it was.
func TestTransfersRespectTheDestination(t *testing.T) {
	env := limitsEnv(t, nil)
	owner, slug, orgID := newOrg(t, env, "move")
	for i := range 8 {
		expect(t, owner.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("t", i), "job_count": 0}), 201)
	}
	personal := inWorkspace(owner, "")
	p := rsCreate(t, personal, "/api/projects", map[string]any{"name": "Mine"})
	for i := range 3 {
		expect(t, personal.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("pt", i), "project_id": p.ID, "job_count": 0}), 201)
	}
	upgrade := "/billing/plans?org=" + slug
	expectLimit(t, personal.do("PATCH", rsPath("projects", p.ID), map[string]any{"organization_id": orgID}),
		"Organization tasks limit reached (8 of 10 on the Free plan, this adds 3). Upgrade to Team to move more here.", upgrade)
	var moved int64
	if err := env.db.Model(&models.Task{}).Where("project_id = ? AND organization_id IS NOT NULL", p.ID).Count(&moved).Error; err != nil {
		t.Fatal(err)
	}
	if moved != 0 {
		t.Fatalf("%d tasks moved with a refused transfer", moved)
	}
	// Two loose tasks fit; the third does not.
	for i := range 3 {
		tk := rsCreate(t, personal, "/api/tasks", map[string]any{"name": fmt.Sprint("loose", i), "job_count": 0})
		r := personal.do("PATCH", rsPath("tasks", tk.ID), map[string]any{"organization_id": orgID})
		if i < 2 {
			expect(t, r, 200)
			continue
		}
		expectLimit(t, r, "Organization tasks limit reached (10 of 10 on the Free plan). Upgrade to Team to move more here.", upgrade)
	}
	// Into a personal workspace: a project whose tasks per project are over
	// the Free limit cannot arrive there.
	big := rsCreate(t, owner, "/api/projects", map[string]any{"name": "Big"})
	subscribe(t, env.db, "team", 3, nil, &orgID, env.clock.Now())
	for i := range 6 {
		expect(t, owner.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("bt", i), "project_id": big.ID, "job_count": 0}), 201)
	}
	expectLimit(t, owner.do("PATCH", rsPath("projects", big.ID), map[string]any{"organization_id": nil}),
		"Tasks per project limit reached (the project has 6 tasks, 5 allowed on the Free plan). Upgrade to Solo to move more here.", "/billing/plans")
	// Adding a task to a full project is refused like creating one there.
	for i := range 2 {
		expect(t, personal.do("POST", "/api/tasks", map[string]any{"name": fmt.Sprint("pt+", i), "project_id": p.ID, "job_count": 0}), 201)
	}
	tk := rsCreate(t, personal, "/api/tasks", map[string]any{"name": "outside", "job_count": 0})
	expectLimit(t, personal.do("PATCH", rsPath("tasks", tk.ID), map[string]any{"project_id": p.ID}),
		"Tasks per project limit reached (5 of 5 on the Free plan). Upgrade to Solo to add more.", "/billing/plans")
}

// TestReadOnlyAfterCancel: once its subscription ended, a workspace that
// holds more than Free allows refuses changes (reads and deletes work) until
// it is back under the limits.
func TestReadOnlyAfterCancel(t *testing.T) {
	env := limitsEnv(t, nil)
	now := env.clock.Now()
	owner, slug, orgID := newOrg(t, env, "ro")
	sub := subscribe(t, env.db, "team", 3, nil, &orgID, now)
	var tasks []rsObject
	for i := range 12 {
		tasks = append(tasks, rsCreate(t, owner, "/api/tasks", map[string]any{"name": fmt.Sprint("t", i)}))
	}
	cs := rsCreate(t, owner, "/api/cloudstorages", limitStorage(1))
	ended := now.Add(-time.Hour)
	if err := env.db.Model(sub).Updates(map[string]any{"status": models.SubCancelled, "ended_at": ended}).Error; err != nil {
		t.Fatal(err)
	}
	readOnly := "Read-only: the subscription of this organization was cancelled and it holds more than the Free plan allows (organization tasks 12 of 10). " +
		"Delete what is over the limits or renew the subscription to make changes."
	upgrade := "/billing/plans?org=" + slug
	expectLimit(t, owner.do("PATCH", rsPath("tasks", tasks[0].ID), map[string]any{"name": "renamed"}), readOnly, upgrade)
	expectLimit(t, owner.do("PATCH", rsPath("cloudstorages", cs.ID), map[string]any{"display_name": "renamed"}), readOnly, upgrade)
	var job struct {
		Results []struct{ ID uint64 } `json:"results"`
	}
	r := owner.do("GET", fmt.Sprintf("/api/jobs?task_id=%d", tasks[0].ID), nil)
	expect(t, r, 200)
	decodeInto(t, r, &job)
	if len(job.Results) == 0 {
		t.Fatalf("no job in %s", r.Body)
	}
	expectLimit(t, owner.do("PATCH", rsPath("jobs", job.Results[0].ID), map[string]any{"state": "in progress"}), readOnly, upgrade)
	expectLimit(t, owner.do("POST", "/api/projects", map[string]any{"name": "new"}), readOnly, upgrade)
	// Reads, deletes and moving things out go on.
	expect(t, owner.do("GET", rsPath("tasks", tasks[0].ID), nil), 200)
	expect(t, owner.do("GET", "/api/tasks?page_size=all", nil), 200, `"count":12`)
	expect(t, owner.do("PATCH", rsPath("tasks", tasks[11].ID), map[string]any{"organization_id": nil}), 200, `"organization":null`)
	expect(t, owner.do("DELETE", rsPath("tasks", tasks[10].ID), nil), 204)
	// Back at the Free limits, the workspace is writable again (but full).
	expect(t, owner.do("PATCH", rsPath("tasks", tasks[0].ID), map[string]any{"name": "renamed"}), 200, `"name":"renamed"`)
	expectLimit(t, owner.do("POST", "/api/tasks", map[string]any{"name": "one more"}),
		"Organization tasks limit reached (10 of 10 on the Free plan). Upgrade to Team to create more.", upgrade)

	// A cancelled Solo plan makes the personal workspace read-only the same way.
	b, _, _ := env.registerUser("rosolo")
	me := uint64(selfID(t, b))
	solo := subscribe(t, env.db, "solo", 1, &me, nil, now)
	personal := inWorkspace(b, "")
	var projects []rsObject
	for i := range 6 {
		projects = append(projects, rsCreate(t, personal, "/api/projects", map[string]any{"name": fmt.Sprint("p", i)}))
	}
	if err := env.db.Model(solo).Updates(map[string]any{"status": models.SubCancelled, "ended_at": ended}).Error; err != nil {
		t.Fatal(err)
	}
	expectLimit(t, personal.do("PATCH", rsPath("projects", projects[0].ID), map[string]any{"name": "renamed"}),
		"Read-only: the subscription of your personal workspace was cancelled and it holds more than the Free plan allows (personal projects 6 of 5). "+
			"Delete what is over the limits or renew the subscription to make changes.", "/billing/plans")
	expect(t, personal.do("DELETE", rsPath("projects", projects[5].ID), nil), 204)
	expect(t, personal.do("PATCH", rsPath("projects", projects[0].ID), map[string]any{"name": "renamed"}), 200)
}

// TestInvitingAMemberAtTheLimit: an address that is already a member (or
// already invited) gets that answer, not the plan's limit, when the
// organization is full.
func TestInvitingAMemberAtTheLimit(t *testing.T) {
	env := limitsEnv(t, nil)
	owner, _, _ := newOrg(t, env, "fullinv")
	var invited string
	for range 2 { // the owner and two pending invitations: 3 of 3
		_, email := uniqueName("fullinv")
		expect(t, owner.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": email}), 201)
		invited = email
	}
	var self struct{ Email string }
	r := owner.do("GET", "/api/users/self", nil)
	expect(t, r, 200)
	decodeInto(t, r, &self)
	tests := []struct {
		name, email, want string
		status            int
	}{
		{"the owner", self.Email, "already a member", 400},
		{"already invited", invited, "already has a pending invitation", 400},
		{"someone new", "newcomer-full@example.com", "Organization members limit reached", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, owner.do("POST", "/api/invitations", map[string]any{"role": "worker", "email": tc.email}), tc.status, tc.want)
		})
	}
}
