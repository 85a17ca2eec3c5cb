# Who may create, see, change and delete projects
# (reference/permissions/projects.csv, without backups, datasets and
# annotations).
#
# input.resource: {
#   "id": <num>,
#   "owner": {"id": <num>} | null,
#   "assignee": {"id": <num>} | null,
#   "organization": {"id": <num>} | null     the project's workspace, null: personal
# }
# For "create" the resource may be null: a new project goes to the request's
# workspace. "update:organization" is asked with the project's current
# workspace as the request's organization; the caller also needs "create" in
# the destination.
# Filter fields: "organization_id", "owner_id", "assignee_id".
package projects

import data.utils

scopes := {
	"create", "list", "view", "delete",
	"update:desc", "update:assignee", "update:owner",
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
	input.scope == "update:assignee"
	may_manage
}

allow if {
	input.scope == "update:organization"
	may_manage
}

allow if {
	input.scope == "update:associated_storage"
	may_manage
}

allow if {
	input.scope == "delete"
	may_manage
}

allow if {
	input.scope == "update:owner"
	may_hand_over
}

# Any user but a global worker creates projects in the personal workspace;
# in an organization, supervisors and up.
may_create if {
	personal
	input.auth.user.privilege in {"user", "admin"}
}

may_create if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
}

may_list if personal

may_list if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# The owner and the assignee see the project and edit its description.
may_see if {
	input.auth.organization == null
	owner_or_assignee
}

may_see if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	owner_or_assignee
}

may_edit if {
	input.auth.organization == null
	owner_or_assignee
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_edit if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	owner_or_assignee
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# The owner also reassigns it, moves it to another workspace, changes its
# cloud storage and deletes it...
may_manage if {
	input.auth.organization == null
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_manage if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# ...and, in an organization where they are a maintainer or its owner, hands
# it over to someone else. Outside organizations only admins do that.
may_hand_over if {
	member_here
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

# Maintainers and the owner of an organization (with the user global role)
# do all of this to every project of it.
may_see if staff_here

may_edit if staff_here

may_manage if staff_here

may_hand_over if staff_here

# What the caller is to the project.
is_owner if input.resource.owner.id == input.auth.user.id

is_assignee if input.resource.assignee.id == input.auth.user.id

owner_or_assignee if is_owner

owner_or_assignee if is_assignee

# No organization is selected: the object may be anywhere.
personal if input.auth.organization == null

# The resource is not in the request's organization (null: personal).
elsewhere if object.get(input.resource, ["organization", "id"], null) != input.auth.organization.id

# The caller is a member of the selected organization.
is_member if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

member_here if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

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
] if {
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
} else := [
	[org_is_selected, {"field": "owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "assignee_id", "op": "==", "value": input.auth.user.id}],
]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.organization != null
	not is_member
}

why contains utils.msg_other_org("project") if {
	input.auth.organization != null
	elsewhere
	not input.scope in {"list", "create"}
}

why contains utils.msg_global_role("create projects") if {
	input.scope == "create"
	not input.auth.user.privilege in {"user", "admin"}
}

why contains "Only supervisors, maintainers and the owner of the organization can create projects in it." if {
	input.scope == "create"
	input.auth.organization.user.role == "worker"
}

why contains "Outside an organization only an admin can change the owner of a project." if {
	input.scope == "update:owner"
	personal
}

fallback := {
	"create": "You are not allowed to create projects here.",
	"list": "You are not allowed to list projects here.",
	"view": "You are not allowed to see this project.",
	"delete": "You are not allowed to delete this project.",
	"update:desc": "You are not allowed to edit this project.",
	"update:assignee": "You are not allowed to change the assignee of this project.",
	"update:owner": "You are not allowed to change the owner of this project.",
	"update:organization": "You are not allowed to move this project to another workspace.",
	"update:associated_storage": "You are not allowed to change the cloud storage of this project.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
