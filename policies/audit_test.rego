package audit_test

import data.audit

req(privilege, organization) := {
	"scope": "list",
	"auth": {"user": {"id": 7, "privilege": privilege}, "organization": organization},
	"resource": {},
}

org(role) := {"id": 3, "owner": {"id": 7}, "user": {"role": role}}

test_admins_read_the_log if {
	audit.allow with input as req("admin", null)
	audit.allow with input as req("admin", org(null))
	audit.reasons == set() with input as req("admin", null)
}

test_nobody_else_reads_the_log if {
	every privilege in ["user", "worker", "none"] {
		not audit.allow with input as req(privilege, null)
		not audit.allow with input as req(privilege, org("owner"))
	}
	audit.reasons == {"Only an admin can read the audit log."} with input as req("user", org("owner"))
}

test_only_the_list_scope_exists if {
	audit.scopes == {"list"}
	not audit.allow with input as object.union(req("user", null), {"scope": "view"})
}
