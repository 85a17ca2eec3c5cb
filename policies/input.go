package policies

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Input is what a policy decides on: {scope, auth, resource}.
type Input struct {
	Scope string `json:"scope"`
	Auth  Auth   `json:"auth"`
	// Resource is the object acted on, in the shape its policy file and
	// README.md describe: a map[string]any, or any value that marshals to
	// JSON (slower). nil for list and most create scopes.
	Resource any `json:"resource"`
}

// Auth is who asks and in which organization.
type Auth struct {
	User AuthUser `json:"user"`
	// Organization is the request's organization; nil for the personal
	// workspace or when the request names none.
	Organization *AuthOrg `json:"organization"`
}

// AuthUser is the caller.
type AuthUser struct {
	ID uint64 `json:"id"`
	// Privilege is the global role: "admin", "user", "worker" or "none".
	Privilege string `json:"privilege"`
}

// AuthOrg is the request's organization and the caller's place in it. In
// JSON it is {"id", "owner": {"id"}, "user": {"role"}}.
type AuthOrg struct {
	ID      uint64
	OwnerID uint64
	// Role is the caller's role in the organization, nil if not a member.
	Role *string
}

type authOrgJSON struct {
	ID    uint64 `json:"id"`
	Owner struct {
		ID uint64 `json:"id"`
	} `json:"owner"`
	User struct {
		Role *string `json:"role"`
	} `json:"user"`
}

// MarshalJSON writes the nested policy shape.
func (o AuthOrg) MarshalJSON() ([]byte, error) {
	var j authOrgJSON
	j.ID, j.Owner.ID, j.User.Role = o.ID, o.OwnerID, o.Role
	return json.Marshal(j)
}

// UnmarshalJSON reads the nested policy shape.
func (o *AuthOrg) UnmarshalJSON(b []byte) error {
	var j authOrgJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("auth organization: %w", err)
	}
	o.ID, o.OwnerID, o.Role = j.ID, j.Owner.ID, j.User.Role
	return nil
}

// Strings that recur in every input (keys, global and organization roles,
// scopes) are made into terms once. Terms are never changed after they are
// built, so they are shared between evaluations.
var common = func() map[string]*ast.Term {
	m := map[string]*ast.Term{}
	for _, s := range []string{
		"scope", "auth", "resource", "user", "organization", "id", "privilege", "owner", "role",
		"membership", "is_active", "new_role", "invitee", "key", "assignee", "project", "task",
		"stage", "state", "type", "admin", "none", "worker", "supervisor", "maintainer",
		"annotation", "validation", "acceptance", "new", "in progress", "completed", "rejected",
		"list", "view", "create", "update", "delete", "change:role", "resend", "accept", "decline",
		"update:privileged", "update:desc", "update:owner", "update:assignee", "update:organization",
		"update:associated_storage", "update:project", "update:stage", "update:state", "create@project",
	} {
		m[s] = ast.StringTerm(s)
	}
	return m
}()

func stringTerm(s string) *ast.Term {
	if t, ok := common[s]; ok {
		return t
	}
	return ast.StringTerm(s)
}

// value builds the OPA input by hand: no JSON round trip on the hot path.
func (in *Input) value() (ast.Value, error) {
	res, err := resourceTerm(in.Resource)
	if err != nil {
		return nil, err
	}
	return inputObject(in.Scope, in.Auth.term(), res), nil
}

// inputObject is {scope, auth, resource} from converted parts.
func inputObject(scope string, auth, resource *ast.Term) ast.Value {
	return ast.NewObject(
		[2]*ast.Term{common["scope"], stringTerm(scope)},
		[2]*ast.Term{common["auth"], auth},
		[2]*ast.Term{common["resource"], resource},
	)
}

// term converts the caller: {"user": {...}, "organization": {...} | null}.
func (a *Auth) term() *ast.Term {
	user := ast.NewObject(
		[2]*ast.Term{common["id"], ast.UIntNumberTerm(a.User.ID)},
		[2]*ast.Term{common["privilege"], stringTerm(a.User.Privilege)},
	)
	org := ast.InternedNullTerm
	if o := a.Organization; o != nil {
		role := ast.InternedNullTerm
		if o.Role != nil {
			role = stringTerm(*o.Role)
		}
		org = ast.NewTerm(ast.NewObject(
			[2]*ast.Term{common["id"], ast.UIntNumberTerm(o.ID)},
			[2]*ast.Term{common["owner"], ast.NewTerm(ast.NewObject([2]*ast.Term{common["id"], ast.UIntNumberTerm(o.OwnerID)}))},
			[2]*ast.Term{common["user"], ast.NewTerm(ast.NewObject([2]*ast.Term{common["role"], role}))},
		))
	}
	return ast.NewTerm(ast.NewObject(
		[2]*ast.Term{common["user"], ast.NewTerm(user)},
		[2]*ast.Term{common["organization"], org},
	))
}

// ResourceValue converts a resource (as Input.Resource takes it) once, for
// callers that ask about one object several times.
func ResourceValue(res any) (ast.Value, error) {
	t, err := resourceTerm(res)
	if err != nil {
		return nil, fmt.Errorf("policies: resource: %w", err)
	}
	return t.Value, nil
}

// resourceTerm converts the resource. Maps, slices, scalars and the common
// pointers are converted directly; other values (structs) go through JSON.
func resourceTerm(x any) (*ast.Term, error) {
	switch v := x.(type) {
	case nil:
		return ast.InternedNullTerm, nil
	case *ast.Term:
		return v, nil
	case ast.Value:
		return ast.NewTerm(v), nil
	case map[string]any:
		items := make([][2]*ast.Term, 0, len(v))
		for k, e := range v {
			et, err := resourceTerm(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			items = append(items, [2]*ast.Term{stringTerm(k), et})
		}
		return ast.NewTerm(ast.NewObject(items...)), nil
	case []any:
		terms := make([]*ast.Term, len(v))
		for i, e := range v {
			et, err := resourceTerm(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			terms[i] = et
		}
		return ast.ArrayTerm(terms...), nil
	case string:
		return stringTerm(v), nil
	case bool:
		return ast.InternedTerm(v), nil
	case uint64:
		return ast.UIntNumberTerm(v), nil
	case uint:
		return ast.UIntNumberTerm(uint64(v)), nil
	case uint32:
		return ast.UIntNumberTerm(uint64(v)), nil
	case int:
		return ast.IntNumberTerm(v), nil
	case int32:
		return ast.IntNumberTerm(int(v)), nil
	case *string:
		if v == nil {
			return ast.InternedNullTerm, nil
		}
		return stringTerm(*v), nil
	case *uint64:
		if v == nil {
			return ast.InternedNullTerm, nil
		}
		return ast.UIntNumberTerm(*v), nil
	}
	val, err := ast.InterfaceToValue(x)
	if err != nil {
		return nil, fmt.Errorf("resource %T: %w", x, err)
	}
	return ast.NewTerm(val), nil
}
