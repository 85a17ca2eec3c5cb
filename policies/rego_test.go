package policies

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRegoUnitTests runs the embedded *_test.rego files with OPA's tester,
// as `opa test policies/` would.
func TestRegoUnitTests(t *testing.T) {
	files, err := embeddedFiles()
	if err != nil {
		t.Fatal(err)
	}
	policies, tests, probs := parseAll(files)
	if len(probs) > 0 {
		t.Fatalf("parse: %v", probs)
	}
	// Every policy file has its tests.
	for name := range policies {
		test := strings.TrimSuffix(name, ".rego") + "_test.rego"
		if _, ok := tests[test]; !ok {
			t.Errorf("%s has no %s", name, test)
		}
	}
	maps.Copy(policies, tests)
	ch, err := tester.NewRunner().SetModules(policies).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("compile tests: %v", err)
	}
	perFile := map[string]int{}
	for r := range ch {
		if !r.Pass() {
			t.Errorf("%s %s.%s: fail=%v error=%v", r.Location, r.Package, r.Name, r.Fail, r.Error)
			continue
		}
		perFile[r.Location.File]++
	}
	for name := range tests {
		if perFile[name] < 3 {
			t.Errorf("%s: %d passing tests, want at least 3", name, perFile[name])
		}
	}
	t.Logf("passing Rego tests per file: %v", perFile)
}

// TestRegoStrict compiles the embedded policies in OPA's strict mode (no
// unused variables, imports or arguments, no deprecated built-ins).
func TestRegoStrict(t *testing.T) {
	files, err := embeddedFiles()
	if err != nil {
		t.Fatal(err)
	}
	policies, tests, probs := parseAll(files)
	if len(probs) > 0 {
		t.Fatalf("parse: %v", probs)
	}
	maps.Copy(policies, tests)
	c := ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(policies); c.Failed() {
		t.Fatalf("strict compile: %v", c.Errors)
	}
}

// TestRegoTestsRejectBrokenRules makes sure the embedded tests can fail: a
// set whose rules drift from them is rejected by the same check the reload
// applies.
func TestRegoTestsRejectBrokenRules(t *testing.T) {
	files, err := embeddedFiles()
	if err != nil {
		t.Fatal(err)
	}
	broken := maps.Clone(files)
	broken["users.rego"] = strings.Replace(files["users.rego"], "allow if {\n\tinput.scope == \"delete\"\n\tis_self\n}", "", 1)
	if broken["users.rego"] == files["users.rego"] {
		t.Fatal("users.rego no longer has the rule this test breaks")
	}
	probs := runRegoTests(context.Background(), broken)
	if len(probs) == 0 {
		t.Fatal("the Rego tests did not notice that users may no longer delete themselves")
	}
	for _, p := range probs {
		if p.File != "users_test.rego" {
			t.Errorf("unexpected problem %+v", p)
		}
	}
}
