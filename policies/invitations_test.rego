package invitations_test

import data.invitations

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

new(role) := {"role": role, "owner": {"id": 7}, "invitee": {"id": null}, "organization": {"id": 3}}

invitation(owner, invitee) := {"key": "k", "role": "worker", "owner": {"id": owner}, "invitee": {"id": invitee}, "organization": {"id": 3}}

test_owner_invites_any_role_but_owner if {
	every role in ["maintainer", "supervisor", "worker"] {
		invitations.allow with input as req("create", "user", org("owner"), new(role))
	}
	not invitations.allow with input as req("create", "user", org("owner"), new("owner"))
	invitations.reasons == {"Nobody can be invited as the owner of an organization."} with input as req("create", "user", org("owner"), new("owner"))
	not invitations.allow with input as req("create", "user", org("owner"), new("guest"))
}

test_admins_invite_no_owner if {
	not invitations.allow with input as req("create", "admin", org(null), new("owner"))
	invitations.reasons == {"Nobody can be invited as the owner of an organization."} with input as req("create", "admin", org(null), new("owner"))
	invitations.allow with input as req("create", "admin", org(null), new("maintainer"))
}

test_maintainer_invites_workers_and_supervisors if {
	invitations.allow with input as req("create", "user", org("maintainer"), new("worker"))
	invitations.allow with input as req("create", "user", org("maintainer"), new("supervisor"))
	not invitations.allow with input as req("create", "user", org("maintainer"), new("maintainer"))
	invitations.reasons == {"A maintainer can only invite workers and supervisors."} with input as req("create", "user", org("maintainer"), new("maintainer"))
}

test_create_needs_staff_and_user_role if {
	not invitations.allow with input as req("create", "user", org("supervisor"), new("worker"))
	invitations.reasons == {"Only the organization owner or a maintainer can invite people."} with input as req("create", "user", org("supervisor"), new("worker"))
	not invitations.allow with input as req("create", "worker", org("owner"), new("worker"))
	not invitations.allow with input as req("create", "user", null, new("worker"))
	invitations.reasons == {"Select an organization to invite people into it."} with input as req("create", "user", null, new("worker"))
	not invitations.allow with input as req("create", "user", org("owner"), object.union(new("worker"), {"organization": {"id": 4}}))
}

test_create_without_organization_field_goes_to_the_request_organization if {
	invitations.allow with input as req("create", "user", org("owner"), {"role": "worker"})
}

test_sender_and_invitee_see_it if {
	invitations.allow with input as req("view", "none", null, invitation(7, 9))
	invitations.allow with input as req("view", "none", null, invitation(9, 7))
	invitations.allow with input as req("view", "none", org(null), invitation(9, 7))
	not invitations.allow with input as req("view", "user", null, invitation(8, 9))
	invitations.allow with input as req("view", "user", org("maintainer"), invitation(8, 9))
	not invitations.allow with input as req("view", "user", org("supervisor"), invitation(8, 9))
}

test_resend_and_delete if {
	every scope in ["resend", "delete"] {
		invitations.allow with input as req(scope, "worker", null, invitation(7, 9))
		not invitations.allow with input as req(scope, "none", null, invitation(7, 9))
		not invitations.allow with input as req(scope, "user", null, invitation(9, 7))
		invitations.allow with input as req(scope, "user", org("maintainer"), invitation(8, 9))
		not invitations.allow with input as req(scope, "worker", org("maintainer"), invitation(8, 9))
	}
	invitations.reasons == {"Only the sender, the organization owner or a maintainer can resend or remove an invitation."} with input as req("resend", "user", org("worker"), invitation(8, 9))
}

test_only_the_invitee_answers if {
	every scope in ["accept", "decline"] {
		invitations.allow with input as req(scope, "none", null, invitation(9, 7))
		invitations.allow with input as req(scope, "none", org(null), invitation(9, 7))
		not invitations.allow with input as req(scope, "user", org("owner"), invitation(7, 9))
		not invitations.allow with input as req(scope, "user", null, invitation(9, null))
		invitations.reasons == {"This invitation was sent to someone else."} with input as req(scope, "user", null, invitation(9, 8))
	}
}

test_other_organization if {
	other := object.union(invitation(9, 7), {"organization": {"id": 4}})
	not invitations.allow with input as req("accept", "user", org("worker"), other)
	invitations.reasons == {"This invitation belongs to another workspace than the selected organization."} with input as req("accept", "user", org("worker"), other)
}

test_filter if {
	invitations.filter == [[]] with input as req("list", "admin", null, null)
	invitations.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "admin", org(null), null)
	invitations.filter == [
		[{"field": "owner_id", "op": "==", "value": 7}],
		[{"field": "invitee_id", "op": "==", "value": 7}],
	] with input as req("list", "none", null, null)
	invitations.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "user", org("maintainer"), null)
	invitations.filter == [
		[{"field": "organization_id", "op": "==", "value": 3}, {"field": "owner_id", "op": "==", "value": 7}],
		[{"field": "organization_id", "op": "==", "value": 3}, {"field": "invitee_id", "op": "==", "value": 7}],
	] with input as req("list", "worker", org("maintainer"), null)
	invitations.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in invitations.scopes {
		invitations.fallback[scope]
	}
}
