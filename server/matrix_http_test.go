package server

// The reference permission matrix over real HTTP.
//
// For every applicable row of shared/reference/permissions/{organizations,
// memberships,invitations,users}.csv these tests build the situation through
// the API (real server, SQLite, fake clock) and check the answer. A situation
// is global role × the caller's organization role × workspace of the request
// × ownership (× the target's role where a Limit looks at it). The expected
// answer comes from ALL rows of the scope: allowed iff some row matches
// (admins may do anything, as in CVAT's generated tests and Gatehouse's
// policies). Allowed → 2xx; denied → 403, or 404 where the server hides the
// object from outsiders (exactly 403 when the caller can see the object);
// refused by a server invariant (listed below) → 400, 403 or 409, never 2xx.
// After each table, every applicable row must have been exercised.
//
// Mapping of the CSV columns:
//   Privilege   the caller's global role: worker, user, admin ("None" = any
//               signed-in user, so worker and user both stand for it).
//   Membership  the caller's role in the organization (owner, maintainer,
//               supervisor, worker) or not a member.
//   Context     Sandbox = no organization named (no header, and for lists also
//               `X-Organization: ""`, the personal workspace); Organization =
//               `X-Organization: <slug>`. Object requests on memberships and
//               invitations are decided in the object's own organization (as
//               CVAT does) whatever the header says, so their context is
//               always Organization; they are sent without the header and
//               with it (view) or with it (change:role, delete, resend) or
//               without it (accept, decline: the invitee is not a member).
//   Ownership   self / none (users, memberships), owner = sender / invitee /
//               none (invitations), the caller's role in the organization
//               acted on (organizations).
//   Limit       the target's role: targets of every role are used, so each
//               Limit is met by some cases and violated by others.
//
// Rows that do not apply:
//   | table            | line | row                                 | why                                              |
//   |------------------|------|-------------------------------------|--------------------------------------------------|
//   | memberships.csv  | 4    | view, Sandbox, None, Admin          | every membership belongs to an organization and  |
//   | memberships.csv  | 5    | view, Sandbox, Self, None           | is judged in it (see Context): a membership      |
//   | invitations.csv  | 7    | view, Sandbox, None, Admin          | or invitation outside any organization does not  |
//   | invitations.csv  | 10   | resend, Sandbox, None/Invitee, Admin| exist. The same requests are made and expected   |
//   | invitations.csv  | 13   | delete, Sandbox, None/Invitee, Admin| to follow the Organization and N/A rows.         |
// All rows of organizations.csv and users.csv apply.
//
// Gatehouse's own rows (checked like CSV rows):
//   users       update:privileged (PATCH groups / is_active): admins only (SPEC §1).
//   invitations decline: the same rows as accept (policies/invitations.rego).
//
// Server invariants that refuse what the tables (through the admin rule) allow:
//   - change:role or delete of the owner's membership: the organization keeps
//     its owner (SPEC §3 "Nobody becomes owner through the API", "remove
//     member: anyone but owner", "leave: anyone but the owner");
//   - an invitation with the role owner (SPEC §3);
//   - accepting an invitation sent to an address without an account: only
//     the address's owner can, by signing up from the mailed link (an admin
//     may decline it, or accept for an invited account that exists);
//   - an invitation without an organization: 400, there is nothing to invite
//     into (SPEC §3 "POST /api/invitations {role, email} in org context");
//     tried once per caller (the answer comes before any policy).
//
// Mutating cases (organization delete, change:role, membership delete,
// invitation delete/accept/decline, user delete) each get a fresh target (and
// a fresh caller where the caller is the target), built before the global
// roles are set, so cases stay independent; afterwards the database must show
// the change exactly when the answer was 2xx. The organization list must hold
// the organization exactly when the caller may view it.
//
// Server disagreements these cases found (they fail until the server is fixed):
//   - memberships/list/{worker,user}:non-member/org and the same for
//     invitations: 200 with an empty page instead of 403 (list, Organization,
//     Membership Worker); users/list answers 403 here.
//   - memberships/change:role/admin:*->owner-target/org (and admin:owner->
//     self-target): 200 with "role":"worker" while the owner's role is not
//     changed in the database.
//   - invitations/create/admin:*->owner-invitation/org: 201, an invitation to
//     become a second owner.
//   - invitations/{accept,decline}/admin:*->{owner,none}-invitation/no-org:
//     403 "sent to another address" while invitations.csv line 16 (accept,
//     None, Admin) and the policy allow an admin to answer any invitation.

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/models"
)

// TestMatrixHTTP runs the four tables side by side against one server (the
// policy engine is built once; each table has its own organizations and
// users, so they do not see each other).
func TestMatrixHTTP(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	for _, table := range []struct {
		name string
		run  func(*testing.T, *mxEnv)
	}{
		{"organizations", mxOrganizationsTable},
		{"memberships", mxMembershipsTable},
		{"invitations", mxInvitationsTable},
		{"users", mxUsersTable},
	} {
		t.Run(table.name, func(t *testing.T) {
			t.Parallel()
			table.run(t, mxFor(t, env))
		})
	}
}

func mxOwnership(role string) string {
	if role == "" {
		return "none"
	}
	return role
}

func mxPath(prefix string, id uint64) string { return prefix + strconv.FormatUint(id, 10) }

func mxOrganizationsTable(t *testing.T, m *mxEnv) {
	tb := mxLoadTable(t, "organizations", []string{"create", "list", "view", "update", "delete"}, nil)

	// Per global role: an organization whose members (owner included) and
	// one outsider have that global role.
	orgs := map[string]*mxOrg{}
	callers := map[string]map[string]*mxUser{}
	creators := map[string]*mxUser{}
	type deletion struct {
		org    *mxOrg
		caller *mxUser
	}
	deletions := map[string]deletion{}
	for _, p := range mxPrivileges {
		owner := m.user(p)
		o := m.org(owner)
		orgs[p] = o
		callers[p] = map[string]*mxUser{models.OrgOwner: owner}
		for _, r := range mxRoles[1:] {
			callers[p][r] = m.member(o, p, r)
		}
		creators[p] = m.user(p)
		for _, r := range mxRoles {
			if r == models.OrgOwner {
				c := m.user(p)
				deletions[p+"/"+r] = deletion{m.org(c), c}
				continue
			}
			o := m.org(m.user(models.RoleUser))
			deletions[p+"/"+r] = deletion{o, m.member(o, p, r)}
		}
	}
	m.commit()

	sit := func(scope, p, role string, ctx mxCtx) mxSituation {
		return mxSituation{scope: scope, context: ctx.context(), privilege: p, role: role, ownership: mxOwnership(role)}
	}
	var cases []mxCase
	for _, p := range mxPrivileges {
		u := creators[p]
		slug := fmt.Sprintf("mxnew%d", userSeq.Add(1))
		cases = append(cases, tb.mxExpect(t, "create/"+p+"/no-org", mxSituation{scope: "create", context: "sandbox", privilege: p, ownership: "none"}, true,
			func(t *testing.T) response {
				return u.req(t, mxNoOrg, "").do("POST", "/api/organizations", map[string]any{"slug": slug})
			}))
	}
	for _, p := range mxPrivileges {
		o := orgs[p]
		orgPath := mxPath("/api/organizations/", o.id)
		for _, r := range mxRoles {
			u := callers[p][r]
			var c mxCase
			for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
				who := p + ":" + mxRoleName(r) + "/" + ctx.String()
				visible := tb.sees(t, sit("view", p, r, ctx))
				c = tb.mxExpect(t, "list/"+who, sit("list", p, r, ctx), true, func(t *testing.T) response {
					return u.req(t, ctx, o.slug).do("GET", "/api/organizations?slug="+o.slug, nil)
				})
				c.check = func(t *testing.T, r response) {
					// The list holds the organization iff the caller may view it.
					want := `"count":0`
					if visible {
						want = `"count":1`
					}
					expect(t, r, 200, want)
				}
				cases = append(cases,
					c,
					tb.mxExpect(t, "view/"+who, sit("view", p, r, ctx), visible, func(t *testing.T) response {
						return u.req(t, ctx, o.slug).do("GET", orgPath, nil)
					}),
					tb.mxExpect(t, "update/"+who, sit("update", p, r, ctx), visible, func(t *testing.T) response {
						return u.req(t, ctx, o.slug).do("PATCH", orgPath, map[string]any{"description": "edited by " + who})
					}))
			}
			d := deletions[p+"/"+r]
			c = tb.mxExpect(t, "delete/"+p+":"+mxRoleName(r)+"/org", sit("delete", p, r, mxInOrg), tb.sees(t, sit("view", p, r, mxInOrg)),
				func(t *testing.T) response {
					return d.caller.req(t, mxInOrg, d.org.slug).do("DELETE", mxPath("/api/organizations/", d.org.id), nil)
				})
			c.check = func(t *testing.T, r response) {
				_, err := m.db.OrganizationByID(t.Context(), d.org.id)
				mxChanged(t, r, mxGone(t, err), "the organization is gone")
			}
			cases = append(cases, c)
		}
	}
	mxRunCases(t, tb, cases)
}

func mxMembershipsTable(t *testing.T, m *mxEnv) {
	const sandboxObject = "memberships always belong to an organization and are judged in it"
	tb := mxLoadTable(t, "memberships", []string{"list", "view", "change:role", "delete"},
		[]mxSkip{{"view", "sandbox", sandboxObject}})

	targetRoles := []string{models.OrgOwner, models.OrgMaintainer, models.OrgSupervisor, models.OrgWorker, "self"}
	type target struct {
		caller *mxUser
		id     uint64
		role   string
	}
	type world struct {
		org     *mxOrg
		callers map[string]*mxUser
		shared  map[string]target // view targets by target role ("self": per caller role)
		fresh   map[string]target // scope/caller role/target role → a target nobody else uses
	}
	worlds := map[string]*world{}
	for _, p := range mxPrivileges {
		owner := m.user(p)
		o := m.org(owner)
		w := &world{org: o, callers: map[string]*mxUser{models.OrgOwner: owner}, shared: map[string]target{}, fresh: map[string]target{}}
		for _, r := range mxRoles[1:] {
			w.callers[r] = m.member(o, p, r)
			if r != "" {
				w.shared["self/"+r] = target{caller: w.callers[r], id: m.membershipID(o, w.callers[r]), role: r}
			}
		}
		w.shared[models.OrgOwner] = target{id: m.membershipID(o, owner), role: models.OrgOwner}
		w.shared["self/"+models.OrgOwner] = target{caller: owner, id: w.shared[models.OrgOwner].id, role: models.OrgOwner}
		worlds[p] = w
	}
	// Targets are members of all three organizations at once (one account,
	// three memberships): fewer sign-ups, still one membership per case.
	joinAll := func(u *mxUser, role string) map[string]uint64 {
		ids := map[string]uint64{}
		for _, p := range mxPrivileges {
			ids[p] = m.join(worlds[p].org, u, role)
		}
		return ids
	}
	for _, r := range mxRoles[1:4] {
		for p, id := range joinAll(m.user(models.RoleUser), r) {
			worlds[p].shared[r] = target{id: id, role: r}
		}
	}
	for _, scope := range []string{"change:role", "delete"} {
		for _, r := range mxRoles {
			for _, tr := range targetRoles {
				key := scope + "/" + r + "/" + tr
				switch {
				case tr == "self" && r == "", tr == models.OrgOwner && r == models.OrgOwner:
					// a non-member has no membership; the owner's own is "self"
				case tr == "self" && r == models.OrgOwner, tr == models.OrgOwner:
					// The owner's membership: never changed (shared).
					for _, w := range worlds {
						w.fresh[key] = target{caller: w.callers[r], id: w.shared[models.OrgOwner].id, role: models.OrgOwner}
					}
				case tr == "self":
					for p, w := range worlds {
						u := m.member(w.org, p, r)
						w.fresh[key] = target{caller: u, id: m.membershipID(w.org, u), role: r}
					}
				default:
					for p, id := range joinAll(m.user(models.RoleUser), tr) {
						worlds[p].fresh[key] = target{caller: worlds[p].callers[r], id: id, role: tr}
					}
				}
			}
		}
	}
	m.commit()

	sit := func(scope, p, role, ownership, targetRole string) mxSituation {
		s := mxSituation{scope: scope, context: "organization", privilege: p, role: role, ownership: ownership,
			resource: map[string]any{"role": targetRole}}
		if targetRole == models.OrgOwner && (scope == "change:role" || scope == "delete") {
			s.invariants = append(s.invariants, "the organization keeps its owner")
		}
		return s
	}
	newRole := func(from string) string {
		if from == models.OrgWorker {
			return models.OrgSupervisor
		}
		return models.OrgWorker
	}
	var cases []mxCase
	for _, p := range mxPrivileges {
		w := worlds[p]
		for _, r := range mxRoles {
			who := p + ":" + mxRoleName(r)
			isMember := r != "" || p == models.RoleAdmin
			for _, ctx := range []mxCtx{mxNoOrg, mxPersonal, mxInOrg} {
				u := w.callers[r]
				s := mxSituation{scope: "list", context: ctx.context(), privilege: p}
				if ctx == mxInOrg {
					s.role = r
				}
				cases = append(cases, tb.mxExpect(t, "list/"+who+"/"+ctx.String(), s, ctx != mxInOrg || isMember, func(t *testing.T) response {
					return u.req(t, ctx, w.org.slug).do("GET", "/api/memberships", nil)
				}))
			}
			for _, tr := range targetRoles {
				ownership, tg := "none", w.shared[tr]
				if tr == "self" || (tr == models.OrgOwner && r == models.OrgOwner) {
					if r == "" {
						continue
					}
					if tr == models.OrgOwner {
						continue // the owner's own membership: the "self" case
					}
					ownership, tg = "self", w.shared["self/"+r]
				}
				name := who + "->" + tr + "-target"
				u := w.callers[r]
				view := sit("view", p, r, ownership, tg.role)
				visible := tb.sees(t, view)
				for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
					cases = append(cases, tb.mxExpect(t, "view/"+name+"/"+ctx.String(), view, visible, func(t *testing.T) response {
						return u.req(t, ctx, w.org.slug).do("GET", mxPath("/api/memberships/", tg.id), nil)
					}))
				}
				for _, scope := range []string{"change:role", "delete"} {
					f, ok := w.fresh[scope+"/"+r+"/"+tr]
					if !ok {
						t.Fatalf("no fixture for %s %s %s", scope, r, tr)
					}
					s := sit(scope, p, r, ownership, f.role)
					c := tb.mxExpect(t, scope+"/"+name+"/org", s, visible, func(t *testing.T) response {
						b := f.caller.req(t, mxInOrg, w.org.slug)
						if scope == "delete" {
							return b.do("DELETE", mxPath("/api/memberships/", f.id), nil)
						}
						return b.do("PATCH", mxPath("/api/memberships/", f.id), map[string]any{"role": newRole(f.role)})
					})
					c.check = func(t *testing.T, r response) {
						ms, err := m.db.MembershipByID(t.Context(), f.id)
						if scope == "delete" {
							mxChanged(t, r, mxGone(t, err), "the membership is gone")
							return
						}
						if err != nil {
							t.Fatal(err)
						}
						mxChanged(t, r, ms.Role != f.role, "the stored role is "+ms.Role)
					}
					cases = append(cases, c)
				}
			}
		}
	}
	mxRunCases(t, tb, cases)
}

func mxInvitationsTable(t *testing.T, m *mxEnv) {
	const sandboxObject = "invitations always belong to an organization and are judged in it"
	tb := mxLoadTable(t, "invitations", []string{"list", "create", "view", "resend", "delete", "accept", "decline"},
		[]mxSkip{{"view", "sandbox", sandboxObject}, {"resend", "sandbox", sandboxObject}, {"delete", "sandbox", sandboxObject}})
	for _, r := range tb.rules {
		if r.scope == "accept" {
			d := r
			d.scope, d.line, d.note = "decline", 0, fmt.Sprintf("decline = accept, line %d", r.line)
			tb.extend(d)
		}
	}

	// An invitation the caller deals with: the key, who acts and how they
	// relate to it.
	type inv struct {
		key       string
		caller    *mxUser
		role      string // the caller's role in the organization when acting
		ownership string
	}
	type world struct {
		org     *mxOrg
		callers map[string]*mxUser
		third   *mxUser          // a maintainer who is none of the callers
		shared  []inv            // view, resend
		fresh   map[string][]inv // delete, accept, decline: one invitation per case
	}
	worlds := map[string]*world{}
	for _, p := range mxPrivileges {
		owner := m.user(p)
		o := m.org(owner)
		w := &world{org: o, callers: map[string]*mxUser{models.OrgOwner: owner}, fresh: map[string][]inv{}}
		// Every caller joins as a maintainer to send invitations, then gets
		// the role they are tested with (the non-member is removed).
		for _, r := range mxRoles[1:] {
			w.callers[r] = m.member(o, p, models.OrgMaintainer)
		}
		w.third = m.member(o, models.RoleUser, models.OrgMaintainer) // sends those nobody of the callers owns
		worlds[p] = w
	}
	// One set of invitations per world: sent by each caller, sent by the
	// third maintainer to someone with an account (the same bystanders are
	// invited into the three organizations), and sent to an invitee.
	set := func() map[string][]inv {
		out := map[string][]inv{}
		for _, r := range mxRoles {
			for p, w := range worlds {
				out[p] = append(out[p], inv{m.invite(w.org, w.callers[r], m.email(), models.OrgWorker), w.callers[r], r, "owner"})
			}
		}
		for _, r := range mxRoles {
			bystander := m.user(models.RoleUser).email
			for p, w := range worlds {
				out[p] = append(out[p], inv{m.invite(w.org, w.third, bystander, models.OrgWorker), w.callers[r], r, "none"})
			}
		}
		for p, w := range worlds {
			invitee := m.user(p)
			out[p] = append(out[p], inv{m.invite(w.org, w.callers[models.OrgOwner], invitee.email, models.OrgWorker), invitee, "", "invitee"})
		}
		return out
	}
	for p, invs := range set() {
		worlds[p].shared = invs
	}
	for _, scope := range []string{"delete", "accept", "decline"} {
		for p, invs := range set() {
			worlds[p].fresh[scope] = invs
		}
	}
	for _, w := range worlds {
		owner := w.callers[models.OrgOwner]
		for _, r := range []string{models.OrgSupervisor, models.OrgWorker} {
			expect(t, inOrg(owner.b, w.org.slug).do("PATCH", mxPath("/api/memberships/", m.membershipID(w.org, w.callers[r])), map[string]any{"role": r}), 200)
		}
		expect(t, owner.b.do("DELETE", mxPath("/api/memberships/", m.membershipID(w.org, w.callers[""])), nil), 204)
	}
	m.commit()

	var cases []mxCase
	for _, p := range mxPrivileges {
		w := worlds[p]
		for _, r := range mxRoles {
			u := w.callers[r]
			who := p + ":" + mxRoleName(r)
			for _, ctx := range []mxCtx{mxNoOrg, mxPersonal, mxInOrg} {
				s := mxSituation{scope: "list", context: ctx.context(), privilege: p}
				if ctx == mxInOrg {
					s.role = r
				}
				cases = append(cases, tb.mxExpect(t, "list/"+who+"/"+ctx.String(), s, ctx != mxInOrg || r != "" || p == models.RoleAdmin,
					func(t *testing.T) response {
						return u.req(t, ctx, w.org.slug).do("GET", "/api/invitations", nil)
					}))
			}
			for _, offered := range mxRoles[:4] {
				ctxs := []mxCtx{mxInOrg}
				if offered == models.OrgWorker {
					// Without an organization the server answers 400 before
					// any policy: once per caller is enough.
					ctxs = append(ctxs, mxNoOrg)
				}
				for _, ctx := range ctxs {
					s := mxSituation{scope: "create", context: ctx.context(), privilege: p, ownership: "none",
						resource: map[string]any{"role": offered}}
					if ctx == mxInOrg {
						s.role = r
					} else {
						s.lacks = "an invitation needs an organization"
					}
					if offered == models.OrgOwner {
						s.invariants = append(s.invariants, "nobody becomes owner through the API")
					}
					email := m.email()
					cases = append(cases, tb.mxExpect(t, "create/"+who+"->"+offered+"-invitation/"+ctx.String(), s, ctx == mxInOrg && (r != "" || p == models.RoleAdmin),
						func(t *testing.T) response {
							return u.req(t, ctx, w.org.slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": offered})
						}))
				}
			}
		}
		sit := func(scope string, i inv) mxSituation {
			return mxSituation{scope: scope, context: "organization", privilege: p, role: i.role, ownership: i.ownership,
				resource: map[string]any{"role": models.OrgWorker}}
		}
		name := func(i inv) string {
			return p + ":" + mxRoleName(i.role) + "->" + i.ownership + "-invitation"
		}
		for _, i := range w.shared {
			visible := tb.sees(t, sit("view", i))
			for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
				cases = append(cases, tb.mxExpect(t, "view/"+name(i)+"/"+ctx.String(), sit("view", i), visible, func(t *testing.T) response {
					return i.caller.req(t, ctx, w.org.slug).do("GET", "/api/invitations/"+i.key, nil)
				}))
			}
			cases = append(cases, tb.mxExpect(t, "resend/"+name(i)+"/org", sit("resend", i), visible, func(t *testing.T) response {
				return i.caller.req(t, mxInOrg, w.org.slug).do("POST", "/api/invitations/"+i.key+"/resend", nil)
			}))
		}
		for _, scope := range []string{"delete", "accept", "decline"} {
			for _, i := range w.fresh[scope] {
				visible := tb.sees(t, sit("view", i))
				ctx, method, path := mxInOrg, "DELETE", "/api/invitations/"+i.key
				if scope != "delete" {
					ctx, method, path = mxNoOrg, "POST", path+"/"+scope
				}
				si := sit(scope, i)
				if scope == "accept" && i.ownership == "owner" {
					// Sent to an address without an account: nobody can
					// join for it until its owner signs up from the link.
					si.invariants = append(si.invariants, "an address without an account accepts by signing up")
				}
				c := tb.mxExpect(t, scope+"/"+name(i)+"/"+ctx.String(), si, visible, func(t *testing.T) response {
					return i.caller.req(t, ctx, w.org.slug).do(method, path, nil)
				})
				c.check = func(t *testing.T, r response) {
					stored, err := m.db.InvitationByKey(t.Context(), i.key)
					switch {
					case scope == "decline":
						mxChanged(t, r, mxGone(t, err), "the invitation is gone")
					case err != nil:
						t.Fatal(err)
					case scope == "delete":
						mxChanged(t, r, stored.RemovedAt != nil, "the invitation is withdrawn")
					default:
						mxChanged(t, r, stored.AcceptedAt != nil, "the invitation is accepted")
					}
				}
				cases = append(cases, c)
			}
		}
	}
	mxRunCases(t, tb, cases)
}

func mxUsersTable(t *testing.T, m *mxEnv) {
	tb := mxLoadTable(t, "users", []string{"list", "view", "update", "update:privileged", "delete"}, nil)
	tb.extend(mxRule{scope: "update:privileged", context: "na", ownership: []string{"na"}, privilege: "admin", membership: "na",
		note: "Gatehouse: PATCH groups/is_active, admins only (SPEC §1)"})

	type target struct {
		user *mxUser
		role string // their role in the organization ("" = not a member)
	}
	type deletion struct {
		caller *mxUser
		target target
	}
	type world struct {
		org       *mxOrg
		callers   map[string]*mxUser
		targets   map[string]target   // "member", "outsider"
		deletions map[string]deletion // caller role/target kind/ctx
	}
	worlds := map[string]*world{}
	for _, p := range mxPrivileges {
		owner := m.user(p)
		o := m.org(owner)
		w := &world{org: o, callers: map[string]*mxUser{models.OrgOwner: owner}, deletions: map[string]deletion{},
			targets: map[string]target{
				"member":   {m.member(o, models.RoleUser, models.OrgWorker), models.OrgWorker},
				"outsider": {m.user(models.RoleUser), ""},
			}}
		for _, r := range mxRoles[1:] {
			w.callers[r] = m.member(o, p, r)
		}
		// Deleting accounts: the delete rows ignore the organization role, so
		// a member (worker) and a non-member stand for all roles.
		for _, r := range []string{models.OrgWorker, ""} {
			for _, kind := range []string{"self", "member", "outsider"} {
				for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
					c := m.member(o, p, r)
					tg := target{c, r}
					switch kind {
					case "member":
						tg = target{m.member(o, models.RoleUser, models.OrgWorker), models.OrgWorker}
					case "outsider":
						tg = target{m.user(models.RoleUser), ""}
					}
					w.deletions[r+"/"+kind+"/"+ctx.String()] = deletion{c, tg}
				}
			}
		}
		worlds[p] = w
	}
	m.commit()

	var cases []mxCase
	for _, p := range mxPrivileges {
		w := worlds[p]
		sit := func(scope, role string, ctx mxCtx, self bool, tg target) mxSituation {
			s := mxSituation{scope: scope, context: ctx.context(), privilege: p, ownership: "none",
				resource: map[string]any{"id": tg.user.id, "membership": map[string]any{"role": nil}}}
			if self {
				s.ownership = "self"
			}
			if ctx == mxInOrg {
				s.role = role
				if tg.role != "" {
					s.resource["membership"] = map[string]any{"role": tg.role}
				}
			}
			return s
		}
		for _, r := range mxRoles {
			u := w.callers[r]
			who := p + ":" + mxRoleName(r)
			for _, ctx := range []mxCtx{mxNoOrg, mxPersonal, mxInOrg} {
				s := mxSituation{scope: "list", context: ctx.context(), privilege: p}
				if ctx == mxInOrg {
					s.role = r
				}
				cases = append(cases, tb.mxExpect(t, "list/"+who+"/"+ctx.String(), s, ctx != mxInOrg || r != "" || p == models.RoleAdmin,
					func(t *testing.T) response {
						return u.req(t, ctx, w.org.slug).do("GET", "/api/users", nil)
					}))
			}
			for _, kind := range []string{"self", "member", "outsider"} {
				tg, self := w.targets[kind], kind == "self"
				if self {
					tg = target{u, r}
				}
				path := mxPath("/api/users/", tg.user.id)
				name := who + "->" + kind + "-target"
				for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
					visible := tb.sees(t, sit("view", r, ctx, self, tg))
					cases = append(cases, tb.mxExpect(t, "view/"+name+"/"+ctx.String(), sit("view", r, ctx, self, tg), visible, func(t *testing.T) response {
						return u.req(t, ctx, w.org.slug).do("GET", path, nil)
					}))
					cases = append(cases,
						tb.mxExpect(t, "update/"+name+"/"+ctx.String(), sit("update", r, ctx, self, tg), visible, func(t *testing.T) response {
							return u.req(t, ctx, w.org.slug).do("PATCH", path, map[string]any{"first_name": "Matrix"})
						}),
						tb.mxExpect(t, "update:privileged/"+name+"/"+ctx.String(), sit("update:privileged", r, ctx, self, tg), visible, func(t *testing.T) response {
							return u.req(t, ctx, w.org.slug).do("PATCH", path, map[string]any{"is_active": true})
						}))
				}
			}
		}
		for _, r := range []string{models.OrgWorker, ""} {
			for _, kind := range []string{"self", "member", "outsider"} {
				for _, ctx := range []mxCtx{mxNoOrg, mxInOrg} {
					d := w.deletions[r+"/"+kind+"/"+ctx.String()]
					s := sit("delete", r, ctx, kind == "self", d.target)
					visible := tb.sees(t, sit("view", r, ctx, kind == "self", d.target))
					c := tb.mxExpect(t, "delete/"+p+":"+mxRoleName(r)+"->"+kind+"-target/"+ctx.String(), s, visible, func(t *testing.T) response {
						return d.caller.req(t, ctx, w.org.slug).do("DELETE", mxPath("/api/users/", d.target.user.id), nil)
					})
					c.check = func(t *testing.T, r response) {
						_, err := m.db.UserByID(t.Context(), d.target.user.id)
						mxChanged(t, r, mxGone(t, err), "the account is gone")
					}
					cases = append(cases, c)
				}
			}
		}
	}
	mxRunCases(t, tb, cases)
}
