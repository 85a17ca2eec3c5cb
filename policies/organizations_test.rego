package organizations_test

import data.organizations

req(scope, privilege, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": null},
	"resource": resource,
}

# An organization where the caller has role (null: outsider); 7 owns it when role is "owner".
orgres(role) := {"id": 3, "owner": {"id": owner}, "user": {"role": role}} if {
	role == "owner"
	owner := 7
} else := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

test_create_needs_user_role if {
	organizations.allow with input as req("create", "user", {})
	not organizations.allow with input as req("create", "worker", {})
	organizations.reasons == {"Your global role (worker) does not allow you to create organizations."} with input as req("create", "worker", {})
}

test_members_view if {
	every role in ["owner", "maintainer", "supervisor", "worker"] {
		organizations.allow with input as req("view", "none", orgres(role))
	}
	not organizations.allow with input as req("view", "user", orgres(null))
	organizations.allow with input as req("view", "admin", orgres(null))
}

test_owner_id_counts_as_owner if {
	organizations.allow with input as req("delete", "user", {"id": 3, "owner": {"id": 7}, "user": {"role": null}})
}

test_owner_and_maintainers_edit if {
	organizations.allow with input as req("update", "worker", orgres("owner"))
	organizations.allow with input as req("update", "worker", orgres("maintainer"))
	not organizations.allow with input as req("update", "user", orgres("supervisor"))
	not organizations.allow with input as req("update", "none", orgres("owner"))
	organizations.reasons == {"Only the organization owner or a maintainer can edit the organization."} with input as req("update", "user", orgres("supervisor"))
}

test_only_owner_deletes if {
	organizations.allow with input as req("delete", "worker", orgres("owner"))
	not organizations.allow with input as req("delete", "user", orgres("maintainer"))
	organizations.reasons == {"Only the organization owner can delete the organization."} with input as req("delete", "user", orgres("maintainer"))
	organizations.reasons == {"You are not a member of this organization."} with input as req("delete", "user", orgres(null))
}

test_filter if {
	organizations.filter == [[]] with input as req("list", "admin", null)
	organizations.filter == [
		[{"field": "member_id", "op": "==", "value": 7}],
		[{"field": "owner_id", "op": "==", "value": 7}],
	] with input as req("list", "worker", null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in organizations.scopes {
		organizations.fallback[scope]
	}
}
