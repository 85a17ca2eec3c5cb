package policies

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Evaluation goes straight to OPA's evaluator (topdown) with queries
// compiled once per set: no per-call transaction, metrics, cancellation
// goroutine or JSON conversion of the results, which the rego package adds
// to every evaluation.

var noMetrics = metrics.NoOp()

// neverCancelled stands in for the cancellation of a context that cannot be
// cancelled.
var neverCancelled = topdown.NewCancel()

// result is the bindings of the first answer to a query; nil when undefined.
type result topdown.QueryResult

func (r result) value(name string) ast.Value {
	if t := r[ast.Var(name)]; t != nil {
		return t.Value
	}
	return nil
}

// eval runs a compiled query against the set with input.
func (rs *ruleSet) eval(ctx context.Context, body ast.Body, input ast.Value) (result, error) {
	cancel := neverCancelled
	if ctx.Done() != nil {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
		c := topdown.NewCancel()
		stop := context.AfterFunc(ctx, c.Cancel)
		defer stop()
		cancel = c
	}
	var out result
	err := topdown.NewQuery(body).
		WithCompiler(rs.compiler).
		WithStore(rs.store).
		WithTransaction(rs.txn).
		WithInput(ast.NewTerm(input)).
		WithCancel(cancel).
		WithMetrics(noMetrics).
		Iter(ctx, func(qr topdown.QueryResult) error {
			if out == nil {
				out = result(qr)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
