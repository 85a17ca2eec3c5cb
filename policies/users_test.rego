package users_test

import data.users

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

target(id, role) := {"id": id, "membership": {"role": role}}

test_everyone_handles_own_account if {
	every scope in ["view", "update", "delete"] {
		users.allow with input as req(scope, "worker", null, target(7, null))
		users.allow with input as req(scope, "none", org("worker"), target(7, "worker"))
	}
}

test_only_admins_touch_other_accounts if {
	every scope in ["update", "delete", "update:privileged"] {
		not users.allow with input as req(scope, "user", org("owner"), target(9, "worker"))
		users.allow with input as req(scope, "admin", null, target(9, null))
	}
	users.reasons == {"Only an admin can change another user's account."} with input as req("update", "user", null, target(9, null))
}

test_privileged_fields_are_for_admins if {
	not users.allow with input as req("update:privileged", "user", null, target(7, null))
	users.reasons == {"Only an admin can change usernames, emails, global roles or the active flag."} with input as req("update:privileged", "user", null, target(7, null))
}

test_members_see_each_other if {
	users.allow with input as req("view", "none", org("worker"), target(9, "supervisor"))
	not users.allow with input as req("view", "user", org("worker"), target(9, null))
	not users.allow with input as req("view", "user", org(null), target(9, "worker"))
	not users.allow with input as req("view", "user", null, target(9, null))
}

test_list_needs_membership_in_an_organization if {
	users.allow with input as req("list", "none", null, null)
	users.allow with input as req("list", "worker", org("worker"), null)
	not users.allow with input as req("list", "user", org(null), null)
	users.reasons == {"You are not a member of this organization."} with input as req("list", "user", org(null), null)
}

test_reasons_empty_when_allowed if {
	users.reasons == set() with input as req("view", "user", null, target(7, null))
}

test_filter if {
	users.filter == [[]] with input as req("list", "admin", null, null)
	users.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "admin", org(null), null)
	users.filter == [[{"field": "id", "op": "==", "value": 7}]] with input as req("list", "user", null, null)
	users.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "worker", org("worker"), null)
	users.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in users.scopes {
		users.fallback[scope]
	}
}
