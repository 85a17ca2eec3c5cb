package policies

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// caller is who lists: global role and, in an organization, their role there.
type caller struct {
	privilege string
	inOrg     bool
	role      string // "" = not a member
}

func (c caller) String() string {
	if !c.inOrg {
		return c.privilege + "/sandbox"
	}
	role := c.role
	if role == "" {
		role = "non-member"
	}
	return c.privilege + "/org:" + role
}

func (c caller) auth() Auth {
	a := Auth{User: AuthUser{ID: callerID, Privilege: c.privilege}}
	if c.inOrg {
		a.Organization = &AuthOrg{ID: ctxOrgID, OwnerID: 1}
		if c.role != "" {
			role := c.role
			a.Organization.Role = &role
		}
	}
	return a
}

func eqc(field string, value any) Cond { return Cond{Field: field, Op: "==", Value: value} }

// inCtxOrg prefixes each term with organization_id == the request's organization.
func inCtxOrg(terms ...[]Cond) [][]Cond {
	out := make([][]Cond, len(terms))
	for i, t := range terms {
		out[i] = append([]Cond{eqc("organization_id", uint64(ctxOrgID))}, t...)
	}
	return out
}

func anyOf(fields ...string) [][]Cond {
	out := make([][]Cond, len(fields))
	for i, f := range fields {
		out[i] = []Cond{eqc(f, uint64(callerID))}
	}
	return out
}

func TestFilterTable(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	all, none := Filter{All: true}, Filter{None: true}
	ctxOrg := Filter{Any: [][]Cond{{eqc("organization_id", uint64(ctxOrgID))}}}
	jobFields := []string{"assignee_id", "task.owner_id", "task.assignee_id", "project.owner_id", "project.assignee_id"}
	taskFields := []string{"owner_id", "assignee_id", "project.owner_id", "project.assignee_id"}

	tests := []struct {
		resource string
		who      caller
		want     Filter
	}{
		{"users", caller{"admin", false, ""}, all},
		{"users", caller{"admin", true, ""}, ctxOrg},
		{"users", caller{"user", false, ""}, Filter{Any: anyOf("id")}},
		{"users", caller{"none", true, "worker"}, ctxOrg},
		{"users", caller{"user", true, ""}, none},

		{"organizations", caller{"admin", false, ""}, all},
		{"organizations", caller{"worker", false, ""}, Filter{Any: anyOf("member_id", "owner_id")}},
		{"organizations", caller{"user", true, "worker"}, Filter{Any: anyOf("member_id", "owner_id")}},

		{"memberships", caller{"admin", false, ""}, all},
		{"memberships", caller{"admin", true, ""}, ctxOrg},
		{"memberships", caller{"none", false, ""}, Filter{Any: anyOf("user_id", "member_id")}},
		{"memberships", caller{"worker", true, "worker"}, ctxOrg},
		{"memberships", caller{"user", true, ""}, none},

		{"invitations", caller{"admin", false, ""}, all},
		{"invitations", caller{"admin", true, "worker"}, ctxOrg},
		{"invitations", caller{"user", false, ""}, Filter{Any: anyOf("owner_id", "invitee_id")}},
		{"invitations", caller{"user", true, "maintainer"}, ctxOrg},
		{"invitations", caller{"user", true, "owner"}, ctxOrg},
		{"invitations", caller{"worker", true, "owner"}, Filter{Any: inCtxOrg(anyOf("owner_id", "invitee_id")...)}},
		{"invitations", caller{"user", true, "supervisor"}, Filter{Any: inCtxOrg(anyOf("owner_id", "invitee_id")...)}},
		{"invitations", caller{"user", true, ""}, none},

		{"projects", caller{"admin", false, ""}, all},
		{"projects", caller{"admin", true, ""}, ctxOrg},
		{"projects", caller{"none", false, ""}, Filter{Any: anyOf("owner_id", "assignee_id")}},
		{"projects", caller{"user", true, "maintainer"}, ctxOrg},
		{"projects", caller{"worker", true, "maintainer"}, Filter{Any: inCtxOrg(anyOf("owner_id", "assignee_id")...)}},
		{"projects", caller{"user", true, "supervisor"}, Filter{Any: inCtxOrg(anyOf("owner_id", "assignee_id")...)}},
		{"projects", caller{"user", true, "worker"}, Filter{Any: inCtxOrg(anyOf("owner_id", "assignee_id")...)}},
		{"projects", caller{"user", true, ""}, none},

		{"tasks", caller{"admin", false, ""}, all},
		{"tasks", caller{"user", false, ""}, Filter{Any: anyOf(taskFields...)}},
		{"tasks", caller{"user", true, "owner"}, ctxOrg},
		{"tasks", caller{"user", true, "supervisor"}, Filter{Any: inCtxOrg(anyOf(taskFields...)...)}},
		{"tasks", caller{"worker", true, ""}, none},

		{"jobs", caller{"admin", true, "worker"}, ctxOrg},
		{"jobs", caller{"worker", false, ""}, Filter{Any: anyOf(jobFields...)}},
		{"jobs", caller{"user", true, "maintainer"}, ctxOrg},
		{"jobs", caller{"user", true, "worker"}, Filter{Any: inCtxOrg(anyOf(jobFields...)...)}},
		{"jobs", caller{"worker", true, ""}, none},

		{"cloudstorages", caller{"admin", false, ""}, all},
		{"cloudstorages", caller{"user", false, ""}, Filter{Any: anyOf("owner_id")}},
		{"cloudstorages", caller{"user", true, "supervisor"}, ctxOrg},
		{"cloudstorages", caller{"worker", true, "supervisor"}, Filter{Any: inCtxOrg(anyOf("owner_id")...)}},
		{"cloudstorages", caller{"user", true, "worker"}, Filter{Any: inCtxOrg(anyOf("owner_id")...)}},
		{"cloudstorages", caller{"user", true, ""}, none},
	}
	for _, tc := range tests {
		t.Run(tc.resource+"/"+tc.who.String(), func(t *testing.T) {
			got, err := e.Filter(ctx, tc.resource, Input{Auth: tc.who.auth()})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Filter = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	if _, err := e.Filter(ctx, "widgets", Input{}); err == nil || !strings.Contains(err.Error(), "unknown resource") {
		t.Errorf("unknown resource: err = %v", err)
	}
	if _, err := e.Filter(ctx, "users", Input{Scope: "lsit"}); err == nil || !strings.Contains(err.Error(), "unknown scope") {
		t.Errorf("unknown scope: err = %v", err)
	}
}

// TestFilterMatchesView checks, for every non-admin caller, that the rows a
// list filter lets through are exactly the rows Decide lets the caller view
// in the same context, and that a caller who may not list gets None.
func TestFilterMatchesView(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	var callers []caller
	for _, priv := range []string{"user", "worker", "none"} {
		callers = append(callers, caller{priv, false, ""})
		for _, role := range []string{"", "worker", "supervisor", "maintainer", "owner"} {
			callers = append(callers, caller{priv, true, role})
		}
	}
	for _, rs := range rowSets {
		t.Run(rs.resource, func(t *testing.T) {
			checked := 0
			for _, who := range callers {
				auth := who.auth()
				list, err := e.Decide(ctx, rs.resource, Input{Scope: "list", Auth: auth})
				if err != nil {
					t.Fatal(err)
				}
				f, err := e.Filter(ctx, rs.resource, Input{Scope: "list", Auth: auth})
				if err != nil {
					t.Fatal(err)
				}
				if !list.Allow {
					if !f.None {
						t.Errorf("%s may not list but the filter is %+v", who, f)
					}
					continue
				}
				for _, row := range rs.rows(who) {
					view, err := e.Decide(ctx, rs.resource, Input{Scope: "view", Auth: auth, Resource: row})
					if err != nil {
						t.Fatal(err)
					}
					got := f.matches(func(c Cond) bool { return rs.cond(who, row, c) })
					if got != view.Allow {
						t.Errorf("%s row %v: filter lets it through=%v, view allowed=%v (filter %+v)", who, row, got, view.Allow, f)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no row checked")
			}
			t.Logf("%d rows checked", checked)
		})
	}
}

// matches evaluates the filter on one row, cond deciding each condition.
func (f Filter) matches(cond func(Cond) bool) bool {
	if f.All {
		return true
	}
	if f.None {
		return false
	}
	for _, term := range f.Any {
		ok := true
		for _, c := range term {
			if !cond(c) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

type rowSet struct {
	resource string
	rows     func(who caller) []map[string]any
	// cond decides a filter condition on a row as the store's SQL would.
	cond func(who caller, row map[string]any, c Cond) bool
}

// pathValue reads a field like "owner_id" or "project.assignee_id" from a row
// shaped like the policy resource: row["owner"]["id"], row["project"]["assignee"]["id"].
func pathValue(row map[string]any, field string) any {
	parts := strings.Split(field, ".")
	last := parts[len(parts)-1]
	if last != "id" {
		parts = append(parts[:len(parts)-1], strings.TrimSuffix(last, "_id"), "id")
	}
	var v any = row
	for _, p := range parts {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func columnCond(_ caller, row map[string]any, c Cond) bool {
	if c.Op != "==" {
		panic("unexpected op " + c.Op)
	}
	return fmt.Sprint(pathValue(row, c.Field)) == fmt.Sprint(c.Value)
}

func orgs() []any { return []any{nil, ref(ctxOrgID), ref(otherOrg)} }

func people(ids ...any) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		if id == nil {
			out[i] = nil
		} else {
			out[i] = ref(uint64(id.(int)))
		}
	}
	return out
}

var rowSets = []rowSet{
	{
		resource: "projects",
		rows: func(caller) []map[string]any {
			var out []map[string]any
			for _, owner := range people(callerID, 40) {
				for _, assignee := range people(callerID, 41, nil) {
					for _, org := range orgs() {
						out = append(out, map[string]any{"id": uint64(10), "owner": owner, "assignee": assignee, "organization": org})
					}
				}
			}
			return out
		},
		cond: columnCond,
	},
	{
		resource: "tasks",
		rows: func(caller) []map[string]any {
			projects := []any{nil,
				map[string]any{"id": uint64(10), "owner": ref(callerID), "assignee": nil},
				map[string]any{"id": uint64(10), "owner": ref(44), "assignee": ref(callerID)},
				map[string]any{"id": uint64(10), "owner": ref(44), "assignee": ref(45)},
			}
			var out []map[string]any
			for _, owner := range people(callerID, 40) {
				for _, assignee := range people(callerID, nil) {
					for _, project := range projects {
						for _, org := range orgs() {
							out = append(out, map[string]any{"id": uint64(11), "owner": owner, "assignee": assignee, "project": project, "organization": org})
						}
					}
				}
			}
			return out
		},
		cond: columnCond,
	},
	{
		resource: "jobs",
		rows: func(caller) []map[string]any {
			projects := []any{nil,
				map[string]any{"id": uint64(10), "owner": ref(callerID), "assignee": nil},
				map[string]any{"id": uint64(10), "owner": ref(53), "assignee": ref(callerID)},
				map[string]any{"id": uint64(10), "owner": ref(53), "assignee": ref(54)},
			}
			var out []map[string]any
			for _, assignee := range people(callerID, 50, nil) {
				for _, towner := range people(callerID, 51) {
					for _, tassignee := range people(callerID, nil) {
						for _, project := range projects {
							for _, org := range orgs() {
								out = append(out, map[string]any{
									"id": uint64(20), "assignee": assignee, "stage": "annotation", "state": "new",
									"task":    map[string]any{"id": uint64(11), "owner": towner, "assignee": tassignee},
									"project": project, "organization": org,
								})
							}
						}
					}
				}
			}
			return out
		},
		cond: columnCond,
	},
	{
		resource: "cloudstorages",
		rows: func(caller) []map[string]any {
			var out []map[string]any
			for _, owner := range people(callerID, 40, nil) {
				for _, org := range orgs() {
					out = append(out, map[string]any{"id": uint64(60), "owner": owner, "organization": org})
				}
			}
			return out
		},
		cond: columnCond,
	},
	{
		// A user row knows its role in the request's organization.
		resource: "users",
		rows: func(who caller) []map[string]any {
			var self any
			if who.role != "" {
				self = who.role
			}
			out := []map[string]any{{"id": uint64(callerID), "membership": map[string]any{"role": self}}}
			roles := []any{nil}
			if who.inOrg {
				roles = []any{nil, "worker", "owner"}
			}
			for _, r := range roles {
				out = append(out, map[string]any{"id": uint64(42), "membership": map[string]any{"role": r}})
			}
			return out
		},
		cond: func(_ caller, row map[string]any, c Cond) bool {
			switch c.Field {
			case "id":
				return fmt.Sprint(row["id"]) == fmt.Sprint(c.Value)
			case "organization_id": // member of that organization
				return c.Value == uint64(ctxOrgID) && row["membership"].(map[string]any)["role"] != nil
			}
			panic("unexpected field " + c.Field)
		},
	},
	{
		// An organization row knows the caller's role in it.
		resource: "organizations",
		rows: func(caller) []map[string]any {
			var out []map[string]any
			for _, role := range []any{nil, "worker", "maintainer", "owner"} {
				owner := ref(1)
				if role == "owner" {
					owner = ref(callerID)
				}
				out = append(out, map[string]any{"id": uint64(otherOrg), "owner": owner, "user": map[string]any{"role": role}})
			}
			return out
		},
		cond: func(_ caller, row map[string]any, c Cond) bool {
			switch c.Field {
			case "member_id":
				return c.Value == uint64(callerID) && row["user"].(map[string]any)["role"] != nil
			case "owner_id":
				return fmt.Sprint(pathValue(row, "owner_id")) == fmt.Sprint(c.Value)
			}
			panic("unexpected field " + c.Field)
		},
	},
}
