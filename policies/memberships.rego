# Who may see members, change their roles and remove them
# (reference/permissions/memberships.csv).
#
# input.resource: {
#   "id": <num>,
#   "role": "owner" | "maintainer" | "supervisor" | "worker",   the member's role now
#   "new_role": <role>,          optional, change:role only: the role asked for
#   "is_active": <bool>,         informational, not used by these rules
#   "user": {"id": <num>},       the member
#   "organization": {"id": <num>}
# }
# Filter fields: "organization_id", "user_id", "member_id" (the membership's
# organization has that user as an active member).
package memberships

import data.utils

scopes := {"list", "view", "change:role", "delete"}

# The allow rules run on every request: they use plain comparisons, which OPA
# evaluates fastest, rather than the helpers of utils.rego.

is_self if input.resource.user.id == input.auth.user.id

is_other if input.resource.user.id != input.auth.user.id

# The membership is in the request's organization and the caller a member.
member_here if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

personal if input.auth.organization == null

in_org if input.resource.organization.id == input.auth.organization.id

# The resource is not in the request's organization (null: personal).
elsewhere if object.get(input.resource, ["organization", "id"], null) != input.auth.organization.id

is_member if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

default allow := false

# An admin may do anything but break the two rules nobody breaks: an
# organization keeps its owner, and nobody becomes owner through the API.
allow if {
	input.auth.user.privilege == "admin"
	not owner_protected
}

owner_protected if {
	input.scope in {"change:role", "delete"}
	input.resource.role == "owner"
}

owner_protected if {
	input.scope == "change:role"
	input.resource.new_role == "owner"
}

# Outside an organization everyone lists memberships (of the organizations
# they belong to, see filter); inside one, its members do.
allow if {
	input.scope == "list"
	input.auth.organization == null
}

allow if {
	input.scope == "list"
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

# Everyone sees their own memberships; members see those of their
# organization.
allow if {
	input.scope == "view"
	input.auth.organization == null
	is_self
}

allow if {
	input.scope == "view"
	member_here
}

# The owner changes the role of (or removes) anyone but the owner; a
# maintainer those of workers and supervisors. Nobody changes their own role.
allow if {
	input.scope == "change:role"
	manages
	new_role_allowed
}

allow if {
	input.scope == "delete"
	manages
}

# Every member but the owner may leave.
allow if {
	input.scope == "delete"
	member_here
	is_self
	input.auth.user.privilege in {"worker", "user", "admin"}
	input.resource.role != "owner"
}

manages if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role == "owner"
	input.resource.role in {"worker", "supervisor", "maintainer"}
	is_other
}

manages if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role == "maintainer"
	input.resource.role in {"worker", "supervisor"}
	is_other
}

# Nobody becomes owner through the API; a maintainer gives the worker or
# supervisor role only. Without new_role (a caller that checks the new role
# itself) there is nothing to check.
new_role_allowed if object.get(input.resource, "new_role", null) == null

new_role_allowed if input.resource.new_role in {"worker", "supervisor"}

new_role_allowed if {
	input.resource.new_role == "maintainer"
	input.auth.organization.user.role == "owner"
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
} else := [[{"field": "user_id", "op": "==", "value": input.auth.user.id}], [{"field": "member_id", "op": "==", "value": input.auth.user.id}]] if {
	input.auth.organization == null
} else := [[org_is_selected]]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.user.privilege != "admin"
	input.auth.organization != null
	not is_member
}

why contains utils.msg_other_org("membership") if {
	input.auth.user.privilege != "admin"
	input.auth.organization != null
	elsewhere
	input.scope != "list"
}

why contains "Select the member's organization to change roles or remove members." if {
	input.auth.user.privilege != "admin"
	personal
	input.scope in {"change:role", "delete"}
}

why contains "You cannot change your own role." if {
	input.scope == "change:role"
	in_org
	is_self
}

why contains "The organization owner cannot leave the organization." if {
	input.scope == "delete"
	in_org
	is_self
	input.resource.role == "owner"
}

why contains "Only the organization owner or a maintainer can change roles." if {
	input.scope == "change:role"
	in_org
	is_other
	input.auth.organization.user.role in {"supervisor", "worker"}
}

why contains "Only the organization owner or a maintainer can remove members." if {
	input.scope == "delete"
	in_org
	is_other
	input.auth.organization.user.role in {"supervisor", "worker"}
}

why contains "The owner's role cannot be changed and the owner cannot be removed." if {
	input.resource.role == "owner"
	input.scope in {"change:role", "delete"}
	is_other
}

why contains "The owner's role cannot be changed." if {
	input.resource.role == "owner"
	input.scope == "change:role"
	is_self
}

why contains "A maintainer can only change the roles of, or remove, workers and supervisors." if {
	input.resource.role == "maintainer"
	input.auth.organization.user.role == "maintainer"
	input.scope in {"change:role", "delete"}
	in_org
	is_other
}

why contains "Nobody can be made the owner of an organization." if {
	input.scope == "change:role"
	input.resource.new_role == "owner"
}

why contains "A maintainer can only give the worker or supervisor role." if {
	input.scope == "change:role"
	input.auth.organization.user.role == "maintainer"
	input.resource.new_role == "maintainer"
}

why contains utils.msg_global_role("manage members") if {
	not input.auth.user.privilege in {"user", "admin"}
	input.scope in {"change:role", "delete"}
	in_org
	is_other
	input.auth.organization.user.role in {"maintainer", "owner"}
}

fallback := {
	"list": "You are not allowed to list these memberships.",
	"view": "You are not allowed to see this membership.",
	"change:role": "You are not allowed to change this member's role.",
	"delete": "You are not allowed to remove this member.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
