package policies

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// testTimeout bounds one Rego test of an edited set.
const testTimeout = 10 * time.Second

// ruleSet is one compiled bundle: immutable once built, swapped whole.
type ruleSet struct {
	sources   map[string]string
	compiler  *ast.Compiler
	store     storage.Store
	txn       storage.Transaction // a read transaction, shared: the store never changes
	resources map[string]*resourceQueries
}

// resourceQueries are the compiled queries of one policy package.
type resourceQueries struct {
	// decide binds "allow" and, when the package has a reasons rule,
	// "reasons": one evaluation answers both, the reasons reusing the
	// evaluated allow.
	decide ast.Body
	// allow alone, for when a custom reasons rule is undefined (which
	// makes decide undefined too).
	allow     ast.Body
	filter    ast.Body
	hasFilter bool
	// scopes the package declares; nil when it declares none (any scope).
	scopes map[string]bool
}

// problem is one reason a set of policies was rejected.
type problem struct {
	File    string
	Problem string
}

// setError lists everything wrong with a set of policies.
type setError struct{ problems []problem }

func (e *setError) Error() string {
	lines := make([]string, len(e.problems))
	for i, p := range e.problems {
		lines[i] = p.File + ": " + p.Problem
	}
	return strings.Join(lines, "; ")
}

func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// embeddedFiles reads the built-in policies.
func embeddedFiles() (map[string]string, error) {
	names, err := fs.Glob(embedded, "*.rego")
	if err != nil {
		return nil, fmt.Errorf("list embedded policies: %w", err)
	}
	files := make(map[string]string, len(names))
	for _, n := range names {
		b, err := embedded.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", n, err)
		}
		files[n] = string(b)
	}
	return files, nil
}

// readDir reads the *.rego files at the top of dir.
func readDir(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read policies dir: %w", err)
	}
	files := make(map[string]string)
	for _, ent := range entries {
		if !ent.Type().IsRegular() && ent.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if !strings.HasSuffix(ent.Name(), ".rego") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			return nil, fmt.Errorf("read policy: %w", err)
		}
		files[ent.Name()] = string(b)
	}
	return files, nil
}

// merge lays the override files over the embedded ones. A file named like an
// embedded one replaces it; others are added. The embedded tests of a
// replaced policy are dropped unless the override directory replaces them
// too, since they test rules that are no longer there.
func merge(base, overrides map[string]string) map[string]string {
	files := maps.Clone(base)
	maps.Copy(files, overrides)
	for name := range base {
		if !isTestFile(name) {
			continue
		}
		subject := strings.TrimSuffix(name, "_test.rego") + ".rego"
		_, subjectReplaced := overrides[subject]
		_, testReplaced := overrides[name]
		if subjectReplaced && !testReplaced {
			delete(files, name)
		}
	}
	return files
}

// build parses, compiles and (when runTests) tests a set of files, then
// prepares every query the engine evaluates.
func build(ctx context.Context, files map[string]string, runTests bool) (*ruleSet, error) {
	policies, tests, probs := parseAll(files)
	if len(probs) > 0 {
		return nil, &setError{probs}
	}
	if len(policies) == 0 {
		return nil, &setError{[]problem{{File: "(set)", Problem: "no policy files"}}}
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(policies); c.Failed() {
		return nil, &setError{astProblems(c.Errors)}
	}
	if runTests && len(tests) > 0 {
		if probs := runRegoTests(ctx, files); len(probs) > 0 {
			return nil, &setError{probs}
		}
	}
	store := inmem.New()
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	rs := &ruleSet{sources: maps.Clone(files), compiler: c, store: store, txn: txn, resources: map[string]*resourceQueries{}}
	for name, pkg := range packages(c) {
		if !pkg.rules["allow"] {
			continue
		}
		q, err := rs.prepare(ctx, name, pkg.rules)
		if err != nil {
			return nil, &setError{[]problem{{File: strings.Join(pkg.files, ", "), Problem: "package " + name + ": " + err.Error()}}}
		}
		rs.resources[name] = q
	}
	if len(rs.resources) == 0 {
		return nil, &setError{[]problem{{File: "(set)", Problem: "no package defines an allow rule"}}}
	}
	return rs, nil
}

// parseAll parses every file as Rego v1; test files are kept apart.
func parseAll(files map[string]string) (policies, tests map[string]*ast.Module, probs []problem) {
	policies, tests = map[string]*ast.Module{}, map[string]*ast.Module{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		mod, err := ast.ParseModuleWithOpts(name, files[name], ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			var errs ast.Errors
			var one *ast.Error
			switch {
			case errors.As(err, &errs):
				probs = append(probs, astProblems(errs)...)
			case errors.As(err, &one):
				probs = append(probs, astProblems(ast.Errors{one})...)
			default:
				probs = append(probs, problem{File: name, Problem: err.Error()})
			}
			continue
		}
		if mod == nil {
			probs = append(probs, problem{File: name, Problem: "empty file: no package declaration"})
			continue
		}
		if isTestFile(name) {
			tests[name] = mod
		} else {
			policies[name] = mod
		}
	}
	return policies, tests, probs
}

func astProblems(errs ast.Errors) []problem {
	out := make([]problem, 0, len(errs))
	for _, e := range errs {
		p := problem{File: "(set)", Problem: e.Message}
		if e.Location != nil && e.Location.Row == 0 {
			p.File = e.Location.File
		} else if e.Location != nil {
			p.File = e.Location.File
			p.Problem = fmt.Sprintf("line %d, column %d: %s", e.Location.Row, e.Location.Col, e.Message)
		}
		out = append(out, p)
	}
	return out
}

// runRegoTests runs the *_test.rego files of the set with OPA's tester on a
// fresh parse (the production compiler rewrites its modules).
func runRegoTests(ctx context.Context, files map[string]string) []problem {
	policies, tests, probs := parseAll(files)
	if len(probs) > 0 {
		return probs
	}
	maps.Copy(policies, tests)
	ch, err := tester.NewRunner().SetModules(policies).SetTimeout(testTimeout).RunTests(ctx, nil)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return astProblems(errs)
		}
		return []problem{{File: "(tests)", Problem: err.Error()}}
	}
	for r := range ch {
		if r.Pass() || r.Skip {
			continue
		}
		file := "(tests)"
		if r.Location != nil {
			file = r.Location.File
		}
		msg := fmt.Sprintf("test %s.%s failed", r.Package, r.Name)
		if r.Location != nil {
			msg = fmt.Sprintf("line %d: %s", r.Location.Row, msg)
		}
		if r.Error != nil {
			msg += ": " + r.Error.Error()
		}
		probs = append(probs, problem{File: file, Problem: msg})
	}
	sort.Slice(probs, func(i, j int) bool {
		return probs[i].File+probs[i].Problem < probs[j].File+probs[j].Problem
	})
	return probs
}

// policyPackage is a one-segment package (data.<name>): the names of its
// rules and the files that declare it.
type policyPackage struct {
	rules map[string]bool
	files []string
}

// packages lists the one-segment packages of the compiled set.
func packages(c *ast.Compiler) map[string]*policyPackage {
	out := map[string]*policyPackage{}
	for file, mod := range c.Modules {
		path := mod.Package.Path
		if len(path) != 2 {
			continue
		}
		name, ok := path[1].Value.(ast.String)
		if !ok {
			continue
		}
		pkg := out[string(name)]
		if pkg == nil {
			pkg = &policyPackage{rules: map[string]bool{}}
			out[string(name)] = pkg
		}
		pkg.files = append(pkg.files, file)
		for _, r := range mod.Rules {
			if ref := r.Head.Ref(); len(ref) > 0 {
				pkg.rules[ref[0].Value.String()] = true
			}
		}
	}
	for _, pkg := range out {
		slices.Sort(pkg.files)
	}
	return out
}

// prepare compiles the queries of package name once.
func (rs *ruleSet) prepare(ctx context.Context, name string, rules map[string]bool) (*resourceQueries, error) {
	q := &resourceQueries{hasFilter: rules["filter"]}
	qc := rs.compiler.QueryCompiler()
	compile := func(query string) (ast.Body, error) {
		body, err := ast.ParseBodyWithOpts(query, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", query, err)
		}
		if body, err = qc.Compile(body); err != nil {
			return nil, fmt.Errorf("compile %s: %w", query, err)
		}
		return body, nil
	}
	var err error
	if q.allow, err = compile(fmt.Sprintf("allow = data.%s.allow", name)); err != nil {
		return nil, err
	}
	q.decide = q.allow
	if rules["reasons"] {
		if q.decide, err = compile(fmt.Sprintf("allow = data.%s.allow; reasons = data.%s.reasons", name, name)); err != nil {
			return nil, err
		}
	}
	if q.filter, err = compile(fmt.Sprintf("filter = data.%s.filter", name)); err != nil {
		return nil, err
	}
	if !rules["scopes"] {
		return q, nil
	}
	body, err := compile(fmt.Sprintf("scopes = data.%s.scopes", name))
	if err != nil {
		return nil, err
	}
	res, err := rs.eval(ctx, body, ast.NullValue)
	if err != nil {
		return nil, fmt.Errorf("evaluate scopes: %w", err)
	}
	set, ok := res.value("scopes").(ast.Set)
	if !ok {
		return nil, errors.New("scopes must be a set of strings")
	}
	q.scopes = make(map[string]bool, set.Len())
	for _, t := range set.Slice() {
		str, ok := t.Value.(ast.String)
		if !ok {
			return nil, errors.New("scopes must be a set of strings")
		}
		q.scopes[string(str)] = true
	}
	return q, nil
}
