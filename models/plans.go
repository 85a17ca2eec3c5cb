package models

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Unlimited is the value of a limit that does not apply.
const Unlimited = -1

// Plan scopes: what a paid plan lifts.
const (
	ScopePersonal     = "personal"     // one user's personal workspace
	ScopeOrganization = "organization" // one organization (priced per seat)
)

// Limits bound what a workspace on a plan may hold; -1 = unlimited.
type Limits struct {
	PersonalTasks         int `json:"personal_tasks"`
	PersonalProjects      int `json:"personal_projects"`
	TasksPerProject       int `json:"tasks_per_project"`
	OwnedOrgs             int `json:"owned_orgs"`
	PersonalCloudStorages int `json:"personal_cloud_storages"`
	OrgTasks              int `json:"org_tasks"`
	OrgProjects           int `json:"org_projects"`
	OrgCloudStorages      int `json:"org_cloud_storages"`
	OrgMembers            int `json:"org_members"`
}

// limitKeys are the YAML/JSON names of the limits, in order, with their fields.
var limitKeys = []struct {
	key   string
	field func(*Limits) *int
}{
	{"personal_tasks", func(l *Limits) *int { return &l.PersonalTasks }},
	{"personal_projects", func(l *Limits) *int { return &l.PersonalProjects }},
	{"tasks_per_project", func(l *Limits) *int { return &l.TasksPerProject }},
	{"owned_orgs", func(l *Limits) *int { return &l.OwnedOrgs }},
	{"personal_cloud_storages", func(l *Limits) *int { return &l.PersonalCloudStorages }},
	{"org_tasks", func(l *Limits) *int { return &l.OrgTasks }},
	{"org_projects", func(l *Limits) *int { return &l.OrgProjects }},
	{"org_cloud_storages", func(l *Limits) *int { return &l.OrgCloudStorages }},
	{"org_members", func(l *Limits) *int { return &l.OrgMembers }},
}

// DefaultFreeLimits are the Free plan's limits of the built-in catalog.
var DefaultFreeLimits = Limits{
	PersonalTasks: 10, PersonalProjects: 5, TasksPerProject: 5, OwnedOrgs: 1, PersonalCloudStorages: 10,
	OrgTasks: 10, OrgProjects: 5, OrgCloudStorages: 10, OrgMembers: 3,
}

// UnlimitedLimits has every limit lifted.
var UnlimitedLimits = Limits{-1, -1, -1, -1, -1, -1, -1, -1, -1}

// Plan is one entry of the catalog. Prices are integer cents; when PerSeat
// they are per seat.
type Plan struct {
	ID           string `json:"id"` // "free" | "solo" | "team" (custom ids allowed in a plans file)
	Name         string `json:"name"`
	Description  string `json:"description"`
	MonthlyCents int64  `json:"monthly_cents"`
	AnnualCents  int64  `json:"annual_cents"` // price of a whole year
	PerSeat      bool   `json:"per_seat"`
	Scope        string `json:"scope"` // "personal" | "organization" | "" (free)
	Limits       Limits `json:"limits"`
}

// IsFree tells the free plan apart.
func (p Plan) IsFree() bool { return p.ID == FreePlanID }

// PriceCents is the price of one unit (seat, or the plan) for a period.
func (p Plan) PriceCents(period string) int64 {
	if period == PeriodAnnual {
		return p.AnnualCents
	}
	return p.MonthlyCents
}

// Billing periods.
const (
	PeriodMonthly = "monthly"
	PeriodAnnual  = "annual"
)

// FreePlanID is the id of the plan every workspace is on without a subscription.
const FreePlanID = "free"

// Catalog is the set of plans on offer. It is immutable once built.
type Catalog struct {
	Currency string
	plans    []Plan
}

// DefaultCatalog is the built-in catalog: Free, Solo and Team in US dollars.
// Annual prices are 30% below twelve months.
func DefaultCatalog() *Catalog {
	return &Catalog{Currency: "usd", plans: []Plan{
		{ID: "free", Name: "Free", Description: "For trying things out: small personal and organization workspaces.",
			Limits: DefaultFreeLimits},
		{ID: "solo", Name: "Solo", Description: "One person: lifts the limits of your personal workspace. Organizations stay on Free limits.",
			MonthlyCents: 3300, AnnualCents: 27720, Scope: ScopePersonal,
			Limits: Limits{PersonalTasks: -1, PersonalProjects: -1, TasksPerProject: -1, OwnedOrgs: -1, PersonalCloudStorages: -1,
				OrgTasks: DefaultFreeLimits.OrgTasks, OrgProjects: DefaultFreeLimits.OrgProjects,
				OrgCloudStorages: DefaultFreeLimits.OrgCloudStorages, OrgMembers: DefaultFreeLimits.OrgMembers}},
		{ID: "team", Name: "Team", Description: "One organization: lifts its limits. Priced per seat; the owner is a seat.",
			MonthlyCents: 3300, AnnualCents: 27720, PerSeat: true, Scope: ScopeOrganization,
			Limits: Limits{PersonalTasks: DefaultFreeLimits.PersonalTasks, PersonalProjects: DefaultFreeLimits.PersonalProjects,
				TasksPerProject: -1, OwnedOrgs: DefaultFreeLimits.OwnedOrgs, PersonalCloudStorages: DefaultFreeLimits.PersonalCloudStorages,
				OrgTasks: -1, OrgProjects: -1, OrgCloudStorages: -1, OrgMembers: -1}},
	}}
}

// Free returns the free plan.
func (c *Catalog) Free() Plan {
	p, _ := c.Plan(FreePlanID)
	return p
}

// Plan finds a plan by id.
func (c *Catalog) Plan(id string) (Plan, bool) {
	for _, p := range c.plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// Plans lists the plans in catalog order (a copy).
func (c *Catalog) Plans() []Plan { return slices.Clone(c.plans) }

// LoadCatalog reads a plans file. The YAML is strict: unknown keys, wrong
// types and bad values are errors, one line per problem naming its key path.
//
//	currency: usd
//	plans:
//	  - id: free
//	    name: Free
//	    limits: {personal_tasks: 10, ...}   # keys left out keep the built-in Free value
//	  - id: solo
//	    name: Solo
//	    scope: personal
//	    monthly_cents: 3300
//	    annual_cents: 27720
//	    limits: {...}                        # keys left out are unlimited (-1)
func LoadCatalog(path string) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("plans file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return nil, fmt.Errorf("plans file %s: %w", path, err)
	}
	if len(data) > 1<<20 {
		return nil, fmt.Errorf("plans file %s: larger than 1 MiB", path)
	}
	c, err := ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("plans file %s:\n%w", path, err)
	}
	return c, nil
}

// CatalogError lists every problem of a plans file.
type CatalogError struct{ Problems []string }

func (e *CatalogError) Error() string { return strings.Join(e.Problems, "\n") }

var planIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ParseCatalog parses and validates the YAML of a plans file.
func ParseCatalog(data []byte) (*Catalog, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &CatalogError{Problems: []string{"(root): the file is empty; want a mapping with plans"}}
		}
		return nil, &CatalogError{Problems: []string{"(root): not valid YAML: " + err.Error()}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &CatalogError{Problems: []string{"(root): want one YAML document, found several"}}
	}
	p := &catalogParser{}
	c := p.root(&doc)
	if len(p.problems) > 0 {
		return nil, &CatalogError{Problems: p.problems}
	}
	return c, nil
}

type catalogParser struct{ problems []string }

func (p *catalogParser) addf(path string, n *yaml.Node, format string, args ...any) {
	where := path
	if n != nil && n.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", path, n.Line)
	}
	if len(p.problems) < 100 {
		p.problems = append(p.problems, where+": "+fmt.Sprintf(format, args...))
	}
}

// mapping returns the key/value pairs of a mapping node, reporting unknown
// and repeated keys.
func (p *catalogParser) mapping(path string, n *yaml.Node, known ...string) map[string]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		p.addf(path, n, "aliases are not supported")
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.addf(path, n, "want a mapping")
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		kp := join(path, name)
		if k.Kind != yaml.ScalarNode {
			p.addf(path, k, "keys must be plain names")
			continue
		}
		if !slices.Contains(known, name) {
			p.addf(kp, k, "unknown key (known: %s)", strings.Join(known, ", "))
			continue
		}
		if _, dup := out[name]; dup {
			p.addf(kp, k, "key given twice")
			continue
		}
		out[name] = v
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (p *catalogParser) str(path string, n *yaml.Node, max int) (string, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" && n.Tag != "!!bool") {
		p.addf(path, n, "want a string")
		return "", false
	}
	s := strings.TrimSpace(n.Value)
	if len([]rune(s)) > max {
		p.addf(path, n, "longer than %d characters", max)
		return "", false
	}
	return s, true
}

func (p *catalogParser) integer(path string, n *yaml.Node, min, max int64) (int64, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.addf(path, n, "want an integer, got %q", short(n.Value))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < min || v > max {
		p.addf(path, n, "want an integer from %d to %d, got %q", min, max, short(n.Value))
		return 0, false
	}
	return v, true
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

const maxPriceCents = 100_000_000 // $1,000,000 per unit and period

func (p *catalogParser) root(doc *yaml.Node) *Catalog {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		p.addf("(root)", doc, "want a mapping with plans")
		return nil
	}
	m := p.mapping("", doc.Content[0], "currency", "plans")
	if m == nil {
		if len(p.problems) == 0 {
			p.addf("(root)", doc.Content[0], "want a mapping")
		}
		return nil
	}
	c := &Catalog{Currency: "usd"}
	if n, ok := m["currency"]; ok {
		if s, ok := p.str("currency", n, 3); ok {
			if !regexp.MustCompile(`^[a-z]{3}$`).MatchString(s) {
				p.addf("currency", n, "want a three-letter lower-case ISO 4217 code such as usd")
			} else {
				c.Currency = s
			}
		}
	}
	plans, ok := m["plans"]
	if !ok {
		p.addf("plans", nil, "missing: list the plans, the free plan first")
		return nil
	}
	if plans.Kind != yaml.SequenceNode {
		p.addf("plans", plans, "want a list of plans")
		return nil
	}
	seen := map[string]bool{}
	for i, n := range plans.Content {
		path := fmt.Sprintf("plans[%d]", i)
		pl, ok := p.plan(path, n)
		if !ok {
			continue
		}
		if seen[pl.ID] {
			p.addf(path+".id", n, "plan %q given twice", pl.ID)
			continue
		}
		seen[pl.ID] = true
		c.plans = append(c.plans, pl)
	}
	if len(p.problems) == 0 && !seen[FreePlanID] {
		p.addf("plans", plans, "no plan with id %q: the catalog needs a free plan", FreePlanID)
	}
	return c
}

func (p *catalogParser) plan(path string, n *yaml.Node) (Plan, bool) {
	before := len(p.problems)
	m := p.mapping(path, n, "id", "name", "description", "scope", "per_seat", "monthly_cents", "annual_cents", "limits")
	if m == nil {
		return Plan{}, false
	}
	var pl Plan
	if v, ok := m["id"]; !ok {
		p.addf(path+".id", n, "missing")
	} else if s, ok := p.str(path+".id", v, 32); ok {
		if !planIDPattern.MatchString(s) {
			p.addf(path+".id", v, "want lower-case letters, digits, - or _, starting with a letter")
		}
		pl.ID = s
	}
	if v, ok := m["name"]; !ok {
		p.addf(path+".name", n, "missing")
	} else if s, ok := p.str(path+".name", v, 64); ok {
		if s == "" {
			p.addf(path+".name", v, "must not be empty")
		}
		pl.Name = s
	}
	if v, ok := m["description"]; ok {
		pl.Description, _ = p.str(path+".description", v, 500)
	}
	if v, ok := m["scope"]; ok {
		if s, ok := p.str(path+".scope", v, 16); ok {
			if s != ScopePersonal && s != ScopeOrganization {
				p.addf(path+".scope", v, "want personal or organization")
			}
			pl.Scope = s
		}
	}
	if v, ok := m["per_seat"]; ok {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			p.addf(path+".per_seat", v, "want true or false")
		} else {
			pl.PerSeat = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		}
	}
	if v, ok := m["monthly_cents"]; ok {
		pl.MonthlyCents, _ = p.integer(path+".monthly_cents", v, 0, maxPriceCents)
	}
	if v, ok := m["annual_cents"]; ok {
		pl.AnnualCents, _ = p.integer(path+".annual_cents", v, 0, 12*maxPriceCents)
	}
	free := pl.ID == FreePlanID
	if free {
		pl.Limits = DefaultFreeLimits
	} else {
		pl.Limits = UnlimitedLimits
	}
	if v, ok := m["limits"]; ok {
		keys := make([]string, len(limitKeys))
		for i, k := range limitKeys {
			keys[i] = k.key
		}
		lm := p.mapping(path+".limits", v, keys...)
		for _, k := range limitKeys {
			if lv, ok := lm[k.key]; ok {
				if x, ok := p.integer(path+".limits."+k.key, lv, -1, 1_000_000_000); ok {
					*k.field(&pl.Limits) = int(x)
				}
			}
		}
	}
	if len(p.problems) > before {
		return pl, false
	}
	// Cross-field rules, once the fields themselves are sound.
	switch {
	case free:
		if pl.Scope != "" || pl.PerSeat || pl.MonthlyCents != 0 || pl.AnnualCents != 0 {
			p.addf(path, n, "the free plan has no scope, per_seat or prices")
		}
	default:
		if pl.Scope == "" {
			p.addf(path+".scope", n, "missing: want personal or organization")
		}
		if pl.PerSeat && pl.Scope != ScopeOrganization {
			p.addf(path+".per_seat", n, "only organization plans are priced per seat")
		}
		if pl.MonthlyCents <= 0 {
			p.addf(path+".monthly_cents", n, "a paid plan needs a monthly price above 0")
		}
		if pl.AnnualCents <= 0 {
			p.addf(path+".annual_cents", n, "a paid plan needs an annual price above 0")
		} else if pl.MonthlyCents > 0 {
			year := 12 * pl.MonthlyCents
			if pl.AnnualCents > year {
				p.addf(path+".annual_cents", n, "%d is more than twelve monthly payments (%d)", pl.AnnualCents, year)
			} else if pl.AnnualCents*10 < year*7 {
				p.addf(path+".annual_cents", n, "%d is more than 30%% below twelve monthly payments (%d)", pl.AnnualCents, year)
			}
		}
	}
	return pl, len(p.problems) == before
}
