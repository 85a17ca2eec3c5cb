package policies

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestResources(t *testing.T) {
	e := newTestEngine(t, Options{})
	want := []string{"audit", "billing", "cloudstorages", "invitations", "jobs", "limits", "memberships", "organizations", "projects", "tasks", "users"}
	if got := e.resources(); !slices.Equal(got, want) {
		t.Errorf("resources = %v, want %v", got, want)
	}
}

func TestDecideErrors(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	tests := []struct {
		name, resource, scope, want string
		res                         any
	}{
		{"unknown resource", "widgets", "view", `unknown resource "widgets"`, nil},
		{"unknown scope", "users", "explode", `users: unknown scope "explode"`, nil},
		{"empty scope", "projects", "", `projects: unknown scope ""`, nil},
		{"resource that is no JSON", "users", "view", "resource", map[string]any{"id": make(chan int)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Decide(ctx, tc.resource, Input{Scope: tc.scope, Auth: Auth{User: AuthUser{ID: 1, Privilege: "user"}}, Resource: tc.res})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	maintainer, worker := "maintainer", "worker"
	user := func(id uint64, priv string) AuthUser { return AuthUser{ID: id, Privilege: priv} }
	org := func(role *string) *AuthOrg { return &AuthOrg{ID: 3, OwnerID: 1, Role: role} }
	type target struct {
		ID   uint64 `json:"id"`
		Role string `json:"role"`
		User struct {
			ID uint64 `json:"id"`
		} `json:"user"`
		Organization struct {
			ID uint64 `json:"id"`
		} `json:"organization"`
	}
	structTarget := target{ID: 5, Role: "worker"}
	structTarget.User.ID, structTarget.Organization.ID = 9, 3

	tests := []struct {
		name     string
		resource string
		in       Input
		want     Decision
	}{
		{
			name: "admin sees any user", resource: "users",
			in:   Input{Scope: "view", Auth: Auth{User: user(1, "admin")}, Resource: map[string]any{"id": uint64(9)}},
			want: Decision{Allow: true},
		},
		{
			name: "a user updates their own account", resource: "users",
			in:   Input{Scope: "update", Auth: Auth{User: user(9, "worker")}, Resource: map[string]any{"id": 9}},
			want: Decision{Allow: true},
		},
		{
			name: "a user may not delete another account", resource: "users",
			in:   Input{Scope: "delete", Auth: Auth{User: user(9, "user")}, Resource: map[string]any{"id": uint64(10)}},
			want: Decision{Reasons: []string{"Only an admin can delete another user's account."}},
		},
		{
			name: "maintainer changes a worker's role (map resource)", resource: "memberships",
			in: Input{Scope: "change:role", Auth: Auth{User: user(7, "user"), Organization: org(&maintainer)},
				Resource: map[string]any{"id": uint64(5), "role": "worker", "is_active": true,
					"user": map[string]any{"id": uint64(9)}, "organization": map[string]any{"id": uint64(3)}}},
			want: Decision{Allow: true},
		},
		{
			name: "maintainer changes a worker's role (struct resource)", resource: "memberships",
			in:   Input{Scope: "change:role", Auth: Auth{User: user(7, "user"), Organization: org(&maintainer)}, Resource: structTarget},
			want: Decision{Allow: true},
		},
		{
			name: "a worker cannot change roles", resource: "memberships",
			in:   Input{Scope: "change:role", Auth: Auth{User: user(7, "user"), Organization: org(&worker)}, Resource: structTarget},
			want: Decision{Reasons: []string{"Only the organization owner or a maintainer can change roles."}},
		},
		{
			name: "several reasons come sorted", resource: "invitations",
			in: Input{Scope: "create", Auth: Auth{User: user(7, "worker"), Organization: org(&maintainer)},
				Resource: map[string]any{"role": "maintainer", "organization": map[string]any{"id": uint64(3)}}},
			want: Decision{Reasons: []string{
				"A maintainer can only invite workers and supervisors.",
				"Your global role (worker) does not allow you to invite people.",
			}},
		},
		{
			name: "non-member lists nothing in an organization", resource: "projects",
			in:   Input{Scope: "list", Auth: Auth{User: user(7, "user"), Organization: org(nil)}},
			want: Decision{Reasons: []string{"You are not a member of this organization."}},
		},
		{
			name: "pointer fields in a map resource", resource: "users",
			in: Input{Scope: "view", Auth: Auth{User: user(7, "user"), Organization: org(&worker)},
				Resource: map[string]any{"id": uint64(9), "membership": map[string]any{"role": &worker}}},
			want: Decision{Allow: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.Decide(ctx, tc.resource, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestInputJSON(t *testing.T) {
	role := "owner"
	in := Input{Scope: "view", Auth: Auth{User: AuthUser{ID: 7, Privilege: "user"}, Organization: &AuthOrg{ID: 3, OwnerID: 7, Role: &role}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"scope":"view","auth":{"user":{"id":7,"privilege":"user"},"organization":{"id":3,"owner":{"id":7},"user":{"role":"owner"}}},"resource":null}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	var back Input
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Auth.Organization == nil || back.Auth.Organization.OwnerID != 7 || *back.Auth.Organization.Role != "owner" {
		t.Errorf("round trip = %+v", back.Auth.Organization)
	}
	// The hand-built OPA input is the same document as the JSON.
	v, err := in.value()
	if err != nil {
		t.Fatal(err)
	}
	var fromAST, fromJSON any
	if err := json.Unmarshal([]byte(v.String()), &fromAST); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromAST, fromJSON) {
		t.Errorf("ast input %v\nJSON input %v", fromAST, fromJSON)
	}
}

func TestBundle(t *testing.T) {
	e := newTestEngine(t, Options{})
	b := e.Bundle()
	for _, name := range []string{"utils.rego", "users.rego", "organizations.rego", "memberships.rego", "invitations.rego",
		"projects.rego", "tasks.rego", "jobs.rego", "cloudstorages.rego", "users_test.rego"} {
		src, ok := b[name]
		if !ok {
			t.Errorf("bundle lacks %s", name)
			continue
		}
		want, _ := embedded.ReadFile(name)
		if src != string(want) {
			t.Errorf("%s differs from the embedded file", name)
		}
	}
	b["users.rego"] = "changed"
	if e.Bundle()["users.rego"] == "changed" {
		t.Error("Bundle returns the engine's own map")
	}
}

func TestNewRejectsBadOverrides(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
	}{
		{"syntax error", "users.rego", "package users\n\nallow if {\n", []string{"users.rego", "line 4", "unexpected eof"}},
		{"empty file", "extra.rego", "", []string{"extra.rego: empty module"}},
		{"compile error", "users.rego", "package users\n\nallow if undefined_thing\n", []string{"users.rego", "undefined_thing"}},
		{"failing test", "extra_test.rego", "package extra_test\n\nimport data.users\n\ntest_admins_only if {\n\tnot users.allow with input as {\"scope\": \"view\", \"auth\": {\"user\": {\"id\": 1, \"privilege\": \"admin\"}, \"organization\": null}, \"resource\": {\"id\": 2}}\n}\n",
			[]string{"extra_test.rego", "test_admins_only"}},
		{"bad scopes", "widgets.rego", "package widgets\n\nscopes := {1, 2}\n\nallow if input.scope == \"x\"\n", []string{"widgets.rego: package widgets: scopes must be a set of strings"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tc.file, tc.src)
			_, err := New(context.Background(), Options{Dir: dir, Logger: discardLogger()})
			if err == nil {
				t.Fatal("New accepted a bad set")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := New(context.Background(), Options{Dir: t.TempDir() + "/missing", Logger: discardLogger()}); err == nil {
		t.Error("New accepted a missing policies dir")
	}
}

func TestOverrideDirAtStart(t *testing.T) {
	dir := t.TempDir()
	// A new policy file with its own test, and a replaced one.
	// Its reasons rule is undefined when allowed.
	writeFile(t, dir, "widgets.rego", "package widgets\n\nimport data.utils\n\nscopes := {\"view\"}\n\ndefault allow := false\n\nallow if utils.has_privilege(\"user\")\n\nreasons := {\"users only\"} if not allow\n\nfilter := [[]]\n")
	writeFile(t, dir, "widgets_test.rego", "package widgets_test\n\nimport data.widgets\n\ntest_users_view if widgets.allow with input as {\"scope\": \"view\", \"auth\": {\"user\": {\"id\": 1, \"privilege\": \"user\"}}}\n")
	users, _ := embedded.ReadFile("users.rego")
	writeFile(t, dir, "users.rego", strings.Replace(string(users), "default allow := false", "default allow := false\n\nallow if input.scope == \"update:privileged\"", 1))
	e := newTestEngine(t, Options{Dir: dir})
	ctx := context.Background()

	d, err := e.Decide(ctx, "widgets", Input{Scope: "view", Auth: Auth{User: AuthUser{ID: 1, Privilege: "user"}}})
	if err != nil || !d.Allow {
		t.Errorf("widgets view = %+v, %v; want allowed", d, err)
	}
	d, err = e.Decide(ctx, "widgets", Input{Scope: "view", Auth: Auth{User: AuthUser{ID: 1, Privilege: "worker"}}})
	if err != nil || d.Allow || !slices.Equal(d.Reasons, []string{"users only"}) {
		t.Errorf("widgets view by a worker = %+v, %v; want denied, users only", d, err)
	}
	d, err = e.Decide(ctx, "users", Input{Scope: "update:privileged", Auth: Auth{User: AuthUser{ID: 1, Privilege: "worker"}}})
	if err != nil || !d.Allow {
		t.Errorf("overridden users update:privileged = %+v, %v; want allowed", d, err)
	}
	b := e.Bundle()
	if _, ok := b["users_test.rego"]; ok {
		t.Error("the embedded users_test.rego stays although users.rego was replaced")
	}
	if _, ok := b["widgets_test.rego"]; !ok {
		t.Error("the added test file is not in the bundle")
	}
}

func TestParseFilter(t *testing.T) {
	num := json.Number("3")
	tests := []struct {
		name    string
		in      any
		want    Filter
		wantErr string
	}{
		{"no term", []any{}, Filter{None: true}, ""},
		{"an empty term", []any{[]any{map[string]any{"field": "a", "op": "==", "value": "x"}}, []any{}}, Filter{All: true}, ""},
		{"terms", []any{
			[]any{map[string]any{"field": "organization_id", "op": "==", "value": num}, map[string]any{"field": "owner_id", "value": json.Number("7")}},
			[]any{map[string]any{"field": "organization_id", "op": "==", "value": nil}},
			[]any{map[string]any{"field": "id", "op": "in", "value": []any{json.Number("1"), json.Number("-2"), json.Number("2.5")}}},
		}, Filter{Any: [][]Cond{
			{{Field: "organization_id", Op: "==", Value: uint64(3)}, {Field: "owner_id", Op: "==", Value: uint64(7)}},
			{{Field: "organization_id", Op: "==", Value: nil}},
			{{Field: "id", Op: "in", Value: []any{uint64(1), int64(-2), 2.5}}},
		}}, ""},
		{"not an array", map[string]any{}, Filter{}, "object, want an array of terms"},
		{"term not an array", []any{"x"}, Filter{}, "want an array"},
		{"condition without field", []any{[]any{map[string]any{"op": "=="}}}, Filter{}, "without a field"},
		{"unknown op", []any{[]any{map[string]any{"field": "a", "op": "<", "value": 1}}}, Filter{}, `unknown op "<"`},
		{"in without array", []any{[]any{map[string]any{"field": "a", "op": "in", "value": "x"}}}, Filter{}, "in needs an array"},
		{"== with array", []any{[]any{map[string]any{"field": "a", "op": "==", "value": []any{}}}}, Filter{}, "needs a scalar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ast.InterfaceToValue(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseFilter(in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseFilter = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// AllowedScopes must agree with Decide on every scope of every benchmark
// object, for each global role.
func TestAllowedScopesAgreesWithDecide(t *testing.T) {
	e := newTestEngine(t, Options{})
	ctx := context.Background()
	allowed, denied := 0, 0
	for _, tc := range benchInputs() {
		scopes := slices.Sorted(maps.Keys(e.active.Load().resources[tc.resource].scopes))
		if len(scopes) == 0 {
			t.Fatalf("%s: the policy lists no scopes", tc.resource)
		}
		for _, priv := range []string{"admin", "user", "worker"} {
			in := tc.in
			in.Auth.User.Privilege = priv
			got, err := e.AllowedScopes(ctx, tc.resource, in.Auth, in.Resource, scopes)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, scope := range scopes {
				in.Scope = scope
				d, err := e.Decide(ctx, tc.resource, in)
				if err != nil {
					t.Fatal(err)
				}
				if d.Allow {
					want = append(want, scope)
					allowed++
				} else {
					denied++
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s as %s: AllowedScopes = %v, Decide allows %v", tc.resource, priv, got, want)
			}
		}
	}
	if allowed == 0 || denied == 0 {
		t.Errorf("want both answers among the cases: %d allowed, %d denied", allowed, denied)
	}
	if got, err := e.AllowedScopes(ctx, "jobs", Auth{}, nil, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no scopes: got %#v, %v; want an empty, non-nil list", got, err)
	}
	if _, err := e.AllowedScopes(ctx, "jobs", Auth{}, nil, []string{"view", "fly"}); err == nil {
		t.Error("unknown scope: want an error")
	}
}
