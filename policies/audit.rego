# Who may read the audit log (GET /api/audit and /api/audit.csv).
#
# input.resource: {} (the log as a whole). Scope "list" reads and exports it.
# The log is global: the organization context of the request does not matter.
package audit

scopes := {"list"}

default allow := false

# Only admins read the audit log. A self-hoster who wants, say, a security
# auditor role can add a rule here (or in a file of --policies-dir).
allow if input.auth.user.privilege == "admin"

reasons := set() if {
	allow
} else := {"Only an admin can read the audit log."}
