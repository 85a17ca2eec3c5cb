package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// orgFixture is an organization with one member per role.
type orgFixture struct {
	env                                   *accountsEnv
	slug                                  string
	id                                    int
	owner, maintainer, supervisor, worker *browser
	outsider                              *browser
	emails                                map[string]string
}

func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// inOrg sends requests in the organization's context.
func inOrg(b *browser, slug string) *browser {
	c := *b
	c.headers = map[string]string{"X-Organization": slug}
	for k, v := range b.headers {
		c.headers[k] = v
	}
	return &c
}

func newOrgFixture(t *testing.T, env *accountsEnv) *orgFixture {
	t.Helper()
	f := &orgFixture{env: env, emails: map[string]string{}}
	var ownerEmail string
	f.owner, _, ownerEmail = env.registerUser("owner")
	f.emails["owner"] = ownerEmail
	slug := "org" + strconv.Itoa(int(userSeq.Add(1)))
	r := f.owner.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "Acme " + slug, "contact": map[string]any{"email": "team@example.com"}})
	expect(t, r, 201, `"slug":"`+slug+`"`, `"user_role":"owner"`)
	var org struct{ ID int }
	decodeInto(t, r, &org)
	f.slug, f.id = slug, org.ID
	for _, role := range []string{"maintainer", "supervisor", "worker"} {
		b, _, email := env.registerUser(role)
		f.emails[role] = email
		f.addMember(t, b, email, role)
		switch role {
		case "maintainer":
			f.maintainer = b
		case "supervisor":
			f.supervisor = b
		case "worker":
			f.worker = b
		}
	}
	f.outsider, _, f.emails["outsider"] = env.registerUser("outsider")
	return f
}

// addMember invites email as role (by the owner) and accepts as b.
func (f *orgFixture) addMember(t *testing.T, b *browser, email, role string) {
	t.Helper()
	r := inOrg(f.owner, f.slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": role})
	expect(t, r, 201)
	var inv struct{ Key string }
	decodeInto(t, r, &inv)
	expect(t, b.do("POST", "/api/invitations/"+inv.Key+"/accept", nil), 200, `"organization_slug":"`+f.slug+`"`)
}

func (f *orgFixture) membershipID(t *testing.T, who string) int {
	t.Helper()
	r := inOrg(f.owner, f.slug).do("GET", "/api/memberships?page_size=all", nil)
	var page struct {
		Results []struct {
			ID   int
			Role string
		}
	}
	decodeInto(t, r, &page)
	for _, m := range page.Results {
		if m.Role == who {
			return m.ID
		}
	}
	t.Fatalf("no %s membership in %s", who, r.Body)
	return 0
}

func TestOrganizationCRUD(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newOrgFixture(t, env)
	orgPath := "/api/organizations/" + strconv.Itoa(f.id)

	t.Run("create validation", func(t *testing.T) {
		expect(t, f.outsider.do("POST", "/api/organizations", map[string]any{"slug": "bad slug!"}), 400, `"slug"`)
		expect(t, f.outsider.do("POST", "/api/organizations", map[string]any{"slug": strings.Repeat("x", 17)}), 400, `no more than 16`)
		expect(t, f.outsider.do("POST", "/api/organizations", map[string]any{"name": "no slug"}), 400, `"slug":["This field is required."]`)
		expect(t, f.outsider.do("POST", "/api/organizations", map[string]any{"slug": strings.ToUpper(f.slug)}), 400, `already exists`)
	})
	t.Run("list shows my organizations only", func(t *testing.T) {
		expect(t, f.worker.do("GET", "/api/organizations", nil), 200, `"count":1`, `"user_role":"worker"`)
		expect(t, f.outsider.do("GET", "/api/organizations", nil), 200, `"count":0`)
	})
	t.Run("outsiders do not see it", func(t *testing.T) {
		expect(t, f.outsider.do("GET", orgPath, nil), 404)
		expect(t, f.worker.do("GET", orgPath, nil), 200, `"slug":"`+f.slug+`"`)
	})
	t.Run("update by role", func(t *testing.T) {
		expect(t, f.worker.do("PATCH", orgPath, map[string]any{"name": "x"}), 403)
		expect(t, f.supervisor.do("PATCH", orgPath, map[string]any{"name": "x"}), 403)
		expect(t, f.maintainer.do("PATCH", orgPath, map[string]any{"description": "Maintained"}), 200, `"description":"Maintained"`)
		expect(t, f.owner.do("PATCH", orgPath, map[string]any{"name": "Acme Renamed", "contact": map[string]any{"phoneNumber": "+1 555 0100", "location": "Berlin"}}), 200, `"name":"Acme Renamed"`, `"location":"Berlin"`)
	})
	t.Run("org context", func(t *testing.T) {
		expect(t, inOrg(f.owner, "no-such-org").do("GET", "/api/memberships", nil), 404, "Organization not found.")
		b := inOrg(f.owner, f.slug)
		expect(t, b.do("GET", "/api/memberships?org=other", nil), 400, "Conflicting")
		expect(t, f.owner.do("GET", "/api/memberships?org_id="+strconv.Itoa(f.id), nil), 200, `"count":4`)
	})
	t.Run("users list in org context shows members", func(t *testing.T) {
		expect(t, inOrg(f.worker, f.slug).do("GET", "/api/users", nil), 200, `"count":4`)
		expect(t, f.worker.do("GET", "/api/users", nil), 200, `"count":1`)
	})
	t.Run("delete by role", func(t *testing.T) {
		expect(t, f.maintainer.do("DELETE", orgPath, nil), 403)
		expect(t, f.owner.do("DELETE", orgPath, nil), 204)
		expect(t, f.worker.do("GET", "/api/organizations", nil), 200, `"count":0`)
		var n int64
		env.db.Table("memberships").Where("organization_id = ?", f.id).Count(&n)
		if n != 0 {
			t.Fatalf("%d memberships survived the organization", n)
		}
		env.db.Table("invitations").Where("organization_id = ?", f.id).Count(&n)
		if n != 0 {
			t.Fatalf("%d invitations survived the organization", n)
		}
	})
}

func TestMembershipRules(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newOrgFixture(t, env)
	p := func(role string) string { return "/api/memberships/" + strconv.Itoa(f.membershipID(t, role)) }
	workerPath, supervisorPath, maintainerPath, ownerPath := p("worker"), p("supervisor"), p("maintainer"), p("owner")

	expect(t, f.outsider.do("GET", workerPath, nil), 404)
	expect(t, f.worker.do("GET", maintainerPath, nil), 200, `"role":"maintainer"`)
	expect(t, f.maintainer.do("PATCH", workerPath, map[string]any{"role": "supervisor"}), 200, `"role":"supervisor"`)
	expect(t, f.maintainer.do("PATCH", workerPath, map[string]any{"role": "worker"}), 200, `"role":"worker"`)
	expect(t, f.maintainer.do("PATCH", ownerPath, map[string]any{"role": "worker"}), 403)
	expect(t, f.supervisor.do("PATCH", workerPath, map[string]any{"role": "supervisor"}), 403)
	expect(t, f.worker.do("PATCH", workerPath, map[string]any{"role": "maintainer"}), 403)
	expect(t, f.owner.do("PATCH", workerPath, map[string]any{"role": "owner"}), 400, "Nobody becomes the owner")
	expect(t, f.owner.do("PATCH", workerPath, map[string]any{"role": "boss"}), 400, `"role"`)
	expect(t, f.owner.do("PATCH", maintainerPath, map[string]any{"role": "supervisor"}), 200)
	expect(t, f.owner.do("PATCH", maintainerPath, map[string]any{"role": "maintainer"}), 200)
	expect(t, f.owner.do("DELETE", ownerPath, nil), 403)
	expect(t, f.maintainer.do("DELETE", maintainerPath+"", nil), 204) // leave
	expect(t, f.supervisor.do("DELETE", workerPath, nil), 403)
	expect(t, f.owner.do("DELETE", supervisorPath, nil), 204)
	expect(t, f.worker.do("DELETE", workerPath, nil), 204) // leave
	expect(t, inOrg(f.owner, f.slug).do("GET", "/api/memberships", nil), 200, `"count":1`)
}

func TestInvitationRules(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	f := newOrgFixture(t, env)
	_, _, newcomer := env.registerUser("newcomer")
	inv := func(b *browser, role string) response {
		return inOrg(b, f.slug).do("POST", "/api/invitations", map[string]any{"email": newcomer, "role": role})
	}
	expect(t, inv(f.worker, "worker"), 403)
	expect(t, inv(f.supervisor, "worker"), 403)
	expect(t, inv(f.maintainer, "maintainer"), 403)
	expect(t, inv(f.owner, "owner"), 403, "Nobody can be invited as the owner")
	expect(t, f.owner.do("POST", "/api/invitations", map[string]any{"email": newcomer, "role": "worker"}), 400, "choose one")
	expect(t, inOrg(f.owner, f.slug).do("POST", "/api/invitations", map[string]any{"email": f.emails["worker"], "role": "worker"}), 400, "already a member")
	r := inv(f.maintainer, "supervisor")
	expect(t, r, 201, `"role":"supervisor"`, `"organization_info"`)
	expect(t, inv(f.owner, "worker"), 400, "pending invitation")
	var created struct{ Key string }
	decodeInto(t, r, &created)
	// A worker sees only the invitation that brought them in, not others'.
	if r := inOrg(f.worker, f.slug).do("GET", "/api/invitations", nil); strings.Contains(string(r.Body), newcomer) || r.Status != 200 {
		t.Fatalf("a worker sees other people's invitations: %s", r.Body)
	}
	expect(t, inOrg(f.maintainer, f.slug).do("GET", "/api/invitations?accepted=false", nil), 200, `"count":1`, newcomer)
	expect(t, f.worker.do("GET", "/api/invitations/"+created.Key, nil), 403)
	expect(t, f.outsider.do("POST", "/api/invitations/"+created.Key+"/accept", nil), 403)
	expect(t, f.worker.do("DELETE", "/api/invitations/"+created.Key, nil), 403)
}

func TestInvitationFlowsThroughMail(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyMandatory, smtp: true})
	owner, ownerName, _ := env.registerUser("mailowner")
	// registerUser ran in mandatory mode: verify the owner directly.
	env.db.Table("users").Where("username = ?", ownerName).Update("email_verified", true)
	expect(t, owner.do("POST", "/api/auth/login", map[string]any{"username": ownerName, "password": goodPassword}), 200)
	slug := "mail" + strconv.Itoa(int(userSeq.Add(1)))
	expect(t, owner.do("POST", "/api/organizations", map[string]any{"slug": slug}), 201)
	o := inOrg(owner, slug)
	invite := func(email, role string) string {
		r := o.do("POST", "/api/invitations", map[string]any{"email": email, "role": role})
		expect(t, r, 201)
		var inv struct{ Key string }
		decodeInto(t, r, &inv)
		return inv.Key
	}

	t.Run("a new person registers from the link and joins", func(t *testing.T) {
		_, email := uniqueName("fresh")
		invite(email, "worker")
		link := linkWith(t, env.deliver(email, 1), "/auth/register?")
		u, _ := urlParse(link)
		if u.Query().Get("email") != email || u.Query().Get("invitation") == "" {
			t.Fatalf("link %s", link)
		}
		b := env.browser()
		r := b.do("POST", "/api/auth/register", map[string]any{"username": "fresh" + strconv.Itoa(int(userSeq.Add(1))), "email": email,
			"password1": goodPassword, "password2": goodPassword, "invitation": u.Query().Get("invitation")})
		expect(t, r, 201, `"email_verification_required":false`)
		expect(t, b.do("GET", "/api/users/self", nil), 200, `"email_verified":true`)
		expect(t, b.do("GET", "/api/organizations", nil), 200, `"slug":"`+slug+`"`, `"user_role":"worker"`)
		// The link works once.
		expect(t, env.browser().do("POST", "/api/auth/register", map[string]any{"username": "again" + strconv.Itoa(int(userSeq.Add(1))), "email": email,
			"password1": goodPassword, "password2": goodPassword, "invitation": u.Query().Get("invitation")}), 400, "already been accepted")
	})
	t.Run("an existing user signs in and accepts from the Invitations page", func(t *testing.T) {
		name, email := uniqueName("exist")
		b := env.browser()
		expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword}), 201)
		confirm := linkWith(t, env.deliver(email, 1), "/account-confirm-email/")
		b.do("GET", confirm, nil)
		key := invite(email, "supervisor")
		link := linkWith(t, env.deliver(email, 2), "/auth/login")
		if !strings.Contains(link, "next=%2Finvitations") {
			t.Fatalf("existing users are sent to sign in: %s", link)
		}
		expect(t, b.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 200)
		expect(t, b.do("GET", "/api/invitations?accepted=false", nil), 200, `"count":1`, `"key":"`+key+`"`)
		expect(t, b.do("POST", "/api/invitations/"+key+"/accept", nil), 200, `"organization_slug":"`+slug+`"`)
		expect(t, b.do("POST", "/api/invitations/"+key+"/accept", nil), 400, "already been accepted")
		expect(t, inOrg(b, slug).do("GET", "/api/memberships?user="+name, nil), 200, `"role":"supervisor"`)
	})
	t.Run("decline, remove, expire and resend", func(t *testing.T) {
		mk := func() (*browser, string) {
			name, email := uniqueName("inv")
			b := env.browser()
			expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword}), 201)
			b.do("GET", linkWith(t, env.deliver(email, 1), "/account-confirm-email/"), nil)
			expect(t, b.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 200)
			return b, email
		}
		b, email := mk()
		key := invite(email, "worker")
		expect(t, b.do("POST", "/api/invitations/"+key+"/decline", nil), 204)
		expect(t, b.do("POST", "/api/invitations/"+key+"/accept", nil), 404, "declined")

		b2, email2 := mk()
		key2 := invite(email2, "worker")
		expect(t, owner.do("DELETE", "/api/invitations/"+key2, nil), 204)
		expect(t, b2.do("POST", "/api/invitations/"+key2+"/accept", nil), 400, "withdrawn")

		b3, email3 := mk()
		key3 := invite(email3, "worker")
		env.clock.Advance(invitationTTL + time.Hour)
		expect(t, b3.do("POST", "/api/invitations/"+key3+"/accept", nil), 400, "expired")
		expect(t, owner.do("POST", "/api/invitations/"+key3+"/resend", nil), 204)
		env.deliver(email3, 3)
		expect(t, b3.do("POST", "/api/invitations/"+key3+"/accept", nil), 200)
	})
	t.Run("resend is limited to 5 per hour per user", func(t *testing.T) {
		_, email := uniqueName("resend")
		key := invite(email, "worker")
		var last response
		for i := 0; i < resendsPerHour+1; i++ {
			last = owner.do("POST", "/api/invitations/"+key+"/resend", nil)
		}
		expect(t, last, 429, "at most 5")
		env.clock.Advance(time.Hour)
		expect(t, owner.do("POST", "/api/invitations/"+key+"/resend", nil), 204)
	})
	t.Run("two accepts race: exactly one wins", func(t *testing.T) {
		name, email := uniqueName("race")
		b := env.browser()
		expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": email, "password1": goodPassword, "password2": goodPassword}), 201)
		b.do("GET", linkWith(t, env.deliver(email, 1), "/account-confirm-email/"), nil)
		expect(t, b.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 200)
		b2 := env.browser()
		expect(t, b2.do("POST", "/api/auth/login", map[string]any{"email": email, "password": goodPassword}), 200)
		key := invite(email, "worker")
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, c := range []*browser{b, b2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.do("POST", "/api/invitations/"+key+"/accept", nil).Status
			}()
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 400 || statuses[0] == 400 && statuses[1] == 200) {
			t.Fatalf("statuses %v: exactly one accept must win", statuses)
		}
		var n int64
		env.db.Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").Where("users.email_lower = ?", strings.ToLower(email)).Count(&n)
		if n != 1 {
			t.Fatalf("%d memberships, want 1", n)
		}
	})
}

// TestUnverifiedAddressCannotTakeAnInvitation: in optional mode someone who
// signs up with another person's address must not accept their invitation.
func TestUnverifiedAddressCannotTakeAnInvitation(t *testing.T) {
	env := newAccountsEnv(t, envOptions{verification: VerifyOptional})
	owner, _, _ := env.registerUser("optowner")
	slug := "opt" + strconv.Itoa(int(userSeq.Add(1)))
	expect(t, owner.do("POST", "/api/organizations", map[string]any{"slug": slug}), 201)
	_, victim := uniqueName("victim")
	r := inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": victim, "role": "maintainer"})
	expect(t, r, 201)
	var inv struct{ Key string }
	decodeInto(t, r, &inv)
	squatter := env.browser()
	expect(t, squatter.do("POST", "/api/auth/register", map[string]any{"username": "squat" + strconv.Itoa(int(userSeq.Add(1))), "email": victim, "password1": goodPassword, "password2": goodPassword}), 201)
	expect(t, squatter.do("POST", "/api/invitations/"+inv.Key+"/accept", nil), 403)
	expect(t, squatter.do("GET", "/api/organizations", nil), 200, `"count":0`)
}
