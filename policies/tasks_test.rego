package tasks_test

import data.tasks

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

task(owner, assignee, powner, passignee, organization) := {
	"id": 11,
	"owner": {"id": owner},
	"assignee": {"id": assignee},
	"organization": organization,
	"project": {"id": 10, "owner": {"id": powner}, "assignee": {"id": passignee}},
}

loose(owner, assignee, organization) := {
	"id": 11,
	"owner": {"id": owner},
	"assignee": {"id": assignee},
	"organization": organization,
	"project": null,
}

in_org := {"id": 3}

test_create if {
	tasks.allow with input as req("create", "user", null, null)
	not tasks.allow with input as req("create", "worker", null, null)
	tasks.allow with input as req("create", "user", org("supervisor"), null)
	not tasks.allow with input as req("create", "user", org("worker"), null)
}

test_create_in_a_project if {
	into := {"organization": null, "project": {"id": 10, "owner": {"id": 7}, "assignee": null}}
	tasks.allow with input as req("create@project", "user", null, into)
	not tasks.allow with input as req("create@project", "worker", null, into)
	not tasks.allow with input as req("create@project", "user", null, {"organization": null, "project": {"id": 10, "owner": {"id": 8}}})
	shared := {"organization": in_org, "project": {"id": 10, "owner": {"id": 8}, "assignee": {"id": 7}}}
	tasks.allow with input as req("create@project", "user", org("worker"), shared)
	other := {"organization": in_org, "project": {"id": 10, "owner": {"id": 8}, "assignee": null}}
	tasks.allow with input as req("create@project", "user", org("supervisor"), other)
	not tasks.allow with input as req("create@project", "user", org("worker"), other)
}

test_project_people_see_its_tasks if {
	tasks.allow with input as req("view", "none", null, task(8, 9, 7, 6, null))
	tasks.allow with input as req("view", "none", null, task(8, 9, 6, 7, null))
	tasks.allow with input as req("view", "none", org("worker"), task(8, 9, 6, 7, in_org))
	not tasks.allow with input as req("view", "user", null, loose(8, 9, null))
}

test_assignee_edits_but_does_not_reorganize if {
	tasks.allow with input as req("update:desc", "worker", null, loose(8, 7, null))
	every scope in ["update:owner", "update:assignee", "update:project", "update:organization", "delete"] {
		not tasks.allow with input as req(scope, "user", null, loose(8, 7, null))
		tasks.allow with input as req(scope, "worker", null, task(8, 9, 6, 7, null))
	}
	tasks.reasons == {"The assignee of a task can edit it but not reorganize it."} with input as req("delete", "user", null, loose(8, 7, null))
}

test_associated_storage if {
	tasks.allow with input as req("update:associated_storage", "worker", null, task(8, 9, 7, 6, null))
	not tasks.allow with input as req("update:associated_storage", "user", null, task(8, 9, 6, 7, null))
	tasks.allow with input as req("update:associated_storage", "user", org("maintainer"), task(8, 9, 6, 7, in_org))
	not tasks.allow with input as req("update:associated_storage", "worker", org("maintainer"), task(8, 9, 6, 7, in_org))
}

test_maintainers_act_on_every_task if {
	tasks.allow with input as req("delete", "user", org("maintainer"), loose(8, 9, in_org))
	not tasks.allow with input as req("delete", "user", org("supervisor"), loose(8, 9, in_org))
	not tasks.allow with input as req("delete", "user", org("owner"), loose(8, 9, {"id": 4}))
}

test_filter if {
	tasks.filter == [[]] with input as req("list", "admin", null, null)
	tasks.filter == [
		[{"field": "owner_id", "op": "==", "value": 7}],
		[{"field": "assignee_id", "op": "==", "value": 7}],
		[{"field": "project.owner_id", "op": "==", "value": 7}],
		[{"field": "project.assignee_id", "op": "==", "value": 7}],
	] with input as req("list", "none", null, null)
	tasks.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "user", org("owner"), null)
	count(tasks.filter) == 4 with input as req("list", "user", org("supervisor"), null)
	every term in tasks.filter {
		term[0] == {"field": "organization_id", "op": "==", "value": 3}
	} with input as req("list", "user", org("supervisor"), null)
	tasks.filter == [] with input as req("list", "user", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in tasks.scopes {
		tasks.fallback[scope]
	}
}
