package models_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/models"
)

func TestDefaultCatalog(t *testing.T) {
	c := models.DefaultCatalog()
	free := c.Free()
	if free.ID != "free" || free.Limits != models.DefaultFreeLimits {
		t.Fatalf("free plan = %+v", free)
	}
	want := models.Limits{PersonalTasks: 10, PersonalProjects: 5, TasksPerProject: 5, OwnedOrgs: 1,
		PersonalCloudStorages: 10, OrgTasks: 10, OrgProjects: 5, OrgCloudStorages: 10, OrgMembers: 3}
	if free.Limits != want {
		t.Fatalf("free limits %+v, want %+v", free.Limits, want)
	}
	solo, ok := c.Plan("solo")
	if !ok || solo.Scope != models.ScopePersonal || solo.PerSeat || solo.Limits.PersonalTasks != -1 || solo.Limits.OrgMembers != 3 {
		t.Fatalf("solo = %+v", solo)
	}
	team, ok := c.Plan("team")
	if !ok || team.Scope != models.ScopeOrganization || !team.PerSeat || team.Limits.OrgMembers != -1 {
		t.Fatalf("team = %+v", team)
	}
	for _, p := range c.Plans()[1:] {
		year := 12 * p.MonthlyCents
		if p.AnnualCents > year || p.AnnualCents*10 < year*7 {
			t.Errorf("%s: annual %d not within 30%% below %d", p.ID, p.AnnualCents, year)
		}
	}
	if _, ok := c.Plan("gold"); ok {
		t.Fatal("unknown plan found")
	}
}

const goodPlans = `
currency: eur
plans:
  - id: free
    name: Free
    limits: {personal_tasks: 3}
  - id: solo
    name: Solo
    scope: personal
    monthly_cents: 1000
    annual_cents: 9600
  - id: team
    name: Team
    scope: organization
    per_seat: true
    monthly_cents: 2000
    annual_cents: 20000
    limits: {org_members: 50}
`

func TestParseCatalogGood(t *testing.T) {
	c, err := models.ParseCatalog([]byte(goodPlans))
	if err != nil {
		t.Fatal(err)
	}
	if c.Currency != "eur" || len(c.Plans()) != 3 {
		t.Fatalf("catalog %+v", c)
	}
	free := c.Free()
	if free.Limits.PersonalTasks != 3 || free.Limits.OrgMembers != 3 {
		t.Fatalf("free limits: given key must apply, missing keys keep the defaults: %+v", free.Limits)
	}
	team, _ := c.Plan("team")
	if team.Limits.OrgMembers != 50 || team.Limits.OrgTasks != -1 || !team.PerSeat {
		t.Fatalf("team %+v", team)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string // each must appear on its own line
	}{
		{"empty", ``, []string{"(root): the file is empty"}},
		{"not a mapping", `- a`, []string{"want a mapping"}},
		{"unknown top key", "plans: []\nextra: 1\n", []string{"extra (line 2): unknown key"}},
		{"no free plan", "plans: []\n", []string{`no plan with id "free"`}},
		{"unknown plan key", "plans:\n  - id: free\n    name: Free\n    colour: red\n", []string{"plans[0].colour (line 4): unknown key"}},
		{"unknown limit key", "plans:\n  - id: free\n    name: Free\n    limits: {org_tasks: 1, seats: 2}\n", []string{"plans[0].limits.seats (line 4): unknown key"}},
		{"bad limit type", "plans:\n  - id: free\n    name: Free\n    limits: {org_tasks: many}\n", []string{`plans[0].limits.org_tasks (line 4): want an integer, got "many"`}},
		{"limit below -1", "plans:\n  - id: free\n    name: Free\n    limits: {org_tasks: -2}\n", []string{"plans[0].limits.org_tasks (line 4): want an integer from -1"}},
		{"two problems two lines", "plans:\n  - id: free\n    name: Free\n  - id: Solo!\n    scope: galaxy\n", []string{
			"plans[1].id (line 4): want lower-case letters", "plans[1].name (line 4): missing", "plans[1].scope (line 5): want personal or organization"}},
		{"duplicate id", "plans:\n  - {id: free, name: Free}\n  - {id: free, name: Again}\n", []string{`plans[1].id (line 3): plan "free" given twice`}},
		{"annual too cheap", "plans:\n  - {id: free, name: Free}\n  - {id: solo, name: Solo, scope: personal, monthly_cents: 1000, annual_cents: 5000}\n", []string{"plans[1].annual_cents (line 3): 5000 is more than 30% below"}},
		{"annual too dear", "plans:\n  - {id: free, name: Free}\n  - {id: solo, name: Solo, scope: personal, monthly_cents: 1000, annual_cents: 13000}\n", []string{"more than twelve monthly payments"}},
		{"per seat personal", "plans:\n  - {id: free, name: Free}\n  - {id: solo, name: Solo, scope: personal, per_seat: true, monthly_cents: 1000, annual_cents: 10000}\n", []string{"plans[1].per_seat (line 3): only organization plans"}},
		{"priced free", "plans:\n  - {id: free, name: Free, monthly_cents: 5}\n", []string{"plans[0] (line 2): the free plan has no scope"}},
		{"paid without price", "plans:\n  - {id: free, name: Free}\n  - {id: x, name: X, scope: personal}\n", []string{"plans[1].monthly_cents (line 3): a paid plan needs", "plans[1].annual_cents (line 3): a paid plan needs"}},
		{"bad currency", "currency: dollars\nplans: []\n", []string{"currency (line 1): longer than 3"}},
		{"two documents", "plans: []\n---\nplans: []\n", []string{"want one YAML document"}},
		{"duplicate key", "plans: []\nplans: []\n", []string{"plans (line 2): key given twice"}},
		{"bad yaml", "plans: [\n", []string{"not valid YAML"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := models.ParseCatalog([]byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					if strings.Contains(l, w) {
						found = true
					}
				}
				if !found {
					t.Errorf("error lines %q lack %q", lines, w)
				}
			}
		})
	}
}

func TestLoadCatalogFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "plans.yaml")
	if err := os.WriteFile(good, []byte(goodPlans), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := models.LoadCatalog(good); err != nil || c.Currency != "eur" {
		t.Fatalf("LoadCatalog = %v, %v", c, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("plans:\n  - {id: free, name: Free, bogus: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := models.LoadCatalog(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "plans[0].bogus") {
		t.Fatalf("bad file error = %v", err)
	}
	if _, err := models.LoadCatalog(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file accepted")
	}
}

// FuzzLoadCatalog: the parser never panics, and whatever it accepts is a
// sound catalog (a free plan, limits >= -1, paid plans priced and scoped).
func FuzzLoadCatalog(f *testing.F) {
	f.Add([]byte(goodPlans))
	f.Add([]byte("plans:\n  - {id: free, name: Free}\n"))
	f.Add([]byte("plans: *a\n"))
	f.Add([]byte("plans:\n  - &x {id: free, name: Free}\n  - *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := models.ParseCatalog(data)
		if err != nil {
			if c != nil {
				t.Fatal("catalog with an error")
			}
			return
		}
		if c.Free().ID != "free" {
			t.Fatal("accepted a catalog without a free plan")
		}
		for _, p := range c.Plans() {
			l := p.Limits
			for _, v := range []int{l.PersonalTasks, l.PersonalProjects, l.TasksPerProject, l.OwnedOrgs, l.PersonalCloudStorages, l.OrgTasks, l.OrgProjects, l.OrgCloudStorages, l.OrgMembers} {
				if v < -1 {
					t.Fatalf("limit %d accepted", v)
				}
			}
			if !p.IsFree() && (p.MonthlyCents <= 0 || p.AnnualCents <= 0 || p.Scope == "") {
				t.Fatalf("unsound paid plan accepted: %+v", p)
			}
		}
	})
}
