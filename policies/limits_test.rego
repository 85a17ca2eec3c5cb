package limits_test

import data.limits

free_limits := {
	"personal_tasks": 10, "personal_projects": 5, "tasks_per_project": 5, "owned_orgs": 1,
	"personal_cloud_storages": 10, "org_tasks": 10, "org_projects": 5, "org_cloud_storages": 10,
	"org_members": 3,
}

unlimited := {k: -1 | some k, _ in free_limits}

solo_limits := object.union(unlimited, {"owned_orgs": 1, "org_tasks": 10, "org_projects": 5, "org_cloud_storages": 10, "org_members": 3})

free := {"id": "free", "name": "Free", "scope": "", "limits": free_limits}

solo := {"id": "solo", "name": "Solo", "scope": "personal", "limits": solo_limits}

team := {"id": "team", "name": "Team", "scope": "organization", "limits": unlimited}

catalog := [free, solo, team]

ws(kind) := {"kind": kind, "id": 3}

req(scope, kind, plan, usage, adding) := {
	"scope": scope,
	"auth": {"user": {"id": 7, "privilege": "user"}, "organization": null},
	"resource": {
		"workspace": ws(kind), "plan": plan, "seats": 0, "cancelled": false,
		"free": free, "plans": catalog, "usage": usage, "adding": adding,
	},
}

with_seats(r, n) := object.union(r, {"resource": object.union(r.resource, {"seats": n})})

cancelled(r) := object.union(r, {"resource": object.union(r.resource, {"cancelled": true})})

test_under_the_limit_is_allowed if {
	limits.allow with input as req("create:task", "personal", free, {"personal_tasks": 9}, {"personal_tasks": 1})
	limits.reasons == set() with input as req("create:task", "personal", free, {"personal_tasks": 9}, {"personal_tasks": 1})
	limits.allow with input as req("create:project", "organization", free, {"org_projects": 4}, {"org_projects": 1})
}

test_at_the_limit_is_refused_with_the_upgrade if {
	r := req("create:task", "personal", free, {"personal_tasks": 10}, {"personal_tasks": 1})
	not limits.allow with input as r
	limits.reasons == {"Personal tasks limit reached (10 of 10 on the Free plan). Upgrade to Solo to create more."} with input as r
}

test_org_limits_point_at_team if {
	r := req("create:cloudstorage", "organization", free, {"org_cloud_storages": 10}, {"org_cloud_storages": 1})
	limits.reasons == {"Organization cloud storages limit reached (10 of 10 on the Free plan). Upgrade to Team to create more."} with input as r
}

test_every_breached_limit_is_named if {
	r := req("create:task", "personal", free, {"personal_tasks": 10, "tasks_per_project": 5}, {"personal_tasks": 1, "tasks_per_project": 1})
	limits.reasons == {
		"Personal tasks limit reached (10 of 10 on the Free plan). Upgrade to Solo to create more.",
		"Tasks per project limit reached (5 of 5 on the Free plan). Upgrade to Solo to create more.",
	} with input as r
}

test_paid_plans_lift_their_limits if {
	limits.allow with input as req("create:task", "personal", solo, {"personal_tasks": 500}, {"personal_tasks": 1})
	limits.allow with input as req("create:task", "organization", team, {"org_tasks": 500}, {"org_tasks": 1})

	# Solo leaves organizations on the Free limits.
	not limits.allow with input as req("create:task", "organization", solo, {"org_tasks": 10}, {"org_tasks": 1})
}

test_no_plan_raises_a_limit if {
	r := req("create:organization", "personal", solo, {"owned_orgs": 1}, {"owned_orgs": 1})
	limits.reasons == {"Owned organizations limit reached (1 of 1 on the Solo plan). No plan raises this limit: remove some to make room."} with input as r
}

test_transfers_count_what_moves if {
	r := req("transfer:project", "organization", free, {"org_projects": 1, "org_tasks": 8}, {"org_projects": 1, "org_tasks": 3})
	limits.reasons == {"Organization tasks limit reached (8 of 10 on the Free plan, this adds 3). Upgrade to Team to move more here."} with input as r
	limits.allow with input as req("transfer:project", "organization", free, {"org_projects": 1, "org_tasks": 7}, {"org_projects": 1, "org_tasks": 3})
	big := req("transfer:project", "personal", free, {"personal_projects": 0, "personal_tasks": 0, "tasks_per_project": 0}, {"personal_projects": 1, "personal_tasks": 6, "tasks_per_project": 6})
	limits.reasons == {"Tasks per project limit reached (the project has 6 tasks, 5 allowed on the Free plan). Upgrade to Solo to move more here."} with input as big
}

test_members_and_invitations if {
	invite := req("create:invitation", "organization", free, {"org_members": 3}, {"org_members": 1})
	limits.reasons == {"Organization members limit reached (3 of 3 on the Free plan, pending invitations included). Upgrade to Team to invite more members."} with input as invite
	accept := req("accept:invitation", "organization", free, {"org_members": 3}, {"org_members": 1})
	limits.reasons == {"Organization members limit reached (3 of 3 on the Free plan). The organization's owner can upgrade it to Team to let more members join."} with input as accept
}

test_seats_bound_a_team if {
	limits.allow with input as with_seats(req("create:invitation", "organization", team, {"org_members": 4}, {"org_members": 1}), 5)
	invite := with_seats(req("create:invitation", "organization", team, {"org_members": 5}, {"org_members": 1}), 5)
	limits.reasons == {"Seats limit reached (5 of 5 seats on the Team plan, pending invitations included). Add seats on the organization's billing page."} with input as invite
	accept := with_seats(req("accept:invitation", "organization", team, {"org_members": 5}, {"org_members": 1}), 5)
	limits.reasons == {"Seats limit reached (5 of 5 seats on the Team plan). Add seats on the organization's billing page, or ask the organization's owner to."} with input as accept
}

test_read_only_after_cancel if {
	usage := {"org_tasks": 14, "org_projects": 2, "org_members": 3}
	r := cancelled(req("update", "organization", free, usage, {}))
	not limits.allow with input as r
	limits.reasons == {"Read-only: the subscription of this organization was cancelled and it holds more than the Free plan allows (organization tasks 14 of 10). Delete what is over the limits or renew the subscription to make changes."} with input as r

	# Under the Free limits a cancelled workspace is writable...
	limits.allow with input as cancelled(req("update", "organization", free, {"org_tasks": 10}, {}))

	# ...and over them an active plan is too.
	limits.allow with input as req("update", "organization", team, usage, {})
}

test_read_only_names_every_excess if {
	r := cancelled(req("create:project", "personal", free, {"personal_tasks": 12, "personal_projects": 6}, {"personal_projects": 1}))
	limits.reasons == {
		"Personal projects limit reached (6 of 5 on the Free plan). Upgrade to Solo to create more.",
		"Read-only: the subscription of your personal workspace was cancelled and it holds more than the Free plan allows (personal projects 6 of 5, personal tasks 12 of 10). Delete what is over the limits or renew the subscription to make changes.",
	} with input as r
}

test_unknown_limit_fails_closed if {
	not limits.allow with input as req("create:task", "personal", {"id": "x", "name": "X", "limits": {}}, {}, {"personal_tasks": 1})
}

test_every_scope_is_known if {
	every scope in limits.scopes {
		limits.allow with input as req(scope, "organization", team, {}, {})
	}
}
