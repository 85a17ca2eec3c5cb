package cloudstorages_test

import data.cloudstorages

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

storage(owner, organization) := {"id": 60, "owner": {"id": owner}, "organization": organization}

in_org := {"id": 3}

test_create if {
	cloudstorages.allow with input as req("create", "user", null, null)
	not cloudstorages.allow with input as req("create", "worker", null, null)
	cloudstorages.allow with input as req("create", "user", org("maintainer"), null)
	not cloudstorages.allow with input as req("create", "user", org("supervisor"), null)
	cloudstorages.reasons == {"Only maintainers and the owner of the organization can create cloud storages in it."} with input as req("create", "user", org("supervisor"), null)
}

test_owner if {
	cloudstorages.allow with input as req("view", "none", null, storage(7, null))
	cloudstorages.allow with input as req("update", "worker", null, storage(7, null))
	not cloudstorages.allow with input as req("update", "none", null, storage(7, null))
	cloudstorages.allow with input as req("delete", "worker", org("worker"), storage(7, in_org))
	not cloudstorages.allow with input as req("view", "user", null, storage(8, null))
}

test_supervisors_see_maintainers_change if {
	cloudstorages.allow with input as req("view", "user", org("supervisor"), storage(8, in_org))
	not cloudstorages.allow with input as req("update", "user", org("supervisor"), storage(8, in_org))
	cloudstorages.allow with input as req("update", "user", org("maintainer"), storage(8, in_org))
	not cloudstorages.allow with input as req("view", "user", org("worker"), storage(8, in_org))
	not cloudstorages.allow with input as req("view", "user", org("owner"), storage(8, {"id": 4}))
}

test_filter if {
	cloudstorages.filter == [[]] with input as req("list", "admin", null, null)
	cloudstorages.filter == [[{"field": "owner_id", "op": "==", "value": 7}]] with input as req("list", "none", null, null)
	cloudstorages.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "user", org("supervisor"), null)
	cloudstorages.filter == [[
		{"field": "organization_id", "op": "==", "value": 3},
		{"field": "owner_id", "op": "==", "value": 7},
	]] with input as req("list", "worker", org("supervisor"), null)
	cloudstorages.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in cloudstorages.scopes {
		cloudstorages.fallback[scope]
	}
}
