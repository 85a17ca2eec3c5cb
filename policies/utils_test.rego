package utils_test

import data.utils

req(privilege, organization) := {
	"scope": "view",
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": {"organization": {"id": 3}},
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

test_privilege_order if {
	utils.has_privilege("user") with input as req("admin", null)
	utils.has_privilege("user") with input as req("user", null)
	not utils.has_privilege("user") with input as req("worker", null)
	utils.has_privilege("none") with input as req("none", null)
}

test_unknown_privilege_is_none if {
	utils.privilege == "none" with input as req("superuser", null)
	not utils.has_privilege("worker") with input as req("superuser", null)
	not utils.is_admin with input as req("superuser", null)
}

test_sandbox_and_organization if {
	utils.is_sandbox with input as req("user", null)
	not utils.is_organization with input as req("user", null)
	utils.is_organization with input as req("user", org("worker"))
	not utils.is_sandbox with input as req("user", org("worker"))
}

test_role_order if {
	utils.has_role("maintainer") with input as req("user", org("owner"))
	utils.has_role("maintainer") with input as req("user", org("maintainer"))
	not utils.has_role("maintainer") with input as req("user", org("supervisor"))
	not utils.has_role("worker") with input as req("user", org(null))
	not utils.is_member with input as req("user", org(null))
	not utils.is_member with input as req("user", org("guest"))
	utils.is_member with input as req("user", org("worker"))
}

test_in_org if {
	utils.in_org with input as req("user", org("worker"))
	not utils.outside_org with input as req("user", org("worker"))
	not utils.in_org with input as req("user", object.union(org("worker"), {"id": 4}))
	utils.outside_org with input as req("user", object.union(org("worker"), {"id": 4}))
	not utils.in_org with input as req("user", null)
}

test_is_user if {
	utils.is_user({"id": 7}) with input as req("user", null)
	not utils.is_user({"id": 8}) with input as req("user", null)
	not utils.is_user(null) with input as req("user", null)
}
