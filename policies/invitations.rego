# Who may invite people into an organization and handle the invitations
# (reference/permissions/invitations.csv; "decline" is Gatehouse's own and
# follows "accept").
#
# input.resource: {
#   "key": <string>,
#   "role": "maintainer" | "supervisor" | "worker" | ...,   the role offered
#   "owner": {"id": <num>} | null,                          who sent it
#   "invitee": {"id": <num> | null} | null,                 the account invited, when known
#   "organization": {"id": <num>}
# }
# For "create" only role and organization matter.
# Filter fields: "organization_id", "owner_id", "invitee_id".
package invitations

import data.utils

scopes := {"list", "create", "view", "resend", "delete", "accept", "decline"}

# The allow rules run on every request: they use plain comparisons, which OPA
# evaluates fastest, rather than the helpers of utils.rego.

is_owner if input.resource.owner.id == input.auth.user.id

is_invitee if input.resource.invitee.id == input.auth.user.id

# No organization is selected, or the invitation is the selected one's.
in_workspace if input.auth.organization == null

in_workspace if input.resource.organization.id == input.auth.organization.id

personal if input.auth.organization == null

# The resource is not in the request's organization (null: personal).
elsewhere if object.get(input.resource, ["organization", "id"], null) != input.auth.organization.id

is_member if input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}

# The organization's owner and maintainers, with the user global role.
is_staff if {
	input.resource.organization.id == input.auth.organization.id
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

# A new invitation goes to the request's organization.
for_this_org if object.get(input.resource, ["organization", "id"], input.auth.organization.id) == input.auth.organization.id

for_other_org if input.resource.organization.id != input.auth.organization.id

default allow := false

# An admin may do anything but invite an owner: nobody becomes owner through
# the API.
allow if {
	input.auth.user.privilege == "admin"
	not owner_offered
}

owner_offered if {
	input.scope == "create"
	input.resource.role == "owner"
}

allow if {
	input.scope == "list"
	input.auth.organization == null
}

allow if {
	input.scope == "list"
	input.auth.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

# The owner invites any role but owner; a maintainer workers and
# supervisors.
allow if {
	input.scope == "create"
	for_this_org
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role == "owner"
	input.resource.role in {"worker", "supervisor", "maintainer"}
}

allow if {
	input.scope == "create"
	for_this_org
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role == "maintainer"
	input.resource.role in {"worker", "supervisor"}
}

# The sender and the invitee see an invitation; so do the organization's
# owner and maintainers.
allow if {
	input.scope == "view"
	in_workspace
	is_owner
}

allow if {
	input.scope == "view"
	in_workspace
	is_invitee
}

allow if {
	input.scope == "view"
	is_staff
}

# The sender, the owner and maintainers resend or remove it.
allow if {
	input.scope == "resend"
	may_handle
}

allow if {
	input.scope == "delete"
	may_handle
}

may_handle if {
	in_workspace
	is_owner
	input.auth.user.privilege in {"worker", "user", "admin"}
}

may_handle if is_staff

# Only the invitee answers it.
allow if {
	input.scope == "accept"
	in_workspace
	is_invitee
}

allow if {
	input.scope == "decline"
	in_workspace
	is_invitee
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
	[{"field": "invitee_id", "op": "==", "value": input.auth.user.id}],
] if {
	input.auth.organization == null
} else := [[org_is_selected]] if {
	input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
} else := [
	[org_is_selected, {"field": "owner_id", "op": "==", "value": input.auth.user.id}],
	[org_is_selected, {"field": "invitee_id", "op": "==", "value": input.auth.user.id}],
]

org_is_selected := {"field": "organization_id", "op": "==", "value": input.auth.organization.id}

why contains utils.msg_not_member if {
	input.auth.user.privilege != "admin"
	input.auth.organization != null
	not is_member
	input.scope in {"list", "create"}
}

why contains utils.msg_other_org("invitation") if {
	input.auth.user.privilege != "admin"
	input.auth.organization != null
	elsewhere
	not input.scope in {"list", "create"}
}

why contains "Invitations can only be sent into the selected organization." if {
	input.scope == "create"
	input.auth.organization != null
	for_other_org
}

why contains "Select an organization to invite people into it." if {
	input.scope == "create"
	personal
}

why contains "Only the organization owner or a maintainer can invite people." if {
	input.scope == "create"
	for_this_org
	input.auth.organization.user.role in {"supervisor", "worker"}
}

why contains "Nobody can be invited as the owner of an organization." if owner_offered

why contains "A maintainer can only invite workers and supervisors." if {
	input.scope == "create"
	input.resource.role == "maintainer"
	input.auth.organization.user.role == "maintainer"
}

why contains sprintf("%q is not an organization role.", [input.resource.role]) if {
	input.scope == "create"
	not input.resource.role in {"worker", "supervisor", "maintainer", "owner"}
}

why contains utils.msg_global_role("invite people") if {
	input.scope == "create"
	not input.auth.user.privilege in {"user", "admin"}
	input.auth.organization.user.role in {"maintainer", "owner"}
}

why contains "Only the sender, the organization owner or a maintainer can resend or remove an invitation." if {
	input.scope in {"resend", "delete"}
	in_workspace
	not is_owner
	not is_staff
}

why contains "This invitation was sent to someone else." if {
	input.scope in {"accept", "decline"}
	in_workspace
	not is_invitee
}

fallback := {
	"list": "You are not allowed to list these invitations.",
	"create": "You are not allowed to invite people into this organization.",
	"view": "You are not allowed to see this invitation.",
	"resend": "You are not allowed to resend this invitation.",
	"delete": "You are not allowed to remove this invitation.",
	"accept": "You are not allowed to accept this invitation.",
	"decline": "You are not allowed to decline this invitation.",
}

# Nothing when allowed; else what went wrong, or the scope's generic message.
reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
