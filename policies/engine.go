// Package policies decides who may do what in Gatehouse. The rules are Rego
// files, one per resource (users.rego, organizations.rego, ...) plus the
// shared utils.rego, embedded in the binary and evaluated in-process with OPA
// queries prepared once per set of files. A directory of .rego files
// (Options.Dir, --policies-dir) can replace or extend them; it is watched and
// reloaded without a restart, and a set that does not compile or whose Rego
// tests fail is rejected while the last good one stays active.
//
// The input and resource shapes, the filter fields and the editing rules are
// described in README.md.
package policies

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

//go:embed *.rego
var embedded embed.FS

// DefaultPollInterval is how often Run looks at Options.Dir.
const DefaultPollInterval = 2 * time.Second

// Options configure an Engine.
type Options struct {
	// Dir holds .rego files that replace embedded files of the same name or
	// add new ones; "" uses the embedded policies only.
	Dir    string
	Logger *slog.Logger
	// PollInterval is how often Run checks Dir for changes (default 2s).
	PollInterval time.Duration
}

// Engine answers policy questions. It is safe for concurrent use.
type Engine struct {
	dir      string
	log      *slog.Logger
	poll     time.Duration
	embedded map[string]string
	active   atomic.Pointer[ruleSet]

	mu       sync.Mutex        // serializes reloads
	lastSeen map[string]string // override files of the last attempt
	lastErr  string            // last error reading Dir, to log it once

	reloadHook atomic.Pointer[ReloadHook] // told about reloads (audit log)
}

// Decision is the answer to one question.
type Decision struct {
	Allow bool `json:"allow"`
	// Reasons explain a denial in words a user understands; empty when allowed.
	Reasons []string `json:"reasons"`
}

// Filter tells which rows of a list the caller may see, for the store to
// turn into SQL: All (no restriction), None (nothing), or Any, an OR of
// terms, each an AND of conditions.
type Filter struct {
	All  bool     `json:"all"`
	None bool     `json:"none"`
	Any  [][]Cond `json:"any"`
}

// Cond is one condition of a filter term: Field Op Value. Fields are the
// abstract names README.md lists per resource. Op is "==" (Value a scalar,
// nil meaning IS NULL) or "in" (Value a []any).
type Cond struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

// New compiles the embedded policies, with the files of opts.Dir laid over
// them, once. It fails when the set does not compile or, when opts.Dir adds
// or replaces files, when the set's Rego tests fail.
func New(ctx context.Context, opts Options) (*Engine, error) {
	e := &Engine{dir: opts.Dir, log: opts.Logger, poll: opts.PollInterval}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.poll <= 0 {
		e.poll = DefaultPollInterval
	}
	var err error
	if e.embedded, err = embeddedFiles(); err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	var overrides map[string]string
	if e.dir != "" {
		if overrides, err = readDir(e.dir); err != nil {
			return nil, fmt.Errorf("policies: %w", err)
		}
	}
	start := time.Now()
	set, err := build(ctx, merge(e.embedded, overrides), len(overrides) > 0)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	e.active.Store(set)
	e.lastSeen = overrides
	e.log.LogAttrs(ctx, slog.LevelInfo, "policies loaded",
		slog.Int("files", len(set.sources)),
		slog.Any("overrides", slices.Sorted(maps.Keys(overrides))),
		slog.Duration("took", time.Since(start)))
	return e, nil
}

// Decide answers whether in.Auth may do in.Scope on in.Resource, a resource
// of kind resource ("users", "organizations", "memberships", ...). An
// unknown resource or scope is an error, not a denial: it is a bug in the
// caller.
func (e *Engine) Decide(ctx context.Context, resource string, in Input) (Decision, error) {
	set, q, err := e.queries(resource, in.Scope)
	if err != nil {
		return Decision{}, err
	}
	v, err := in.value()
	if err != nil {
		return Decision{}, fmt.Errorf("policies: %s %s: input: %w", resource, in.Scope, err)
	}
	res, err := set.eval(ctx, q.decide, v)
	if err == nil && res == nil {
		// The reasons rule is undefined for this input: ask allow alone.
		res, err = set.eval(ctx, q.allow, v)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("policies: %s %s: evaluate: %w", resource, in.Scope, err)
	}
	var d Decision
	if allow, ok := res.value("allow").(ast.Boolean); ok && bool(allow) {
		d.Allow = true
		return d, nil
	}
	if reasons, ok := res.value("reasons").(ast.Set); ok {
		reasons.Foreach(func(t *ast.Term) {
			if s, ok := t.Value.(ast.String); ok {
				d.Reasons = append(d.Reasons, string(s))
			}
		})
		sort.Strings(d.Reasons)
	}
	return d, nil
}

// Filter answers which rows of resource the caller may list (in.Scope,
// "list" when empty). A caller who may not list at all gets None.
func (e *Engine) Filter(ctx context.Context, resource string, in Input) (Filter, error) {
	if in.Scope == "" {
		in.Scope = "list"
	}
	set, q, err := e.queries(resource, in.Scope)
	if err != nil {
		return Filter{}, err
	}
	if !q.hasFilter {
		return Filter{}, fmt.Errorf("policies: %s has no filter rule", resource)
	}
	v, err := in.value()
	if err != nil {
		return Filter{}, fmt.Errorf("policies: %s %s: input: %w", resource, in.Scope, err)
	}
	res, err := set.eval(ctx, q.filter, v)
	if err != nil {
		return Filter{}, fmt.Errorf("policies: %s %s: evaluate filter: %w", resource, in.Scope, err)
	}
	fv := res.value("filter")
	if fv == nil {
		return Filter{None: true}, nil // undefined: fail closed
	}
	f, err := parseFilter(fv)
	if err != nil {
		return Filter{}, fmt.Errorf("policies: %s %s: %w", resource, in.Scope, err)
	}
	return f, nil
}

// Bundle returns the active files, name → source, for GET /api/auth/rules.
func (e *Engine) Bundle() map[string]string {
	return maps.Clone(e.active.Load().sources)
}

// resources lists the policy packages of the active set.
func (e *Engine) resources() []string {
	return slices.Sorted(maps.Keys(e.active.Load().resources))
}

func (e *Engine) queries(resource, scope string) (*ruleSet, *resourceQueries, error) {
	set := e.active.Load()
	q, ok := set.resources[resource]
	if !ok {
		return nil, nil, fmt.Errorf("policies: unknown resource %q", resource)
	}
	if q.scopes != nil && !q.scopes[scope] {
		return nil, nil, fmt.Errorf("policies: %s: unknown scope %q", resource, scope)
	}
	return set, q, nil
}

// parseFilter reads the Rego filter: an array of terms, each an array of
// {"field", "op", "value"} objects.
func parseFilter(x ast.Value) (Filter, error) {
	terms, ok := x.(*ast.Array)
	if !ok {
		return Filter{}, fmt.Errorf("filter is %s, want an array of terms", ast.ValueName(x))
	}
	if terms.Len() == 0 {
		return Filter{None: true}, nil
	}
	f := Filter{Any: make([][]Cond, 0, terms.Len())}
	for i := range terms.Len() {
		conds, ok := terms.Elem(i).Value.(*ast.Array)
		if !ok {
			return Filter{}, fmt.Errorf("filter term %d is %s, want an array", i, ast.ValueName(terms.Elem(i).Value))
		}
		if conds.Len() == 0 {
			return Filter{All: true}, nil // an empty AND is true
		}
		term := make([]Cond, 0, conds.Len())
		for j := range conds.Len() {
			cond, err := parseCond(conds.Elem(j).Value)
			if err != nil {
				return Filter{}, fmt.Errorf("filter term %d: %w", i, err)
			}
			term = append(term, cond)
		}
		f.Any = append(f.Any, term)
	}
	return f, nil
}

func parseCond(x ast.Value) (Cond, error) {
	obj, ok := x.(ast.Object)
	if !ok {
		return Cond{}, fmt.Errorf("condition is %s, want an object", ast.ValueName(x))
	}
	str := func(key string) string {
		if t := obj.Get(ast.StringTerm(key)); t != nil {
			if s, ok := t.Value.(ast.String); ok {
				return string(s)
			}
		}
		return ""
	}
	field, op := str("field"), str("op")
	if field == "" {
		return Cond{}, errors.New("condition without a field")
	}
	if op == "" {
		op = "=="
	}
	c := Cond{Field: field, Op: op}
	if t := obj.Get(ast.StringTerm("value")); t != nil {
		c.Value = plain(t.Value)
	}
	switch op {
	case "==":
		if _, isList := c.Value.([]any); isList {
			return Cond{}, fmt.Errorf("condition on %s: == needs a scalar", field)
		}
	case "in":
		if _, isList := c.Value.([]any); !isList {
			return Cond{}, fmt.Errorf("condition on %s: in needs an array", field)
		}
	default:
		return Cond{}, fmt.Errorf("condition on %s: unknown op %q", field, op)
	}
	return c, nil
}

// plain turns an OPA value into the Go value the SQL layer binds: numbers
// become uint64, int64 or float64; arrays and sets []any; objects
// map[string]any.
func plain(v ast.Value) any {
	switch v := v.(type) {
	case ast.Null:
		return nil
	case ast.Boolean:
		return bool(v)
	case ast.String:
		return string(v)
	case ast.Number:
		if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return u
		}
		if i, ok := v.Int64(); ok {
			return i
		}
		if f, ok := v.Float64(); ok {
			return f
		}
		return string(v)
	case *ast.Array:
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = plain(v.Elem(i).Value)
		}
		return out
	case ast.Set:
		out := make([]any, 0, v.Len())
		for _, t := range v.Slice() {
			out = append(out, plain(t.Value))
		}
		return out
	case ast.Object:
		out := make(map[string]any, v.Len())
		v.Foreach(func(k, e *ast.Term) {
			out[k.Value.String()] = plain(e.Value)
		})
		return out
	}
	return v.String()
}
