# Helpers shared by every Gatehouse policy (imported as data.utils).
#
# input: {
#   "scope": "<what the caller wants to do>",
#   "auth": {
#     "user": {"id": <num>, "privilege": "admin" | "user" | "worker" | "none"},
#     "organization": null | {
#       "id": <num>,
#       "owner": {"id": <num>},
#       "user": {"role": "owner" | "maintainer" | "supervisor" | "worker" | null}
#     }
#   },
#   "resource": <one object whose shape each policy file describes> | null
# }
#
# auth.organization is the organization selected by the request (null: the
# personal workspace, or no organization named) and auth.organization.user.role
# is the caller's role in it (null: not a member).
#
# The embedded policies use these helpers in their messages; their allow rules
# spell the same checks out with plain comparisons, which OPA evaluates
# faster than calls into another package. Custom policies may use either.
package utils

# Global roles, lowest first. "none" is any signed-in user.
privilege_rank := {"none": 0, "worker": 1, "user": 2, "admin": 3}

# Organization roles, lowest first.
role_rank := {"worker": 0, "supervisor": 1, "maintainer": 2, "owner": 3}

user_id := input.auth.user.id

# The caller's global role as a number; an unknown one counts as "none".
privilege_level := n if {
	n := privilege_rank[input.auth.user.privilege]
} else := 0

# The caller's global role by name, for messages.
privilege := p if {
	p := input.auth.user.privilege
	privilege_rank[p] >= 0
} else := "none"

is_admin if input.auth.user.privilege == "admin"

# has_privilege(p): the caller's global role is p or higher.
has_privilege(p) if privilege_level >= privilege_rank[p]

# The request names no organization: personal workspace ("sandbox").
is_sandbox if object.get(input.auth, "organization", null) == null

# The request is made in an organization.
is_organization if not is_sandbox

org_id := input.auth.organization.id

# The caller's role in the request's organization as a number; -1 for
# non-members.
role_level := n if {
	n := role_rank[input.auth.organization.user.role]
} else := -1

# The caller's role in the request's organization; undefined for non-members.
role := input.auth.organization.user.role if is_member

is_member if role_level >= 0

# has_role(r): the caller's role in the request's organization is r or higher.
has_role(r) if role_level >= role_rank[r]

# The resource belongs to the request's organization.
in_org if input.resource.organization.id == input.auth.organization.id

# The request is made in an organization and the resource is somewhere else.
outside_org if {
	is_organization
	not in_org
}

# The caller is the user referred to by ref ({"id": ...}); false for null refs.
is_user(ref) if ref.id == input.auth.user.id

# Messages shared by several policies.
msg_not_member := "You are not a member of this organization."

msg_other_org(noun) := sprintf("This %s belongs to another workspace than the selected organization.", [noun])

msg_global_role(action) := sprintf("Your global role (%s) does not allow you to %s.", [privilege, action])
