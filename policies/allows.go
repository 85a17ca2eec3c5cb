package policies

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// AllowedScopes returns those of scopes that auth may do on the object res
// (in the shape Input.Resource takes), in the order given and never nil:
// what a page needs to show the actions an object allows. It asks the allow
// rule alone (no reasons) and converts the caller and the object once for
// all the scopes.
func (e *Engine) AllowedScopes(ctx context.Context, resource string, auth Auth, res any, scopes []string) ([]string, error) {
	resT, err := resourceTerm(res)
	if err != nil {
		return nil, fmt.Errorf("policies: %s: input: %w", resource, err)
	}
	authT := auth.term()
	out := make([]string, 0, len(scopes))
	for _, scope := range scopes {
		set, q, err := e.queries(resource, scope)
		if err != nil {
			return nil, err
		}
		r, err := set.eval(ctx, q.allow, inputObject(scope, authT, resT))
		if err != nil {
			return nil, fmt.Errorf("policies: %s %s: evaluate: %w", resource, scope, err)
		}
		if allow, ok := r.value("allow").(ast.Boolean); ok && bool(allow) {
			out = append(out, scope)
		}
	}
	return out, nil
}
