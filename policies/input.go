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

var (
	keyScope        = ast.InternedTerm("scope")
	keyAuth         = ast.InternedTerm("auth")
	keyResource     = ast.InternedTerm("resource")
	keyUser         = ast.InternedTerm("user")
	keyOrganization = ast.InternedTerm("organization")
	keyID           = ast.InternedTerm("id")
	keyPrivilege    = ast.InternedTerm("privilege")
	keyOwner        = ast.InternedTerm("owner")
	keyRole         = ast.InternedTerm("role")
)

// value builds the OPA input by hand: no JSON round trip on the hot path.
func (in *Input) value() (ast.Value, error) {
	user := ast.NewObject(
		[2]*ast.Term{keyID, ast.UIntNumberTerm(in.Auth.User.ID)},
		[2]*ast.Term{keyPrivilege, ast.InternedTerm(in.Auth.User.Privilege)},
	)
	org := ast.InternedNullTerm
	if o := in.Auth.Organization; o != nil {
		role := ast.InternedNullTerm
		if o.Role != nil {
			role = ast.InternedTerm(*o.Role)
		}
		org = ast.NewTerm(ast.NewObject(
			[2]*ast.Term{keyID, ast.UIntNumberTerm(o.ID)},
			[2]*ast.Term{keyOwner, ast.NewTerm(ast.NewObject([2]*ast.Term{keyID, ast.UIntNumberTerm(o.OwnerID)}))},
			[2]*ast.Term{keyUser, ast.NewTerm(ast.NewObject([2]*ast.Term{keyRole, role}))},
		))
	}
	res, err := resourceValue(in.Resource)
	if err != nil {
		return nil, err
	}
	return ast.NewObject(
		[2]*ast.Term{keyScope, ast.InternedTerm(in.Scope)},
		[2]*ast.Term{keyAuth, ast.NewTerm(ast.NewObject(
			[2]*ast.Term{keyUser, ast.NewTerm(user)},
			[2]*ast.Term{keyOrganization, org},
		))},
		[2]*ast.Term{keyResource, ast.NewTerm(res)},
	), nil
}

// resourceValue converts the resource. Maps, slices, scalars and the common
// pointers are converted directly; other values (structs) go through JSON.
func resourceValue(x any) (ast.Value, error) {
	switch v := x.(type) {
	case nil:
		return ast.NullValue, nil
	case ast.Value:
		return v, nil
	case map[string]any:
		items := make([][2]*ast.Term, 0, len(v))
		for k, e := range v {
			ev, err := resourceValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			items = append(items, [2]*ast.Term{ast.InternedTerm(k), ast.NewTerm(ev)})
		}
		return ast.NewObject(items...), nil
	case []any:
		terms := make([]*ast.Term, len(v))
		for i, e := range v {
			ev, err := resourceValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			terms[i] = ast.NewTerm(ev)
		}
		return ast.NewArray(terms...), nil
	case uint:
		return ast.UIntNumberTerm(uint64(v)).Value, nil
	case uint32:
		return ast.UIntNumberTerm(uint64(v)).Value, nil
	case int32:
		return ast.IntNumberTerm(int(v)).Value, nil
	case *string:
		if v == nil {
			return ast.NullValue, nil
		}
		return ast.String(*v), nil
	case *uint64:
		if v == nil {
			return ast.NullValue, nil
		}
		return ast.UIntNumberTerm(*v).Value, nil
	}
	val, err := ast.InterfaceToValue(x)
	if err != nil {
		return nil, fmt.Errorf("resource %T: %w", x, err)
	}
	return val, nil
}
