package billing_test

import data.billing

req(scope, privilege, uid, workspace) := {
	"scope": scope,
	"auth": {"user": {"id": uid, "privilege": privilege}, "organization": null},
	"resource": {"workspace": workspace},
}

personal(uid) := {"user": {"id": uid}, "organization": null}

org(owner, role) := {"user": null, "organization": {"id": 3, "owner": {"id": owner}, "user": {"role": role}}}

test_anyone_sees_the_plans if {
	every privilege in ["none", "worker", "user", "admin"] {
		billing.allow with input as req("plans:view", privilege, 0, null)
	}
}

test_the_user_manages_a_personal_workspace if {
	billing.allow with input as req("manage", "user", 7, personal(7))
	billing.allow with input as req("view", "user", 7, personal(7))
	not billing.allow with input as req("manage", "user", 8, personal(7))
	not billing.allow with input as req("view", "user", 8, personal(7))
	billing.reasons == {"Only the user of a personal workspace manages its subscription and billing."} with input as req("manage", "user", 8, personal(7))
}

test_only_the_owner_manages_an_organization if {
	billing.allow with input as req("manage", "user", 7, org(7, "owner"))
	every role in ["maintainer", "supervisor", "worker", null] {
		not billing.allow with input as req("manage", "user", 8, org(7, role))
		not billing.allow with input as req("view", "user", 8, org(7, role))
	}
	billing.reasons == {"Only the organization owner manages its subscription and billing."} with input as req("manage", "user", 8, org(7, "maintainer"))
}

test_admins_see_all_but_do_not_manage_for_others if {
	billing.allow with input as req("view", "admin", 1, org(7, null))
	billing.allow with input as req("view", "admin", 1, personal(7))
	not billing.allow with input as req("manage", "admin", 1, org(7, null))
	not billing.allow with input as req("manage", "admin", 1, personal(7))
	billing.allow with input as req("manage", "admin", 1, personal(1))
	billing.allow with input as req("admin", "admin", 1, null)
}

test_admin_scope_is_for_admins_only if {
	every privilege in ["user", "worker", "none"] {
		not billing.allow with input as req("admin", privilege, 7, personal(7))
	}
	billing.reasons == {"Only an admin can do this."} with input as req("admin", "user", 7, null)
}

test_members_read_the_workspace_plan if {
	every role in ["owner", "maintainer", "supervisor", "worker"] {
		billing.allow with input as req("workspace:view", "user", 8, org(7, role))
	}
	not billing.allow with input as req("workspace:view", "user", 8, org(7, null))
	billing.allow with input as req("workspace:view", "user", 7, personal(7))
	not billing.allow with input as req("workspace:view", "user", 8, personal(7))
}

test_list_filter if {
	billing.filter == [[]] with input as req("list", "admin", 1, null)
	billing.filter == [
		[{"field": "personal_user_id", "op": "==", "value": 7}],
		[{"field": "org_owner_id", "op": "==", "value": 7}],
	] with input as req("list", "user", 7, null)
	billing.filter == [] with input as req("list", "none", 0, null)
	not billing.allow with input as req("list", "none", 0, null)
}
