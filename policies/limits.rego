# Plan limits of a workspace (SPEC §4): may this write happen, given what the
# workspace holds now, what the write adds and the workspace's plan? The
# store counts, in the transaction of the write; the policy compares.
#
# input.scope is the write:
#   "create:project", "create:task", "create:cloudstorage",
#   "create:organization" (counts against the creator's personal workspace),
#   "create:invitation", "accept:invitation" (also a sign-up through an
#   invitation link), "transfer:project", "transfer:task" (moving into the
#   workspace), "update" (any other write to an object of the workspace,
#   e.g. adding a task to a project).
# input.resource: {
#   "workspace": {"kind": "personal" | "organization", "id": <num>},
#   "plan": {"id": "free", "name": "Free", "limits": {<key>: <num>, ...}},
#   "seats": <num>,          paid seats of a Team plan (owner included), 0: none
#   "cancelled": <bool>,     the subscription was cancelled: Free limits apply
#                            and writes are refused while usage is over them
#   "free": {"name": "Free", "limits": {...}},
#   "plans": [{"id", "name", "scope": "personal" | "organization" | "", "limits"}],
#                            the catalog, cheapest first: where upgrades come from
#   "usage": {<key>: <num>}, what the workspace holds now; for "create:invitation"
#                            org_members counts pending invitations too
#   "adding": {<key>: <num>} what the write adds
# }
# Limit keys: personal_tasks, personal_projects, tasks_per_project,
# owned_orgs, personal_cloud_storages, org_tasks, org_projects,
# org_cloud_storages, org_members. A limit of -1 is unlimited.
package limits

scopes := {
	"create:project", "create:task", "create:cloudstorage", "create:organization",
	"create:invitation", "accept:invitation", "transfer:project", "transfer:task", "update",
}

default allow := false

allow if {
	count(over) == 0
	not read_only
}

res := input.resource

# The limits this write would pass.
over contains key if {
	some key, n in res.adding
	n > 0
	lim := limit(key)
	lim >= 0
	used(key) + n > lim
}

used(key) := object.get(res.usage, key, 0)

# A Team plan's seats bound its members; otherwise the plan's limit. A key
# the plan does not name is limited to nothing (fails closed).
limit(key) := res.seats if {
	key == "org_members"
	res.seats > 0
} else := object.get(res.plan.limits, key, 0)

seats_bound(key) if {
	key == "org_members"
	res.seats > 0
}

# After a cancellation, a workspace that holds more than the Free plan
# allows is read-only until it is back under the limits (or renewed).
read_only if {
	res.cancelled
	count(over_free) > 0
}

over_free contains sprintf("%s %d of %d", [lower(label[key]), n, lim]) if {
	some key, n in res.usage
	lim := object.get(res.free.limits, key, -1)
	lim >= 0
	n > lim
}

label := {
	"personal_tasks": "Personal tasks",
	"personal_projects": "Personal projects",
	"tasks_per_project": "Tasks per project",
	"owned_orgs": "Owned organizations",
	"personal_cloud_storages": "Personal cloud storages",
	"org_tasks": "Organization tasks",
	"org_projects": "Organization projects",
	"org_cloud_storages": "Organization cloud storages",
	"org_members": "Organization members",
}

plan_scope := "organization" if res.workspace.kind == "organization"

else := "personal"

# The first plan of the catalog (cheapest first) for this kind of workspace
# that would allow the write.
upgrade(key) := ps[0] if {
	ps := [p |
		some p in res.plans
		p.scope == plan_scope
		p.id != res.plan.id
		lifts(p, key)
	]
	count(ps) > 0
}

lifts(p, key) if object.get(p.limits, key, 0) < 0

lifts(p, key) if object.get(p.limits, key, 0) >= used(key) + res.adding[key]

# "10 of 10 on the Free plan", "3 of 3 seats on the Team plan".
amount(key) := sprintf("%d of %d seats on the %s plan", [used(key), limit(key), res.plan.name]) if {
	seats_bound(key)
} else := sprintf("the project has %d tasks, %d allowed on the %s plan", [res.adding[key], limit(key), res.plan.name]) if {
	key == "tasks_per_project"
	input.scope == "transfer:project"
} else := sprintf("%d of %d on the %s plan", [used(key), limit(key), res.plan.name])

detail(key) := "" if {
	key == "tasks_per_project"
	input.scope == "transfer:project"
} else := ", pending invitations included" if {
	input.scope == "create:invitation"
} else := sprintf(", this adds %d", [res.adding[key]]) if {
	res.adding[key] > 1
} else := ""

verb := "invite more members" if input.scope == "create:invitation"

else := "move more here" if startswith(input.scope, "transfer:")

else := "add more" if input.scope == "update"

else := "create more"

advice(key) := "Add seats on the organization's billing page, or ask the organization's owner to." if {
	seats_bound(key)
	input.scope == "accept:invitation"
} else := "Add seats on the organization's billing page." if {
	seats_bound(key)
} else := sprintf("The organization's owner can upgrade it to %s to let more members join.", [p.name]) if {
	input.scope == "accept:invitation"
	p := upgrade(key)
} else := sprintf("Upgrade to %s to %s.", [p.name, verb]) if {
	p := upgrade(key)
} else := "No plan raises this limit: remove some to make room."

name(key) := "Seats" if {
	seats_bound(key)
} else := label[key] if {
	label[key]
} else := key

why contains sprintf("%s limit reached (%s%s). %s", [name(key), amount(key), detail(key), advice(key)]) if {
	some key in over
}

why contains sprintf("Read-only: the subscription of %s was cancelled and it holds more than the %s plan allows (%s). Delete what is over the limits or renew the subscription to make changes.", [whose, res.free.name, concat(", ", sort(over_free))]) if {
	read_only
}

whose := "this organization" if res.workspace.kind == "organization"

else := "your personal workspace"

# Nothing when allowed; else every limit the write would pass.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {"A plan limit does not allow this."}
