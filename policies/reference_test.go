package policies

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The permission tables of reference/permissions: one row a rule.

// refRule is one CSV row with its comma lists split.
type refRule struct {
	line       int
	scope      string
	context    string   // "sandbox", "organization" or "na"
	ownership  []string // lower case; ["na"] when not applicable
	limit      string
	privilege  string // lowest global role that passes
	membership string // lowest organization role that passes, or "na"
	strict     bool   // the privilege must be exactly this one
}

var (
	privilegeOrder = []string{"none", "worker", "user", "admin"}
	roleOrder      = []string{"worker", "supervisor", "maintainer", "owner"}
)

// referencePermissionsDir finds reference/permissions: $GATEHOUSE_REFERENCE_DIR
// (the reference folder or its permissions folder), else shared/reference/
// permissions beside one of this package's parent folders.
func referencePermissionsDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("GATEHOUSE_REFERENCE_DIR"); d != "" {
		for _, c := range []string{filepath.Join(d, "permissions"), d} {
			if _, err := os.Stat(filepath.Join(c, "users.csv")); err == nil {
				return c
			}
		}
		t.Fatalf("GATEHOUSE_REFERENCE_DIR=%s holds no permissions/users.csv", d)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "reference", "permissions")
		if _, err := os.Stat(filepath.Join(c, "users.csv")); err == nil {
			return c
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Fatalf("reference permission tables not found: set GATEHOUSE_REFERENCE_DIR or lay shared/reference/permissions beside the repository (searched up from %s)", wd)
	return ""
}

func loadReference(t testing.TB, resource string) []refRule {
	t.Helper()
	path := filepath.Join(referencePermissionsDir(t), resource+".csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(records) < 2 {
		t.Fatalf("%s: no rows", path)
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"scope", "context", "ownership", "limit", "privilege", "membership"} {
		if _, ok := col[need]; !ok {
			t.Fatalf("%s: no %q column", path, need)
		}
	}
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "n/a" {
			return "na"
		}
		return s
	}
	var rules []refRule
	for i, rec := range records[1:] {
		r := refRule{
			line:       i + 2,
			scope:      strings.TrimSpace(rec[col["scope"]]),
			context:    norm(rec[col["context"]]),
			limit:      strings.TrimSpace(rec[col["limit"]]),
			privilege:  norm(rec[col["privilege"]]),
			membership: norm(rec[col["membership"]]),
		}
		for _, o := range strings.Split(rec[col["ownership"]], ",") {
			r.ownership = append(r.ownership, norm(o))
		}
		if c, ok := col["strict_privilege"]; ok {
			r.strict = norm(rec[c]) == "true"
		}
		if !slices.Contains(privilegeOrder, r.privilege) {
			t.Fatalf("%s:%d: unknown privilege %q", path, r.line, r.privilege)
		}
		if r.membership != "na" && !slices.Contains(roleOrder, r.membership) {
			t.Fatalf("%s:%d: unknown membership %q", path, r.line, r.membership)
		}
		if !slices.Contains([]string{"sandbox", "organization", "na"}, r.context) {
			t.Fatalf("%s:%d: unknown context %q", path, r.line, r.context)
		}
		rules = append(rules, r)
	}
	return rules
}

// passes tells whether a caller with privilege and role (nil: not a member)
// in context, holding ownership, passes the row for resource res.
func (r refRule) passes(t testing.TB, context, privilege string, role *string, ownership string, res map[string]any) bool {
	if r.context != "na" && r.context != context {
		return false
	}
	if !slices.Contains(r.ownership, "na") && !slices.Contains(r.ownership, ownership) {
		return false
	}
	if r.membership != "na" {
		if role == nil || slices.Index(roleOrder, *role) < slices.Index(roleOrder, r.membership) {
			return false
		}
	}
	if r.strict {
		if privilege != r.privilege {
			return false
		}
	} else if slices.Index(privilegeOrder, privilege) < slices.Index(privilegeOrder, r.privilege) {
		return false
	}
	if r.limit != "" {
		ok, err := evalLimit(r.limit, res)
		if err != nil {
			t.Fatalf("line %d: limit %q: %v", r.line, r.limit, err)
		}
		return ok
	}
	return true
}

// The Limit column holds Python expressions of three forms:
// resource["a"]["b"] != "x" | != None, resource["a"] not in ["x", "y"].
var limitRE = regexp.MustCompile(`^resource((?:\["[a-z_]+"\])+)\s*(==|!=|not in|in)\s*(.+)$`)
var limitKeyRE = regexp.MustCompile(`\["([a-z_]+)"\]`)
var limitStrRE = regexp.MustCompile(`"([^"]*)"`)

func evalLimit(expr string, res map[string]any) (bool, error) {
	m := limitRE.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return false, fmt.Errorf("unsupported limit expression")
	}
	var v any = res
	for _, k := range limitKeyRE.FindAllStringSubmatch(m[1], -1) {
		obj, ok := v.(map[string]any)
		if !ok {
			return false, fmt.Errorf("resource has no %q", k[1])
		}
		v = obj[k[1]]
	}
	rhs := strings.TrimSpace(m[3])
	switch m[2] {
	case "==", "!=":
		var want any
		switch {
		case rhs == "None":
			want = nil
		case strings.HasPrefix(rhs, `"`):
			want = strings.Trim(rhs, `"`)
		default:
			return false, fmt.Errorf("unsupported right-hand side %s", rhs)
		}
		eq := v == want
		if s, ok := v.(*string); ok {
			eq = (s == nil && want == nil) || (s != nil && want != nil && *s == want)
		}
		return eq == (m[2] == "=="), nil
	default:
		if !strings.HasPrefix(rhs, "[") {
			return false, fmt.Errorf("unsupported right-hand side %s", rhs)
		}
		in := false
		for _, s := range limitStrRE.FindAllStringSubmatch(rhs, -1) {
			if v == s[1] {
				in = true
			}
		}
		return in == (m[2] == "in"), nil
	}
}

func TestEvalLimit(t *testing.T) {
	owner := "owner"
	tests := []struct {
		expr string
		res  map[string]any
		want bool
	}{
		{`resource["role"] != "owner"`, map[string]any{"role": "worker"}, true},
		{`resource["role"] != "owner"`, map[string]any{"role": "owner"}, false},
		{`resource["role"] not in ["maintainer", "owner"]`, map[string]any{"role": "maintainer"}, false},
		{`resource["role"] not in ["maintainer", "owner"]`, map[string]any{"role": "supervisor"}, true},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": nil}}, false},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": "worker"}}, true},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": &owner}}, true},
	}
	for _, tc := range tests {
		got, err := evalLimit(tc.expr, tc.res)
		if err != nil || got != tc.want {
			t.Errorf("evalLimit(%s, %v) = %v, %v; want %v", tc.expr, tc.res, got, err, tc.want)
		}
	}
	if _, err := evalLimit(`len(resource) > 2`, nil); err == nil {
		t.Error("an unsupported expression must be an error")
	}
}
