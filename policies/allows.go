package policies

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Allows answers only whether in.Auth may do in.Scope on in.Resource,
// without the reasons of a denial: what a page needs to show the actions
// an object allows (one question per scope and object), at the cost of the
// allow rule alone.
func (e *Engine) Allows(ctx context.Context, resource string, in Input) (bool, error) {
	set, q, err := e.queries(resource, in.Scope)
	if err != nil {
		return false, err
	}
	v, err := in.value()
	if err != nil {
		return false, fmt.Errorf("policies: %s %s: input: %w", resource, in.Scope, err)
	}
	res, err := set.eval(ctx, q.allow, v)
	if err != nil {
		return false, fmt.Errorf("policies: %s %s: evaluate: %w", resource, in.Scope, err)
	}
	allow, ok := res.value("allow").(ast.Boolean)
	return ok && bool(allow), nil
}
