# Who may create, see, edit and delete organizations
# (reference/permissions/organizations.csv). The request's organization context
# plays no part here: what counts is the caller's role in the organization
# acted on.
#
# input.resource: {
#   "id": <num>,
#   "owner": {"id": <num>} | null,
#   "user": {"role": <the caller's role in this organization> | null}
# }
# Filter fields: "member_id" (the user is an active member of the
# organization), "owner_id".
package organizations

import data.utils

scopes := {"create", "list", "view", "update", "delete"}

# The allow rules run on every request: they use plain comparisons, which OPA
# evaluates fastest, rather than the helpers of utils.rego.

is_owner if input.resource.owner.id == input.auth.user.id

# The caller's role in the organization acted on; undefined for outsiders.
role := "owner" if {
	is_owner
} else := r if {
	r := input.resource.user.role
	r in {"worker", "supervisor", "maintainer", "owner"}
}

is_member if role

default allow := false

allow if input.auth.user.privilege == "admin"

# Any user but a global worker creates organizations.
allow if {
	input.scope == "create"
	input.auth.user.privilege in {"user", "admin"}
}

allow if input.scope == "list"

# Members see their organization.
allow if {
	input.scope == "view"
	input.resource.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

allow if {
	input.scope == "view"
	is_owner
}

# The owner and maintainers edit it.
allow if {
	input.scope == "update"
	input.resource.user.role in {"maintainer", "owner"}
	input.auth.user.privilege in {"worker", "user", "admin"}
}

allow if {
	input.scope == "update"
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# Only the owner deletes it.
allow if {
	input.scope == "delete"
	input.resource.user.role == "owner"
	input.auth.user.privilege in {"worker", "user", "admin"}
}

allow if {
	input.scope == "delete"
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
}

# Which rows a list shows (see README.md, "Filters"): an OR of terms, each an
# AND of conditions; [[]] is everything.
filter := [[]] if {
	input.auth.user.privilege == "admin"
} else := [
	[{"field": "member_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "owner_id", "op": "==", "value": input.auth.user.id}],
]

why contains utils.msg_global_role("create organizations") if {
	input.scope == "create"
	not input.auth.user.privilege in {"user", "admin"}
}

why contains utils.msg_not_member if {
	not is_member
	input.scope in {"view", "update", "delete"}
}

why contains "Only the organization owner or a maintainer can edit the organization." if {
	input.scope == "update"
	role in {"supervisor", "worker"}
}

why contains "Only the organization owner can delete the organization." if {
	input.scope == "delete"
	is_member
	role != "owner"
}

why contains utils.msg_global_role("manage organizations") if {
	not input.auth.user.privilege in {"worker", "user", "admin"}
	input.scope in {"update", "delete"}
	is_member
}

fallback := {
	"create": "You are not allowed to create organizations.",
	"list": "You are not allowed to list organizations.",
	"view": "You are not allowed to see this organization.",
	"update": "You are not allowed to edit this organization.",
	"delete": "You are not allowed to delete this organization.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
