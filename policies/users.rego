# Who may see and change user accounts (reference/permissions/users.csv).
#
# input.resource: {
#   "id": <num>,                                   the user acted on
#   "membership": {"role": <that user's role in the request's organization> | null} | null
# }
# Filter fields: "id" (the user), "organization_id" (the user is an active
# member of that organization).
package users

import data.utils

scopes := {"list", "view", "update", "update:privileged", "delete"}

# The allow rules run on every request: they use plain comparisons, which OPA
# evaluates fastest, rather than the helpers of utils.rego.

is_self if input.resource.id == input.auth.user.id

default allow := false

# An admin may do anything, "update:privileged" (username, email, global
# role, active flag) included: no other rule grants it.
allow if input.auth.user.privilege == "admin"

# Everyone lists users: themselves outside an organization, the members
# inside one they belong to.
allow if {
	input.scope == "list"
	input.auth.organization == null
}

allow if {
	input.scope == "list"
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

# Everyone sees, edits and deletes their own account.
allow if {
	input.scope == "view"
	is_self
}

allow if {
	input.scope == "update"
	is_self
}

allow if {
	input.scope == "delete"
	is_self
}

# Members of an organization see each other.
allow if {
	input.scope == "view"
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
	input.resource.membership.role in {"worker", "supervisor", "maintainer", "owner"}
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
} else := [[{"field": "id", "op": "==", "value": input.auth.user.id}]] if {
	input.auth.organization == null
} else := [[org_is_selected]]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.scope == "list"
	input.auth.organization != null
	not input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

why contains "Only an admin can change usernames, emails, global roles or the active flag." if {
	input.scope == "update:privileged"
}

fallback := {
	"list": "You are not allowed to list users here.",
	"view": "You can only see your own account and the members of the selected organization.",
	"update": "Only an admin can change another user's account.",
	"update:privileged": "Only an admin can change usernames, emails, global roles or the active flag.",
	"delete": "Only an admin can delete another user's account.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
