# Who may create, see, change and delete tasks, which may belong to a project
# (reference/permissions/tasks.csv, without data, annotations, backups and
# datasets).
#
# input.resource: {
#   "id": <num>,
#   "owner": {"id": <num>} | null,
#   "assignee": {"id": <num>} | null,
#   "organization": {"id": <num>} | null,    the task's workspace, null: personal
#   "project": null | {"id": <num>, "owner": {"id"} | null, "assignee": {"id"} | null}
# }
# "create" (a task outside projects) needs no resource; "create@project" gets
# {"organization", "project"} of the project the task goes into.
# "update:organization" is asked with the task's current workspace as the
# request's organization; the caller also needs "create" in the destination.
# Filter fields: "organization_id", "owner_id", "assignee_id",
# "project.owner_id", "project.assignee_id".
package tasks

import data.utils

scopes := {
	"create", "create@project", "list", "view", "delete",
	"update:desc", "update:owner", "update:assignee", "update:project",
	"update:organization", "update:associated_storage",
}

# The allow rules run on every request and are written for OPA's rule index:
# each starts with input.scope == "..." and names what the scope needs
# (may_see, may_edit, ...); those use plain comparisons rather than the
# helpers of utils.rego.

default allow := false

allow if input.auth.user.privilege == "admin"

allow if {
	input.scope == "create"
	may_create
}

allow if {
	input.scope == "create@project"
	may_add_to_project
}

allow if {
	input.scope == "list"
	may_list
}

allow if {
	input.scope == "view"
	may_see
}

allow if {
	input.scope == "update:desc"
	may_edit
}

allow if {
	input.scope == "update:owner"
	may_manage
}

allow if {
	input.scope == "update:assignee"
	may_manage
}

allow if {
	input.scope == "update:project"
	may_manage
}

allow if {
	input.scope == "update:organization"
	may_manage
}

allow if {
	input.scope == "delete"
	may_manage
}

allow if {
	input.scope == "update:associated_storage"
	may_relink
}

# Any user but a global worker creates tasks in the personal workspace; in
# an organization, supervisors and up.
may_create if {
	personal
	input.auth.user.privilege in {"user", "admin"}
}

may_create if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
}

# A task goes into a project of its owner or assignee (in an organization, a
# member), or into any project of an organization of a supervisor or higher.
may_add_to_project if {
	input.auth.organization == null
	runs_project
	input.auth.user.privilege in {"user", "admin"}
}

may_add_to_project if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	runs_project
	input.auth.user.privilege in {"user", "admin"}
}

may_add_to_project if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
}

may_list if personal

may_list if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# The owner and assignee of the task and of its project see and edit it...
may_see if {
	input.auth.organization == null
	involved
}

may_see if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	involved
}

may_edit if {
	input.auth.organization == null
	involved
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_edit if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	involved
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# ...all but the task's assignee reorganize it...
may_manage if {
	input.auth.organization == null
	leads
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_manage if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	leads
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# ...and the owners of the task and the project change its cloud storage.
may_relink if {
	input.auth.organization == null
	owns
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_relink if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	owns
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# Maintainers and the owner of an organization (with the user global role)
# do all of this to every task of it.
may_see if staff_here

may_edit if staff_here

may_manage if staff_here

may_relink if staff_here

# What the caller is to the task.
is_owner if input.resource.owner.id == input.auth.user.id

is_assignee if input.resource.assignee.id == input.auth.user.id

runs_project if input.resource.project.owner.id == input.auth.user.id

runs_project if input.resource.project.assignee.id == input.auth.user.id

involved if leads

involved if is_assignee

leads if is_owner

leads if runs_project

owns if is_owner

owns if input.resource.project.owner.id == input.auth.user.id

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
	[{"field": "owner_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "assignee_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "project.owner_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "project.assignee_id", "op": "==", "value": input.auth.user.id}],
] if {
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
} else := [
	[org_is_selected, {"field": "owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "assignee_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "project.owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "project.assignee_id", "op": "==", "value": input.auth.user.id}],
]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.organization != null
	not is_member
}

why contains utils.msg_other_org("task") if {
	input.auth.organization != null
	elsewhere
	not input.scope in {"list", "create", "create@project"}
}

why contains utils.msg_global_role("create tasks") if {
	input.scope == "create"
	not input.auth.user.privilege in {"user", "admin"}
}

why contains utils.msg_global_role("create tasks") if {
	input.scope == "create@project"
	not input.auth.user.privilege in {"user", "admin"}
}

why contains "Only supervisors, maintainers and the owner of the organization can create tasks in it." if {
	input.scope == "create"
	input.auth.organization.user.role == "worker"
}

why contains "The assignee of a task can edit it but not reorganize it." if {
	is_assignee
	not leads
	input.scope in {"update:owner", "update:assignee", "update:project", "update:organization", "update:associated_storage", "delete"}
}

fallback := {
	"create": "You are not allowed to create tasks here.",
	"create@project": "You are not allowed to add tasks to this project.",
	"list": "You are not allowed to list tasks here.",
	"view": "You are not allowed to see this task.",
	"delete": "You are not allowed to delete this task.",
	"update:desc": "You are not allowed to edit this task.",
	"update:owner": "You are not allowed to change the owner of this task.",
	"update:assignee": "You are not allowed to change the assignee of this task.",
	"update:project": "You are not allowed to move this task to another project.",
	"update:organization": "You are not allowed to move this task to another workspace.",
	"update:associated_storage": "You are not allowed to change the cloud storage of this task.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
