# Who may create, see, change and delete jobs, the pieces of a task that
# people are assigned to (reference/permissions/jobs.csv, without data,
# annotations and datasets).
#
# input.resource: {
#   "id": <num>,
#   "assignee": {"id": <num>} | null,
#   "stage": "annotation" | "validation" | "acceptance",
#   "state": "new" | "in progress" | "completed" | "rejected",
#   "type": <string>,
#   "organization": {"id": <num>} | null,    the task's workspace, null: personal
#   "task": {"id": <num>, "owner": {"id"} | null, "assignee": {"id"} | null},
#   "project": null | {"id": <num>, "owner": {"id"} | null, "assignee": {"id"} | null}
# }
# For "create" the resource is the job to be: its task, project and
# organization.
# Filter fields: "organization_id", "assignee_id", "task.owner_id",
# "task.assignee_id", "project.owner_id", "project.assignee_id".
package jobs

import data.utils

scopes := {"create", "list", "view", "delete", "update:stage", "update:state", "update:assignee"}

# The allow rules run on every request and are written for OPA's rule index:
# each starts with input.scope == "..." and names what the scope needs
# (may_see, may_edit, ...); those use plain comparisons rather than the
# helpers of utils.rego.

default allow := false

allow if input.auth.user.privilege == "admin"

allow if {
	input.scope == "list"
	may_list
}

allow if {
	input.scope == "view"
	may_see
}

allow if {
	input.scope == "update:state"
	may_work
}

allow if {
	input.scope == "update:stage"
	may_lead
}

allow if {
	input.scope == "update:assignee"
	may_lead
}

allow if {
	input.scope == "create"
	may_add
}

allow if {
	input.scope == "delete"
	may_add
}

may_list if personal

may_list if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# Those who run the task or its project ("leads") and the job's assignee see
# the job and change its state...
may_see if {
	input.auth.organization == null
	involved
}

may_see if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	involved
}

may_work if {
	input.auth.organization == null
	involved
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_work if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	involved
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# ...(a global worker assigned to a job of an organization even without
# being a member)...
may_see if assigned_worker

may_work if assigned_worker

assigned_worker if {
	input.resource.organization.id == input.auth.organization.id
	is_assignee
	input.auth.user.privilege == "worker"
}

# ...only leads change its stage and assignee...
may_lead if {
	input.auth.organization == null
	leads
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_lead if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	leads
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# ...and add or delete jobs (in an organization, as supervisors or higher).
may_add if {
	personal
	leads
	input.auth.user.privilege in {"user", "admin"}
}

may_add if {
	input.resource.organization.id == input.auth.organization.id
	leads
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
}

# Maintainers and the owner of an organization (with the user global role)
# do all of this to every job of it.
may_see if staff_here

may_work if staff_here

may_lead if staff_here

may_add if staff_here

# What the caller is to the job.
is_assignee if input.resource.assignee.id == input.auth.user.id

leads if input.resource.task.owner.id == input.auth.user.id

leads if input.resource.task.assignee.id == input.auth.user.id

leads if input.resource.project.owner.id == input.auth.user.id

leads if input.resource.project.assignee.id == input.auth.user.id

involved if leads

involved if is_assignee

# No organization is selected: the object may be anywhere.
personal if input.auth.organization == null

# The resource is not in the request's organization (null: personal).
elsewhere if object.get(input.resource, ["organization", "id"], null) != input.auth.organization.id

# The caller is a member of the selected organization.
is_member if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# The object is in the selected organization, where the caller is a
# maintainer or its owner (with the user global role).
staff_here if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

# Which rows a list shows (see README.md, "Filters"): an OR of terms, each an
# AND of conditions; [[]] is everything, [] nothing.
filter := [[]] if {
	input.auth.user.privilege == "admin"
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege == "admin"
} else := [] if {
	not allow
} else := [
	[{"field": "assignee_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "task.owner_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "task.assignee_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "project.owner_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "project.assignee_id", "op": "==", "value": input.auth.user.id}],
] if {
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
} else := [
	[org_is_selected, {"field": "assignee_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "task.owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "task.assignee_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "project.owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "project.assignee_id", "op": "==", "value": input.auth.user.id}],
]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.organization != null
	not is_member
	not is_assignee
}

why contains utils.msg_not_member if {
	input.scope == "list"
	input.auth.organization != null
	not is_member
}

why contains utils.msg_other_org("job") if {
	input.auth.organization != null
	elsewhere
	input.scope != "list"
}

why contains "The assignee of a job can change its state, not its stage or assignee." if {
	is_assignee
	not leads
	input.scope in {"update:stage", "update:assignee"}
}

fallback := {
	"create": "You are not allowed to add jobs to this task.",
	"list": "You are not allowed to list jobs here.",
	"view": "You are not allowed to see this job.",
	"delete": "You are not allowed to delete this job.",
	"update:state": "You are not allowed to change the state of this job.",
	"update:stage": "You are not allowed to change the stage of this job.",
	"update:assignee": "You are not allowed to change the assignee of this job.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
