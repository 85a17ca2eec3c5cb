# Who may create, see, change and delete cloud storages
# (reference/permissions/cloudstorages.csv, without bucket content).
#
# input.resource: {
#   "id": <num>,
#   "owner": {"id": <num>} | null,
#   "organization": {"id": <num>} | null     the storage's workspace, null: personal
# }
# For "create" the resource may be null: a new storage goes to the request's
# workspace.
# Filter fields: "organization_id", "owner_id".
package cloudstorages

import data.utils

scopes := {"create", "list", "view", "update", "delete"}

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
	input.scope == "update"
	may_manage
}

allow if {
	input.scope == "delete"
	may_manage
}

# Any user but a global worker creates storages in the personal workspace;
# in an organization, maintainers and its owner.
may_create if {
	personal
	input.auth.user.privilege in {"user", "admin"}
}

may_create if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

may_list if personal

may_list if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# The owner sees, changes and deletes a storage (in an organization, as a
# member of it)...
may_see if {
	input.auth.organization == null
	is_owner
}

may_see if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	is_owner
}

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

# ...supervisors and up (with the user global role) see every storage of
# their organization, maintainers and its owner change and delete them.
may_see if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
}

may_manage if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

is_owner if input.resource.owner.id == input.auth.user.id

# No organization is selected: the object may be anywhere.
personal if input.auth.organization == null

# The resource is not in the request's organization (null: personal).
elsewhere if object.get(input.resource, ["organization", "id"], null) != input.auth.organization.id

# The caller is a member of the selected organization.
is_member if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

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
] if {
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"supervisor", "maintainer", "owner"}
} else := [
	[org_is_selected, {"field": "owner_id", "op": "==", "value": input.auth.user.id}],
]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.organization != null
	not is_member
}

why contains utils.msg_other_org("cloud storage") if {
	input.auth.organization != null
	elsewhere
	not input.scope in {"list", "create"}
}

why contains utils.msg_global_role("create cloud storages") if {
	input.scope == "create"
	not input.auth.user.privilege in {"user", "admin"}
}

why contains "Only maintainers and the owner of the organization can create cloud storages in it." if {
	input.scope == "create"
	input.auth.organization.user.role in {"supervisor", "worker"}
}

fallback := {
	"create": "You are not allowed to create cloud storages here.",
	"list": "You are not allowed to list cloud storages here.",
	"view": "You are not allowed to see this cloud storage.",
	"update": "You are not allowed to change this cloud storage.",
	"delete": "You are not allowed to delete this cloud storage.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
