# Who may see and manage billing: plans, subscriptions, invoices, billing
# details and payments (/api/billing/...).
#
# Billing belongs to a workspace. A personal workspace is managed by its user
# (Solo), an organization by its owner (Team); nobody else manages it, not
# even an admin. Admins see every subscription and invoice and alone use the
# admin scopes (record a payment, grant a discount, refund).
#
# input.auth.organization is not used: the workspace comes from the resource.
# input.resource: {
#   "workspace": {
#     "user": {"id": <num>} | null,                     # personal workspace
#     "organization": {"id": <num>, "owner": {"id": <num>},
#                      "user": {"role": <the caller's role> | null}} | null
#   }
# }
# Scopes:
#   plans:view      the catalog (no sign-in needed: privilege may be "none")
#   workspace:view  the effective plan of a workspace (its members may read it)
#   list            subscriptions/invoices lists (rows narrowed by filter)
#   view            one subscription, invoice, billing details
#   manage          subscribe, change, cancel, renew, pay, edit billing details, quotes
#   admin           record a payment, grant a discount, refund
# Filter fields: "personal_user_id" (personal workspace of that user),
# "org_owner_id" (an organization owned by that user).
package billing

scopes := {"plans:view", "workspace:view", "list", "view", "manage", "admin"}

default allow := false

ws := input.resource.workspace

is_admin if input.auth.user.privilege == "admin"

# The caller manages the workspace's billing.
is_manager if {
	ws.organization == null
	ws.user.id == input.auth.user.id
}

is_manager if ws.organization.owner.id == input.auth.user.id

allow if input.scope == "plans:view"

allow if {
	input.scope == "list"
	input.auth.user.privilege in {"admin", "user", "worker"}
}

allow if {
	input.scope == "workspace:view"
	is_admin
}

allow if {
	input.scope == "workspace:view"
	is_manager
}

allow if {
	input.scope == "workspace:view"
	ws.organization.user.role in {"worker", "supervisor", "maintainer", "owner"}
}

allow if {
	input.scope == "view"
	is_admin
}

allow if {
	input.scope == "view"
	is_manager
}

allow if {
	input.scope == "manage"
	is_manager
	input.auth.user.privilege in {"admin", "user", "worker"}
}

allow if {
	input.scope == "admin"
	is_admin
}

# Which subscriptions and invoices a list shows.
filter := [[]] if {
	is_admin
} else := [] if {
	not allow
} else := [
	[{"field": "personal_user_id", "op": "==", "value": input.auth.user.id}],
	[{"field": "org_owner_id", "op": "==", "value": input.auth.user.id}],
]

why contains "Only the organization owner manages its subscription and billing." if {
	input.scope in {"view", "manage"}
	ws.organization != null
	not is_manager
}

why contains "Only the user of a personal workspace manages its subscription and billing." if {
	input.scope in {"view", "manage"}
	ws.organization == null
	not is_manager
	not is_admin
}

why contains "Only an admin can do this." if {
	input.scope == "admin"
	not is_admin
}

why contains "Sign in to see billing." if {
	input.scope == "list"
	not input.auth.user.privilege in {"admin", "user", "worker"}
}

fallback := {
	"plans:view": "You are not allowed to see the plans.",
	"workspace:view": "You are not allowed to see the plan of this workspace.",
	"list": "You are not allowed to list billing records.",
	"view": "You are not allowed to see this billing record.",
	"manage": "You are not allowed to manage this subscription.",
	"admin": "Only an admin can do this.",
}

reasons := set() if {
	allow
} else := why if {
	count(why) > 0
} else := {fallback[input.scope]}
