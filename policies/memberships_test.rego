package memberships_test

import data.memberships

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

member(user, role) := {"id": 50, "role": role, "is_active": true, "user": {"id": user}, "organization": {"id": 3}}

test_owner_manages_everyone_but_the_owner if {
	every role in ["maintainer", "supervisor", "worker"] {
		memberships.allow with input as req("change:role", "user", org("owner"), member(9, role))
		memberships.allow with input as req("delete", "user", org("owner"), member(9, role))
	}
	not memberships.allow with input as req("change:role", "user", org("owner"), member(9, "owner"))
	memberships.reasons == {"The owner's role cannot be changed and the owner cannot be removed."} with input as req("change:role", "user", org("maintainer"), member(9, "owner"))
}

test_maintainer_manages_workers_and_supervisors if {
	memberships.allow with input as req("change:role", "user", org("maintainer"), member(9, "worker"))
	memberships.allow with input as req("delete", "user", org("maintainer"), member(9, "supervisor"))
	not memberships.allow with input as req("change:role", "user", org("maintainer"), member(9, "maintainer"))
	memberships.reasons == {"A maintainer can only change the roles of, or remove, workers and supervisors."} with input as req("delete", "user", org("maintainer"), member(9, "maintainer"))
}

test_others_cannot_change_roles if {
	not memberships.allow with input as req("change:role", "user", org("supervisor"), member(9, "worker"))
	memberships.reasons == {"Only the organization owner or a maintainer can change roles."} with input as req("change:role", "user", org("supervisor"), member(9, "worker"))
	not memberships.allow with input as req("change:role", "worker", org("owner"), member(9, "worker"))
	memberships.reasons == {"Your global role (worker) does not allow you to manage members."} with input as req("change:role", "worker", org("owner"), member(9, "worker"))
}

test_admins_keep_the_owner if {
	not memberships.allow with input as req("change:role", "admin", org(null), member(9, "owner"))
	not memberships.allow with input as req("delete", "admin", org(null), member(9, "owner"))
	not memberships.allow with input as req("change:role", "admin", null, object.union(member(9, "worker"), {"new_role": "owner"}))
	memberships.reasons == {"Nobody can be made the owner of an organization."} with input as req("change:role", "admin", null, object.union(member(9, "worker"), {"new_role": "owner"}))
	memberships.reasons == {"The owner's role cannot be changed and the owner cannot be removed."} with input as req("delete", "admin", org(null), member(9, "owner"))
	memberships.allow with input as req("change:role", "admin", org(null), object.union(member(9, "worker"), {"new_role": "maintainer"}))
	memberships.allow with input as req("view", "admin", null, member(9, "owner"))
}

test_nobody_changes_own_role if {
	not memberships.allow with input as req("change:role", "user", org("maintainer"), member(7, "maintainer"))
	memberships.reasons == {"You cannot change your own role."} with input as req("change:role", "user", org("maintainer"), member(7, "maintainer"))
}

test_new_role if {
	memberships.allow with input as req("change:role", "user", org("owner"), object.union(member(9, "worker"), {"new_role": "maintainer"}))
	not memberships.allow with input as req("change:role", "user", org("owner"), object.union(member(9, "worker"), {"new_role": "owner"}))
	memberships.reasons == {"Nobody can be made the owner of an organization."} with input as req("change:role", "user", org("owner"), object.union(member(9, "worker"), {"new_role": "owner"}))
	memberships.allow with input as req("change:role", "user", org("maintainer"), object.union(member(9, "worker"), {"new_role": "supervisor"}))
	not memberships.allow with input as req("change:role", "user", org("maintainer"), object.union(member(9, "worker"), {"new_role": "maintainer"}))
	memberships.allow with input as req("change:role", "user", org("maintainer"), object.union(member(9, "worker"), {"new_role": null}))
}

test_members_leave_but_the_owner if {
	memberships.allow with input as req("delete", "worker", org("worker"), member(7, "worker"))
	memberships.allow with input as req("delete", "worker", org("maintainer"), member(7, "maintainer"))
	not memberships.allow with input as req("delete", "none", org("worker"), member(7, "worker"))
	not memberships.allow with input as req("delete", "user", org("owner"), member(7, "owner"))
	memberships.reasons == {"The organization owner cannot leave the organization."} with input as req("delete", "user", org("owner"), member(7, "owner"))
}

test_view if {
	memberships.allow with input as req("view", "none", null, member(7, "worker"))
	not memberships.allow with input as req("view", "user", null, member(9, "worker"))
	memberships.allow with input as req("view", "none", org("worker"), member(9, "owner"))
	not memberships.allow with input as req("view", "user", org(null), member(9, "owner"))
}

test_other_organization if {
	other := object.union(member(9, "worker"), {"organization": {"id": 4}})
	not memberships.allow with input as req("view", "user", org("owner"), other)
	not memberships.allow with input as req("delete", "user", org("owner"), other)
	memberships.reasons == {"This membership belongs to another workspace than the selected organization."} with input as req("delete", "user", org("owner"), other)
	memberships.allow with input as req("delete", "admin", org(null), other)
}

test_sandbox_needs_the_organization if {
	not memberships.allow with input as req("change:role", "user", null, member(9, "worker"))
	memberships.reasons == {"Select the member's organization to change roles or remove members."} with input as req("change:role", "user", null, member(9, "worker"))
}

test_filter if {
	memberships.filter == [[]] with input as req("list", "admin", null, null)
	memberships.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "admin", org(null), null)
	memberships.filter == [
		[{"field": "user_id", "op": "==", "value": 7}],
		[{"field": "member_id", "op": "==", "value": 7}],
	] with input as req("list", "none", null, null)
	memberships.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "none", org("worker"), null)
	memberships.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in memberships.scopes {
		memberships.fallback[scope]
	}
}
