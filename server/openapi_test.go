package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// referenceDir finds CVAT's reference data: $GATEHOUSE_REFERENCE_DIR, or
// ../shared/reference beside the repository (as CI lays it out).
func referenceDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("GATEHOUSE_REFERENCE_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		cand := filepath.Join(dir, "shared", "reference")
		if _, err := os.Stat(filepath.Join(cand, "cvat-iam-openapi.yml")); err == nil {
			return cand
		}
	}
	t.Fatal("reference data not found: set GATEHOUSE_REFERENCE_DIR to the folder holding cvat-iam-openapi.yml")
	return ""
}

type schemaChecker struct {
	t      *testing.T
	router routers.Router
	seen   map[string]bool
}

func newSchemaChecker(t *testing.T) *schemaChecker {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(referenceDir(t), "cvat-iam-openapi.yml"))
	if err != nil {
		t.Fatalf("load schema: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("schema invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "/"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	openapi3filter.RegisterBodyDecoder("application/vnd.cvat+json", openapi3filter.JSONBodyDecoder)
	return &schemaChecker{t: t, router: router, seen: map[string]bool{}}
}

// check sends the request with the CVAT media type and validates the answer
// against the operation's response schema.
func (sc *schemaChecker) check(b *browser, method, path string, body any, wantStatus int) response {
	sc.t.Helper()
	b.headers["Accept"] = "application/vnd.cvat+json"
	defer delete(b.headers, "Accept")
	r := b.do(method, path, body)
	if r.Status != wantStatus {
		sc.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, wantStatus, r.Body)
	}
	req, _ := http.NewRequest(method, "http://localhost"+path, nil)
	route, params, err := sc.router.FindRoute(req)
	if err != nil {
		sc.t.Fatalf("%s %s is not in the schema: %v", method, path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  r.Status,
		Header:  r.Header,
		Body:    io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		sc.t.Errorf("%s %s: response does not match the CVAT schema: %v\n%s", method, path, err, r.Body)
	}
	sc.seen[method+" "+route.Path] = true
	return r
}

func TestResponsesMatchCVATSchema(t *testing.T) {
	sc := newSchemaChecker(t)
	env := newAccountsEnv(t, envOptions{smtp: true})
	anon := env.browser()
	anon.do("GET", "/api/server/about", nil)
	sc.check(anon, "GET", "/api/server/about", nil, 200)

	name, email := uniqueName("schema")
	sc.check(anon, "POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword, "first_name": "Sam", "last_name": "Schema"}, 201)
	b := env.browser()
	b.do("GET", "/api/server/about", nil)
	sc.check(b, "POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}, 200)
	self := sc.check(b, "GET", "/api/users/self", nil, 200)
	_ = self
	id := strconv.Itoa(selfID(t, b))
	sc.check(b, "GET", "/api/users", nil, 200)
	sc.check(b, "GET", "/api/users/"+id, nil, 200)
	sc.check(b, "PATCH", "/api/users/"+id, map[string]any{"first_name": "Samuel"}, 200)

	admin, adminName, _ := env.registerUser("schemaadm")
	env.makeAdmin(adminName)
	sc.check(admin, "GET", "/api/users?page_size=1", nil, 200) // BasicUser/User mix with next link
	other, _, _ := env.registerUser("schemaoth")
	sc.check(admin, "GET", "/api/users/"+strconv.Itoa(selfID(t, other)), nil, 200)

	const next = "Schema-Valid-Password-8"
	sc.check(b, "POST", "/api/auth/password/change", map[string]any{"old_password": goodPassword, "new_password1": next, "new_password2": next}, 200)
	sc.check(anon, "POST", "/api/auth/password/reset", map[string]any{"email": email}, 200)
	uid, tok := resetParams(t, linkWith(t, env.deliver(email, 2), "/auth/password/reset/confirm"))
	sc.check(anon, "POST", "/api/auth/password/reset/confirm", map[string]any{"uid": uid, "token": tok, "new_password1": goodPassword, "new_password2": goodPassword}, 200)
	sc.check(b, "POST", "/api/auth/logout", nil, 200)
	sc.check(other, "DELETE", "/api/users/"+strconv.Itoa(selfID(t, other)), nil, 204)

	// Organizations, memberships and invitations.
	f := newOrgFixture(t, env)
	o := inOrg(f.owner, f.slug)
	orgID := strconv.Itoa(f.id)
	sc.check(f.owner, "GET", "/api/organizations", nil, 200)
	created := sc.check(f.outsider, "POST", "/api/organizations", map[string]any{"slug": "schema" + strconv.Itoa(int(userSeq.Add(1))), "name": "Schema Org", "description": "d", "contact": map[string]any{"email": "c@example.com"}}, 201)
	var newOrg struct{ ID int }
	decodeInto(t, created, &newOrg)
	sc.check(f.owner, "GET", "/api/organizations/"+orgID, nil, 200)
	sc.check(f.owner, "PATCH", "/api/organizations/"+orgID, map[string]any{"name": "Renamed"}, 200)
	sc.check(o, "GET", "/api/memberships", nil, 200)
	mid := strconv.Itoa(f.membershipID(t, "worker"))
	sc.check(f.owner, "GET", "/api/memberships/"+mid, nil, 200)
	sc.check(f.owner, "PATCH", "/api/memberships/"+mid, map[string]any{"role": "supervisor"}, 200)
	_, _, inviteeEmail := env.registerUser("schemainv")
	invResp := sc.check(o, "POST", "/api/invitations", map[string]any{"email": inviteeEmail, "role": "worker"}, 201)
	var inv struct{ Key string }
	decodeInto(t, invResp, &inv)
	sc.check(o, "GET", "/api/invitations", nil, 200)
	sc.check(f.owner, "GET", "/api/invitations/"+inv.Key, nil, 200)
	sc.check(f.owner, "POST", "/api/invitations/"+inv.Key+"/resend", nil, 204)
	sc.check(f.owner, "DELETE", "/api/invitations/"+inv.Key, nil, 204)
	_, _, joinerEmail := env.registerUser("schemajoin")
	joiner := env.browser()
	expect(t, joiner.do("POST", "/api/auth/login", map[string]any{"email": joinerEmail, "password": goodPassword}), 200)
	inv2 := sc.check(o, "POST", "/api/invitations", map[string]any{"email": joinerEmail, "role": "worker"}, 201)
	decodeInto(t, inv2, &inv)
	sc.check(joiner, "POST", "/api/invitations/"+inv.Key+"/accept", nil, 200)
	_, _, declinerEmail := env.registerUser("schemadecl")
	decliner := env.browser()
	expect(t, decliner.do("POST", "/api/auth/login", map[string]any{"email": declinerEmail, "password": goodPassword}), 200)
	inv3 := sc.check(o, "POST", "/api/invitations", map[string]any{"email": declinerEmail, "role": "worker"}, 201)
	decodeInto(t, inv3, &inv)
	sc.check(decliner, "POST", "/api/invitations/"+inv.Key+"/decline", nil, 204)
	sc.check(f.owner, "DELETE", "/api/memberships/"+mid, nil, 204)
	sc.check(f.outsider, "DELETE", "/api/organizations/"+strconv.Itoa(newOrg.ID), nil, 204)

	for _, op := range []string{
		"GET /api/organizations", "POST /api/organizations", "GET /api/organizations/{id}", "PATCH /api/organizations/{id}", "DELETE /api/organizations/{id}",
		"GET /api/memberships", "GET /api/memberships/{id}", "PATCH /api/memberships/{id}", "DELETE /api/memberships/{id}",
		"GET /api/invitations", "POST /api/invitations", "GET /api/invitations/{key}", "DELETE /api/invitations/{key}",
		"POST /api/invitations/{key}/accept", "POST /api/invitations/{key}/decline", "POST /api/invitations/{key}/resend",
		"GET /api/server/about", "POST /api/auth/register", "POST /api/auth/login", "POST /api/auth/logout",
		"POST /api/auth/password/change", "POST /api/auth/password/reset", "POST /api/auth/password/reset/confirm",
		"GET /api/users", "GET /api/users/self", "GET /api/users/{id}", "PATCH /api/users/{id}", "DELETE /api/users/{id}",
	} {
		if !sc.seen[op] {
			t.Errorf("operation %s was not validated", op)
		}
	}
}
