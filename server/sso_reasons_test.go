package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ssoErrorPage is the UI page that explains /auth/error?reason=<code>.
var ssoErrorPage = filepath.Join("..", "ui", "src", "pages", "auth", "SsoErrorPage.tsx")

// TestSSOReasonsExplainedByUI: every reason the server can send to the SSO
// error page has its text in the page's REASONS table, and the table has no
// entry for a reason the server never sends, so the two cannot drift apart.
func TestSSOReasonsExplainedByUI(t *testing.T) {
	// Every reason constant, by identifier. A constant that is not listed
	// here would go unchecked: the scan of the package's source below fails
	// when a reason* constant is missing from this table.
	reasons := []struct{ ident, code string }{
		{"reasonAccessDenied", reasonAccessDenied},
		{"reasonBadState", reasonBadState},
		{"reasonBadSignature", reasonBadSignature},
		{"reasonIdPUnavailable", reasonIdPUnavailable},
		{"reasonEmailNotVerified", reasonEmailNotVerified},
		{"reasonNoEmail", reasonNoEmail},
		{"reasonAccountInactive", reasonAccountInactive},
		{"reasonRegistrationOff", reasonRegistrationOff},
		{"reasonUnknownIdP", reasonUnknownIdP},
		{"reasonInvalidResponse", reasonInvalidResponse},
	}

	declared := reasonConstants(t)
	var listed []string
	for _, r := range reasons {
		listed = append(listed, r.ident)
	}
	for _, d := range declared {
		if !slices.Contains(listed, d) {
			t.Errorf("constant %s is not in this test's table: add it (and its text to %s)", d, ssoErrorPage)
		}
	}

	src, err := os.ReadFile(ssoErrorPage)
	if err != nil {
		t.Fatalf("read the SSO error page: %v", err)
	}
	ui := uiReasonKeys(t, string(src))
	for _, r := range reasons {
		t.Run(r.ident, func(t *testing.T) {
			if !slices.Contains(ui, r.code) {
				t.Errorf("%s (%q) has no entry in REASONS of %s: the page would show its generic text", r.ident, r.code, ssoErrorPage)
			}
		})
	}
	for _, k := range ui {
		if !slices.ContainsFunc(reasons, func(r struct{ ident, code string }) bool { return r.code == k }) {
			t.Errorf("REASONS of %s explains %q, which is no reason constant of the table above", ssoErrorPage, k)
		}
	}
}

// reasonConstants names the reason* constants declared in the package's
// non-test source.
func reasonConstants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	isReason := regexp.MustCompile(`^reason[A-Z]`)
	fset := token.NewFileSet()
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if isReason.MatchString(id.Name) {
						names = append(names, id.Name)
					}
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("no reason* constants found in the package source")
	}
	return names
}

// uiReasonKeys returns the keys of the page's `export const REASONS = {...}`.
func uiReasonKeys(t *testing.T, src string) []string {
	t.Helper()
	_, body, ok := strings.Cut(src, "export const REASONS")
	if !ok {
		t.Fatalf("%s has no `export const REASONS`", ssoErrorPage)
	}
	body, _, ok = strings.Cut(body, "\n};")
	if !ok {
		t.Fatalf("REASONS in %s does not end with a line `};`", ssoErrorPage)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`(?m)^  ['"]?([a-z][a-z_]*)['"]?: \{`).FindAllStringSubmatch(body, -1) {
		keys = append(keys, m[1])
	}
	if len(keys) == 0 {
		t.Fatalf("no keys read from REASONS in %s", ssoErrorPage)
	}
	return keys
}
