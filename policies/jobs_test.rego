package jobs_test

import data.jobs

req(scope, privilege, organization, resource) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": resource,
}

org(role) := {"id": 3, "owner": {"id": 1}, "user": {"role": role}}

# A job assigned to assignee in a task owned by towner, in organization.
job(assignee, towner, organization) := {
	"id": 20,
	"assignee": {"id": assignee},
	"stage": "annotation",
	"state": "new",
	"type": "annotation",
	"organization": organization,
	"task": {"id": 11, "owner": {"id": towner}, "assignee": null},
	"project": null,
}

in_org := {"id": 3}

test_assignee_changes_state_not_stage if {
	jobs.allow with input as req("view", "none", null, job(7, 8, null))
	jobs.allow with input as req("update:state", "worker", null, job(7, 8, null))
	not jobs.allow with input as req("update:stage", "user", null, job(7, 8, null))
	not jobs.allow with input as req("update:assignee", "user", null, job(7, 8, null))
	jobs.reasons == {"The assignee of a job can change its state, not its stage or assignee."} with input as req("update:stage", "user", null, job(7, 8, null))
}

test_task_owner_runs_the_job if {
	every scope in ["view", "update:state", "update:stage", "update:assignee"] {
		jobs.allow with input as req(scope, "worker", null, job(9, 7, null))
	}
	jobs.allow with input as req("create", "user", null, job(null, 7, null))
	not jobs.allow with input as req("create", "worker", null, job(null, 7, null))
	jobs.allow with input as req("delete", "user", org("supervisor"), job(9, 7, in_org))
	not jobs.allow with input as req("delete", "user", org("worker"), job(9, 7, in_org))
}

test_global_worker_assignee_needs_no_membership if {
	jobs.allow with input as req("view", "worker", org(null), job(7, 8, in_org))
	jobs.allow with input as req("update:state", "worker", org(null), job(7, 8, in_org))
	not jobs.allow with input as req("view", "user", org(null), job(7, 8, in_org))
	not jobs.allow with input as req("view", "worker", org(null), job(7, 8, {"id": 4}))
}

test_maintainers_act_on_every_job if {
	jobs.allow with input as req("update:stage", "user", org("maintainer"), job(9, 8, in_org))
	not jobs.allow with input as req("update:stage", "user", org("supervisor"), job(9, 8, in_org))
	not jobs.allow with input as req("view", "user", org("worker"), job(9, 8, in_org))
}

test_filter if {
	jobs.filter == [[]] with input as req("list", "admin", null, null)
	[term[0].field | some term in jobs.filter] == ["assignee_id", "task.owner_id", "task.assignee_id", "project.owner_id", "project.assignee_id"] with input as req("list", "worker", null, null)
	jobs.filter == [[{"field": "organization_id", "op": "==", "value": 3}]] with input as req("list", "user", org("maintainer"), null)
	[term[1].field | some term in jobs.filter] == ["assignee_id", "task.owner_id", "task.assignee_id", "project.owner_id", "project.assignee_id"] with input as req("list", "user", org("worker"), null)
	jobs.filter == [] with input as req("list", "worker", org(null), null)
}

test_every_scope_has_a_fallback_reason if {
	every scope in jobs.scopes {
		jobs.fallback[scope]
	}
}
