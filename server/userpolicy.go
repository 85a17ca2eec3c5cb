package server

import "github.com/gatehouse/gatehouse/models"

// Scopes of the users resource (reference/permissions/users.csv).
const (
	scopeList             = "list"
	scopeView             = "view"
	scopeUpdate           = "update"
	scopeUpdatePrivileged = "update:privileged"
	scopeDelete           = "delete"
)

// userDecision is the answer for one scope.
type userDecision struct {
	allow      bool
	reason     string
	filterSelf bool // list: only the caller's own row
}

// decideUsers answers the users table of the permission reference. It is
// the one place these rules live; the Rego engine replaces it when the
// policies land.
func (s *Server) decideUsers(actor *models.User, scope string, target *models.User) userDecision {
	admin := actor.IsAdmin()
	self := target != nil && target.ID == actor.ID
	switch scope {
	case scopeList:
		return userDecision{allow: true, filterSelf: !admin}
	case scopeView, scopeUpdate, scopeDelete:
		if admin || self {
			return userDecision{allow: true}
		}
		return userDecision{reason: "You can only " + scope + " your own account."}
	case scopeUpdatePrivileged:
		if admin {
			return userDecision{allow: true}
		}
		return userDecision{reason: "Only an admin can change usernames, emails, roles or the active flag."}
	}
	return userDecision{reason: "Unknown action."}
}
