package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
)

// The mailed-link events (email confirmed, password reset) and the other
// organization and session events, each checked in the log.
func TestAuditLinkSessionAndOrganizationEvents(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, _ := newAuditAdmin(t, env)
	b, name, email := env.registerUser("linked")
	id := uint64(selfID(t, b))
	now := env.clock.Now()
	link := func(purpose, secret string) {
		t.Helper()
		if err := env.db.CreateOneTimeToken(context.Background(), &models.OneTimeToken{Purpose: purpose, TokenHash: auth.HashToken(secret),
			UserID: &id, Email: email, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	link(models.PurposeEmailConfirm, "confirm-secret-0123456789")
	r := env.browser().do("GET", "/api/auth/account-confirm-email/confirm-secret-0123456789/", nil)
	if r.Status != 302 || r.Header.Get("Location") != env.URL+"/auth/email-confirmation" {
		t.Fatalf("confirm: %d %s", r.Status, r.Header.Get("Location"))
	}
	env.clock.Advance(time.Minute)
	link(models.PurposePasswordReset, "reset-secret-0123456789")
	const newPassword = "Juniper-Telescope-4410"
	expect(t, env.browser().do("POST", "/api/auth/password/reset/confirm", map[string]any{"uid": strconv.FormatUint(id, 10),
		"token": "reset-secret-0123456789", "new_password1": newPassword, "new_password2": newPassword}), 200)

	c := env.browser()
	expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": newPassword}), 200)
	expect(t, c.do("DELETE", "/api/auth/sessions", nil), 200)

	owner, slug := auditOrg(t, env)
	member, _, memberEmail := env.registerUser("auditmember")
	f := &orgFixture{env: env, owner: owner, slug: slug}
	f.addMember(t, member, memberEmail, "worker")
	expect(t, inOrg(owner, slug).do("PATCH", "/api/memberships/"+strconv.Itoa(f.membershipID(t, "worker")), map[string]any{"role": "supervisor"}), 200)
	inv := inOrg(owner, slug).do("POST", "/api/invitations", map[string]any{"email": "later-" + memberEmail, "role": "worker"})
	expect(t, inv, 201)
	var invKey struct{ Key string }
	decodeInto(t, inv, &invKey)
	expect(t, inOrg(owner, slug).do("DELETE", "/api/invitations/"+invKey.Key, nil), 204)
	var org struct {
		Results []struct{ ID int }
	}
	decodeInto(t, owner.do("GET", "/api/organizations?search="+slug, nil), &org)
	if len(org.Results) != 1 {
		t.Fatalf("organization %s not found", slug)
	}
	expect(t, owner.do("DELETE", "/api/organizations/"+strconv.Itoa(org.Results[0].ID), nil), 204)

	for _, tc := range []struct {
		event, actor, detailKey string
		detailValue             any
	}{
		{AuditEmailConfirmed, name, "email", email},
		{AuditPasswordReset, name, "", nil},
		{AuditSessionRevoke, name, "others", true},
		{AuditMembershipRoleChanged, "", "to", "supervisor"},
		{AuditInvitationDeleted, "", "email", "later-" + memberEmail},
		{AuditOrgDeleted, "", "slug", slug},
	} {
		t.Run(tc.event, func(t *testing.T) {
			p := auditList(t, admin, "event="+tc.event)
			if p.Count != 1 {
				t.Fatalf("%d events, want 1: %+v", p.Count, p.Results)
			}
			ev := p.Results[0]
			if tc.actor != "" && (ev.Actor == nil || ev.Actor.Username != tc.actor) {
				t.Fatalf("actor = %+v, want %s", ev.Actor, tc.actor)
			}
			if tc.actor == "" && ev.Actor == nil {
				t.Fatal("no actor")
			}
			if tc.detailKey != "" && ev.Detail[tc.detailKey] != tc.detailValue {
				t.Fatalf("detail = %v, want %s = %v", ev.Detail, tc.detailKey, tc.detailValue)
			}
		})
	}
}
