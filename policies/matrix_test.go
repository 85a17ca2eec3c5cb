package policies

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestReferenceMatrix checks Decide against every applicable row of the
// reference permission tables. For each scope it enumerates global role ×
// organization role × context × ownership (× same or other organization, ×
// the resource fields the Limit column looks at) and expects, as CVAT's own
// generated tests do: admins may do anything (but make an owner or take one
// away, SPEC §3); in an organization nobody else
// acts on a resource of another workspace; otherwise the answer is allow iff
// some row of the scope matches the context and ownership, the caller's
// global role is at least the row's (exactly it when Strict_Privilege), their
// organization role at least the row's, and the Limit holds.

const (
	callerID = 7
	ctxOrgID = 3
	otherOrg = 4
)

func ref(id uint64) map[string]any { return map[string]any{"id": id} }

// idIf is the caller's id when mine, else other.
func idIf(mine bool, other uint64) map[string]any {
	if mine {
		return ref(callerID)
	}
	return ref(other)
}

type matrixCase struct {
	scope     string
	context   string // "sandbox" or "organization"
	privilege string
	role      *string // the caller's role in the request's organization
	ownership string
	sameOrg   bool // the resource is in the request's organization
}

func (c matrixCase) String() string {
	role := "-"
	if c.role != nil {
		role = *c.role
	}
	return fmt.Sprintf("scope=%s context=%s privilege=%s role=%s ownership=%s same_org=%v",
		c.scope, c.context, c.privilege, role, c.ownership, c.sameOrg)
}

type matrixSpec struct {
	resource string
	// applicable scopes of the table; rows of other scopes are features
	// Gatehouse does not have.
	scopes []string
	// ownerships enumerated for every scope but those in ownershipsOf.
	ownerships   []string
	ownershipsOf map[string][]string
	// orgBound: in an organization only resources of that organization are
	// acted on.
	orgBound bool
	// resources builds the resources for a case (nil: none makes sense).
	resources func(c matrixCase) []map[string]any
	// adminDenied lists what even admins may not do (SPEC §3: nobody
	// becomes owner through the API, an organization keeps its owner); the
	// tables' Limit column says the same for everyone else.
	adminDenied func(scope string, res map[string]any) bool
}

func strp(s string) *string { return &s }

func roleValues() []any { return []any{nil, "worker", "supervisor", "maintainer", "owner"} }

func workspace(c matrixCase) []map[string]any {
	switch {
	case c.context == "sandbox":
		return []map[string]any{nil, ref(otherOrg)}
	case c.sameOrg:
		return []map[string]any{ref(ctxOrgID)}
	default:
		return []map[string]any{nil, ref(otherOrg)}
	}
}

func orgOf(w map[string]any) any {
	if w == nil {
		return nil
	}
	return w
}

var matrixSpecs = []matrixSpec{
	{
		resource:   "users",
		scopes:     []string{"list", "view", "update", "delete"},
		ownerships: []string{"self", "none"},
		resources: func(c matrixCase) []map[string]any {
			if c.ownership == "self" {
				var role any
				if c.role != nil {
					role = *c.role
				}
				return []map[string]any{{"id": uint64(callerID), "membership": map[string]any{"role": role}}}
			}
			roles := []any{nil}
			if c.context == "organization" {
				roles = roleValues()
			}
			var out []map[string]any
			for _, r := range roles {
				out = append(out, map[string]any{"id": uint64(42), "membership": map[string]any{"role": r}})
			}
			return out
		},
	},
	{
		resource:     "organizations",
		scopes:       []string{"create", "list", "view", "update", "delete"},
		ownerships:   []string{"owner", "maintainer", "supervisor", "worker", "none"},
		ownershipsOf: map[string][]string{"create": {"none"}},
		resources: func(c matrixCase) []map[string]any {
			if c.scope == "create" {
				return []map[string]any{{}}
			}
			var role any
			if c.ownership != "none" {
				role = c.ownership
			}
			owner := idIf(c.ownership == "owner", 1)
			out := []map[string]any{{"id": uint64(otherOrg), "owner": owner, "user": map[string]any{"role": role}}}
			// The request's own organization, when the roles agree.
			if c.context == "organization" && ((c.role == nil && role == nil) || (c.role != nil && role == *c.role)) {
				out = append(out, map[string]any{"id": uint64(ctxOrgID), "owner": owner, "user": map[string]any{"role": role}})
			}
			return out
		},
	},
	{
		resource:   "memberships",
		scopes:     []string{"list", "view", "change:role", "delete"},
		ownerships: []string{"self", "none"},
		orgBound:   true,
		adminDenied: func(scope string, res map[string]any) bool {
			return (scope == "change:role" || scope == "delete") && res["role"] == "owner"
		},
		resources: func(c matrixCase) []map[string]any {
			org := uint64(otherOrg)
			if c.context == "organization" && c.sameOrg {
				org = ctxOrgID
			}
			var out []map[string]any
			for _, role := range roleOrder {
				// One's own membership in the request's organization has
				// one's role there.
				if c.ownership == "self" && org == ctxOrgID && (c.role == nil || *c.role != role) {
					continue
				}
				for _, active := range []bool{true, false} {
					out = append(out, map[string]any{
						"id": uint64(50), "role": role, "is_active": active,
						"user":         idIf(c.ownership == "self", 42),
						"organization": ref(org),
					})
				}
			}
			return out
		},
	},
	{
		resource:     "invitations",
		scopes:       []string{"list", "create", "view", "resend", "delete", "accept"},
		ownerships:   []string{"owner", "invitee", "none"},
		ownershipsOf: map[string][]string{"create": {"none"}},
		orgBound:     true,
		adminDenied: func(scope string, res map[string]any) bool {
			return scope == "create" && res["role"] == "owner"
		},
		resources: func(c matrixCase) []map[string]any {
			org := uint64(otherOrg)
			if c.context == "organization" && c.sameOrg {
				org = ctxOrgID
			}
			var out []map[string]any
			for _, role := range roleOrder {
				res := map[string]any{
					"key": "k3y", "role": role,
					"owner":        idIf(c.ownership == "owner", 42),
					"invitee":      idIf(c.ownership == "invitee", 43),
					"organization": ref(org),
				}
				if c.scope == "create" {
					res["owner"], res["invitee"] = ref(callerID), map[string]any{"id": nil}
				}
				out = append(out, res)
			}
			return out
		},
	},
	{
		resource: "projects",
		scopes: []string{"create", "list", "view", "delete", "update:desc", "update:assignee",
			"update:owner", "update:organization", "update:associated_storage"},
		ownerships:   []string{"owner", "assignee", "none"},
		ownershipsOf: map[string][]string{"create": {"none"}},
		orgBound:     true,
		resources: func(c matrixCase) []map[string]any {
			if c.scope == "create" {
				return []map[string]any{nil}
			}
			var out []map[string]any
			for _, w := range workspace(c) {
				out = append(out, map[string]any{
					"id":           uint64(10),
					"owner":        idIf(c.ownership == "owner", 40),
					"assignee":     idIf(c.ownership == "assignee", 41),
					"organization": orgOf(w),
				})
			}
			return out
		},
	},
	{
		resource: "tasks",
		scopes: []string{"create", "create@project", "list", "view", "delete", "update:desc",
			"update:owner", "update:assignee", "update:project", "update:organization",
			"update:associated_storage"},
		ownerships: []string{"owner", "assignee", "project:owner", "project:assignee", "none"},
		ownershipsOf: map[string][]string{
			"create":         {"none"},
			"create@project": {"project:owner", "project:assignee", "none"},
		},
		orgBound: true,
		resources: func(c matrixCase) []map[string]any {
			if c.scope == "create" {
				return []map[string]any{nil}
			}
			var out []map[string]any
			for _, w := range workspace(c) {
				project := map[string]any{
					"id":       uint64(10),
					"owner":    idIf(c.ownership == "project:owner", 44),
					"assignee": idIf(c.ownership == "project:assignee", 45),
				}
				res := map[string]any{"organization": orgOf(w), "project": project}
				if c.scope != "create@project" {
					res["id"] = uint64(11)
					res["owner"] = idIf(c.ownership == "owner", 40)
					res["assignee"] = idIf(c.ownership == "assignee", 41)
				}
				out = append(out, res)
			}
			return out
		},
	},
	{
		resource: "jobs",
		scopes:   []string{"list", "view", "update:stage", "update:state", "update:assignee", "create", "delete"},
		ownerships: []string{"project:owner", "project:assignee", "task:owner", "task:assignee",
			"assignee", "none"},
		orgBound: true,
		resources: func(c matrixCase) []map[string]any {
			var out []map[string]any
			for _, w := range workspace(c) {
				out = append(out, map[string]any{
					"id":           uint64(20),
					"assignee":     idIf(c.ownership == "assignee", 50),
					"stage":        "annotation",
					"state":        "new",
					"type":         "annotation",
					"organization": orgOf(w),
					"task": map[string]any{
						"id":       uint64(11),
						"owner":    idIf(c.ownership == "task:owner", 51),
						"assignee": idIf(c.ownership == "task:assignee", 52),
					},
					"project": map[string]any{
						"id":       uint64(10),
						"owner":    idIf(c.ownership == "project:owner", 53),
						"assignee": idIf(c.ownership == "project:assignee", 54),
					},
				})
			}
			return out
		},
	},
	{
		resource:     "cloudstorages",
		scopes:       []string{"create", "list", "view", "update", "delete"},
		ownerships:   []string{"owner", "none"},
		ownershipsOf: map[string][]string{"create": {"none"}},
		orgBound:     true,
		resources: func(c matrixCase) []map[string]any {
			if c.scope == "create" {
				return []map[string]any{nil}
			}
			var out []map[string]any
			for _, w := range workspace(c) {
				out = append(out, map[string]any{
					"id":           uint64(60),
					"owner":        idIf(c.ownership == "owner", 40),
					"organization": orgOf(w),
				})
			}
			return out
		},
	},
}

func TestReferenceMatrix(t *testing.T) {
	e := newTestEngine(t, Options{})
	for _, spec := range matrixSpecs {
		t.Run(spec.resource, func(t *testing.T) {
			rules := loadReference(t, spec.resource)
			res := runMatrix(t, e, spec, rules, 0)
			for _, m := range res.mismatches {
				t.Error(m)
			}
			for i, r := range rules {
				if slices.Contains(spec.scopes, r.scope) && !res.matched[i] {
					t.Errorf("%s.csv line %d (%s %s %s) was never exercised", spec.resource, r.line, r.scope, r.context, strings.Join(r.ownership, "/"))
				}
			}
			t.Logf("%d applicable rows, %d decisions, %d allowed", res.applicable, res.decisions, res.allowed)
		})
	}
}

type matrixResult struct {
	applicable, decisions, allowed int
	matched                        []bool // rows that some case passed
	mismatches                     []string
}

// runMatrix asks Decide every case of spec and compares with the rows; it
// stops after limit mismatches when limit > 0.
func runMatrix(t testing.TB, e *Engine, spec matrixSpec, rules []refRule, limit int) matrixResult {
	t.Helper()
	ctx := context.Background()
	out := matrixResult{matched: make([]bool, len(rules))}
	for _, r := range rules {
		if slices.Contains(spec.scopes, r.scope) {
			out.applicable++
		}
	}
	if out.applicable == 0 {
		t.Fatalf("%s: no applicable rows", spec.resource)
	}
	for _, scope := range spec.scopes {
		if !slices.ContainsFunc(rules, func(r refRule) bool { return r.scope == scope }) {
			out.mismatches = append(out.mismatches, fmt.Sprintf("scope %s has no row in %s.csv", scope, spec.resource))
		}
		for _, c := range spec.cases(scope) {
			for _, res := range spec.resources(c) {
				if c.scope == "list" {
					res = nil
				}
				want := false
				for i, r := range rules {
					if r.scope == scope && r.passes(t, c.context, c.privilege, c.role, c.ownership, res) {
						out.matched[i] = true
						want = true
					}
				}
				if c.privilege == "admin" {
					want = spec.adminDenied == nil || !spec.adminDenied(scope, res)
				} else if spec.orgBound && c.context == "organization" && !c.sameOrg {
					want = false
				}
				in := Input{Scope: scope, Auth: Auth{User: AuthUser{ID: callerID, Privilege: c.privilege}}}
				if res != nil {
					in.Resource = res
				}
				if c.context == "organization" {
					in.Auth.Organization = &AuthOrg{ID: ctxOrgID, OwnerID: 1, Role: c.role}
					if c.role != nil && *c.role == "owner" {
						in.Auth.Organization.OwnerID = callerID
					}
				}
				d, err := e.Decide(ctx, spec.resource, in)
				if err != nil {
					t.Fatalf("%s %s: %v", spec.resource, c, err)
				}
				out.decisions++
				if d.Allow {
					out.allowed++
				}
				if d.Allow != want {
					out.mismatches = append(out.mismatches, fmt.Sprintf("%s resource=%v: allow=%v, want %v (reasons %q)", c, res, d.Allow, want, d.Reasons))
					if limit > 0 && len(out.mismatches) >= limit {
						return out
					}
				}
				if !d.Allow && len(d.Reasons) == 0 {
					out.mismatches = append(out.mismatches, fmt.Sprintf("%s: a denial without reasons", c))
				}
			}
		}
	}
	return out
}

// TestReferenceMatrixCatchesMutations makes sure the matrix notices a
// policy that drifts from the tables: each mutant must produce mismatches.
func TestReferenceMatrixCatchesMutations(t *testing.T) {
	mutants := []struct {
		file, old, new string
	}{
		{"projects.rego", "\tinput.auth.user.privilege in {\"user\", \"admin\"}\n\tinput.auth.organization.user.role in {\"maintainer\", \"owner\"}\n}",
			"\tinput.auth.user.privilege in {\"user\", \"admin\"}\n\tinput.auth.organization.user.role in {\"supervisor\", \"maintainer\", \"owner\"}\n}"},
		{"memberships.rego", "\tinput.resource.role != \"owner\"\n}", "}"},
		{"jobs.rego", `input.auth.user.privilege == "worker"`, `input.auth.user.privilege in {"worker", "user"}`},
		{"invitations.rego", "\"maintainer\"\n\tinput.resource.role in {\"worker\", \"supervisor\"}", "\"maintainer\"\n\tinput.resource.role in {\"worker\", \"supervisor\", \"maintainer\"}"},
		{"users.rego", "\tinput.auth.organization.user.role in {\"worker\", \"supervisor\", \"maintainer\", \"owner\"}\n\tinput.resource.membership.role", "\tinput.resource.membership.role"},
		{"tasks.rego", "leads if is_owner", "leads if is_assignee"},
		{"cloudstorages.rego", `input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}`, `input.auth.organization.user.role in {"maintainer", "owner"}`},
		{"organizations.rego", `input.resource.user.role in {"maintainer", "owner"}`, `input.resource.user.role in {"supervisor", "maintainer", "owner"}`},
	}
	for _, m := range mutants {
		t.Run(m.file, func(t *testing.T) {
			src, err := embedded.ReadFile(m.file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(src), m.old) {
				t.Fatalf("%s no longer contains %q", m.file, m.old)
			}
			files, err := embeddedFiles()
			if err != nil {
				t.Fatal(err)
			}
			files[m.file] = strings.Replace(string(src), m.old, m.new, 1)
			e := engineFromFiles(t, files)
			resource := strings.TrimSuffix(m.file, ".rego")
			for _, spec := range matrixSpecs {
				if spec.resource != resource {
					continue
				}
				res := runMatrix(t, e, spec, loadReference(t, resource), 1)
				if len(res.mismatches) == 0 {
					t.Errorf("the matrix did not notice %s: %q → %q", m.file, m.old, m.new)
				}
				return
			}
			t.Fatalf("no matrix for %s", resource)
		})
	}
}

// cases enumerates privilege × context × role × ownership × same org.
func (s matrixSpec) cases(scope string) []matrixCase {
	ownerships := s.ownerships
	if o, ok := s.ownershipsOf[scope]; ok {
		ownerships = o
	}
	if scope == "list" {
		ownerships = []string{"none"}
	}
	var out []matrixCase
	for _, priv := range privilegeOrder {
		for _, context := range []string{"sandbox", "organization"} {
			roles := []*string{nil}
			sameOrgs := []bool{false}
			if context == "organization" {
				roles = append(roles, strp("worker"), strp("supervisor"), strp("maintainer"), strp("owner"))
				sameOrgs = []bool{true}
				if s.orgBound && scope != "list" && scope != "create" {
					sameOrgs = append(sameOrgs, false)
				}
			}
			for _, role := range roles {
				for _, own := range ownerships {
					for _, same := range sameOrgs {
						out = append(out, matrixCase{scope: scope, context: context, privilege: priv, role: role, ownership: own, sameOrg: same})
					}
				}
			}
		}
	}
	return out
}
