package projects_test

import data.projects

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

project(owner, assignee, organization) := {
	"id": 10,
	"owner": {"id": owner},
	"assignee": {"id": assignee},
	"organization": organization,
}

in_org := {"id": 3}

test_create if {
	projects.allow with input as req("create", "user", null, null)
	not projects.allow with input as req("create", "worker", null, null)
	projects.allow with input as req("create", "user", org("supervisor"), null)
	not projects.allow with input as req("create", "user", org("worker"), null)
	projects.reasons == {"Only supervisors, maintainers and the owner of the organization can create projects in it."} with input as req("create", "user", org("worker"), null)
	projects.reasons == {"You are not a member of this organization."} with input as req("create", "user", org(null), null)
}

test_owner_and_assignee_outside_organizations if {
	projects.allow with input as req("view", "none", null, project(7, 9, null))
	projects.allow with input as req("view", "none", null, project(9, 7, in_org))
	projects.allow with input as req("update:desc", "worker", null, project(9, 7, null))
	not projects.allow with input as req("update:assignee", "worker", null, project(9, 7, null))
	projects.allow with input as req("delete", "worker", null, project(7, 9, null))
	not projects.allow with input as req("delete", "none", null, project(7, 9, null))
	not projects.allow with input as req("view", "user", null, project(8, 9, null))
}

test_only_admins_change_owner_outside_organizations if {
	not projects.allow with input as req("update:owner", "user", null, project(7, 9, null))
	projects.reasons == {"Outside an organization only an admin can change the owner of a project."} with input as req("update:owner", "user", null, project(7, 9, null))
	projects.allow with input as req("update:owner", "admin", null, project(8, 9, null))
}

test_in_an_organization if {
	projects.allow with input as req("view", "none", org("worker"), project(7, 9, in_org))
	not projects.allow with input as req("view", "none", org(null), project(7, 9, in_org))
	not projects.allow with input as req("view", "user", org("supervisor"), project(8, 9, in_org))
	projects.allow with input as req("view", "user", org("maintainer"), project(8, 9, in_org))
	not projects.allow with input as req("view", "worker", org("maintainer"), project(8, 9, in_org))
	projects.allow with input as req("update:owner", "worker", org("maintainer"), project(7, 9, in_org))
	not projects.allow with input as req("update:owner", "worker", org("supervisor"), project(7, 9, in_org))
}

test_other_workspace if {
	not projects.allow with input as req("view", "user", org("owner"), project(7, 9, {"id": 4}))
	not projects.allow with input as req("view", "user", org("owner"), project(7, 9, null))
	projects.reasons == {"This project belongs to another workspace than the selected organization."} with input as req("delete", "user", org("owner"), project(7, 9, null))
}

test_filter if {
	projects.filter == [[]] with input as req("list", "admin", null, null)
	projects.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "admin", org(null), null)
	projects.filter == [
		[{"field": "owner_id", "op": "==", "value": 7}],
		[{"field": "assignee_id", "op": "==", "value": 7}],
	] with input as req("list", "worker", null, null)
	projects.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "user", org("maintainer"), null)
	projects.filter == [
		[{"field": "organization_id", "op": "==", "value": 3}, {"field": "owner_id", "op": "==", "value": 7}],
		[{"field": "organization_id", "op": "==", "value": 3}, {"field": "assignee_id", "op": "==", "value": 7}],
	] with input as req("list", "worker", org("maintainer"), null)
	projects.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in projects.scopes {
		projects.fallback[scope]
	}
}
