package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
)

// Audit event names. A name is "<area>.<what happened>"; the admin page and
// the event filter (which takes a prefix such as "auth.") rely on that shape.
const (
	AuditLogin                = "auth.login"
	AuditLoginFailed          = "auth.login_failed"
	AuditLockout              = "auth.lockout"
	AuditLogout               = "auth.logout"
	AuditPasswordResetRequest = "auth.password_reset_requested"
	AuditPasswordReset        = "auth.password_reset"
	AuditPasswordChanged      = "auth.password_changed"
	AuditEmailConfirmed       = "auth.email_confirmed"
	AuditSSOLogin             = "auth.sso_login" // for the SSO and social login flows

	AuditUserCreated     = "user.created" // by the setup link or `gatehouse admin create`
	AuditUserRoleChanged = "user.role_changed"
	AuditUserActivated   = "user.activated"
	AuditUserDeactivated = "user.deactivated"
	AuditUserDeleted     = "user.deleted"

	AuditTokenCreated  = "token.created"
	AuditTokenRevoked  = "token.revoked"
	AuditSessionRevoke = "session.revoked"

	AuditOrgCreated = "organization.created"
	AuditOrgDeleted = "organization.deleted"

	AuditMembershipRoleChanged = "membership.role_changed"
	AuditMembershipRemoved     = "membership.removed"

	AuditInvitationCreated  = "invitation.created"
	AuditInvitationAccepted = "invitation.accepted"
	AuditInvitationDeclined = "invitation.declined"
	AuditInvitationDeleted  = "invitation.deleted"

	AuditPoliciesReloaded = "policies.reloaded"
	AuditPoliciesRejected = "policies.rejected"

	// Billing events are named "billing.<what>" (e.g. "billing.subscribed").
	AuditBillingPrefix = "billing."
)

// auditEntry is one event to record.
type auditEntry struct {
	Event string
	// Actor is who did it; nil means the signed-in user of the request, if
	// any (a failed sign-in, for one, has no actor).
	Actor *models.User
	// TargetType and TargetID name what the event is about ("user", 42).
	TargetType string
	TargetID   any
	// Detail holds non-secret facts. Keys that look like they hold a secret
	// (password, token, secret, key, credential) are redacted anyway.
	Detail map[string]any
}

// recordAudit is the hook every handler (SSO logins and billing changes
// included) calls to write the audit log.
//
// With tx != nil the row is written inside tx, so an action that rolls back
// leaves no event, and a failure to write fails the action. With tx == nil
// the row is written on its own; call it only after the action succeeded.
// A failure then is logged and returned, and callers may ignore it.
func (s *Server) recordAudit(c *fiber.Ctx, tx *gorm.DB, e auditEntry) error {
	ev := &models.AuditEvent{Event: e.Event, IP: s.clientIP(c), TargetType: e.TargetType, TargetID: auditID(e.TargetID)}
	actor := e.Actor
	if actor == nil {
		actor = who(c).User
	}
	if actor != nil {
		id := actor.ID
		ev.ActorID = &id
	}
	return s.writeAudit(c.UserContext(), tx, ev, e.Detail)
}

// audit records an event after the action succeeded (outside any
// transaction). A failure to write is logged, not returned: the action
// itself has happened.
func (s *Server) audit(c *fiber.Ctx, event, targetType string, targetID any, detail map[string]any) {
	_ = s.recordAudit(c, nil, auditEntry{Event: event, TargetType: targetType, TargetID: targetID, Detail: detail})
}

// auditTx records an event inside the caller's transaction.
func (s *Server) auditTx(c *fiber.Ctx, tx *gorm.DB, event, targetType string, targetID any, detail map[string]any) error {
	return s.recordAudit(c, tx, auditEntry{Event: event, TargetType: targetType, TargetID: targetID, Detail: detail})
}

func (s *Server) writeAudit(ctx context.Context, tx *gorm.DB, ev *models.AuditEvent, detail map[string]any) error {
	raw, err := json.Marshal(scrubDetail(detail))
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	ev.Detail = string(raw)
	ev.CreatedDate = s.clock.Now()
	if tx != nil {
		return models.CreateAuditEventTx(tx, ev)
	}
	if err := models.CreateAuditEventTx(s.db.WithContext(ctx), ev); err != nil {
		s.log.ErrorContext(ctx, "audit event not recorded", "event", ev.Event, "err", err, "request_id", RequestID(ctx))
		return err
	}
	return nil
}

// AuditCLI records an administrator's action from the command line
// (`gatehouse admin ...`): it has no signed-in actor and no client IP, so the
// row's IP reads "cli" and the detail names the operating-system user.
func AuditCLI(ctx context.Context, db *models.DB, now time.Time, event, targetType string, targetID any, detail map[string]any) error {
	d := maps.Clone(detail)
	if d == nil {
		d = map[string]any{}
	}
	d["via"] = "cli"
	if u, err := user.Current(); err == nil {
		d["os_user"] = u.Username
	}
	raw, err := json.Marshal(scrubDetail(d))
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	ev := &models.AuditEvent{Event: event, IP: "cli", TargetType: targetType, TargetID: auditID(targetID), Detail: string(raw), CreatedDate: now}
	return models.CreateAuditEventTx(db.WithContext(ctx), ev)
}

func auditID(v any) string {
	switch id := v.(type) {
	case nil:
		return ""
	case string:
		return id
	case *uint64:
		if id == nil {
			return ""
		}
		return strconv.FormatUint(*id, 10)
	default:
		return fmt.Sprint(id)
	}
}

// secretWords mark detail keys whose values must never reach the log.
var secretWords = []string{"password", "secret", "token", "key", "credential", "authorization", "cookie"}

// scrubDetail copies d with secret-looking values replaced. A key ending in
// "_id" or "_name" names a secret without holding it and is kept.
func scrubDetail(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		lk := strings.ToLower(k)
		if !strings.HasSuffix(lk, "_id") && !strings.HasSuffix(lk, "_name") {
			for _, w := range secretWords {
				if strings.Contains(lk, w) {
					v = "[redacted]"
					break
				}
			}
		}
		if m, ok := v.(map[string]any); ok {
			v = scrubDetail(m)
		}
		out[k] = v
	}
	return out
}

// watchPolicyReloads records reloads (and rejected edits) of the policies
// directory once the engine is ready.
func (s *Server) watchPolicyReloads() {
	go func() {
		<-s.policies.ready
		if s.policies.engine == nil {
			return
		}
		s.policies.engine.SetReloadHook(func(ctx context.Context, overrides []string, problem error) {
			ev := &models.AuditEvent{Event: AuditPoliciesReloaded, TargetType: "policies"}
			detail := map[string]any{"overrides": overrides}
			if problem != nil {
				ev.Event = AuditPoliciesRejected
				detail = map[string]any{"problem": truncateRunes(problem.Error(), 2000)}
			}
			_ = s.writeAudit(ctx, nil, ev, detail)
		})
	}()
}

// auditSortFields are the columns the audit list sorts by.
var auditSortFields = SortFields{"id": "audit_events.id", "created_date": "audit_events.created_date", "event": "audit_events.event"}

// auditActor is who did it.
type auditActor struct {
	ID       uint64 `json:"id"`
	Username string `json:"username"`
}

// auditBody is one event in GET /api/audit.
type auditBody struct {
	ID          uint64          `json:"id"`
	CreatedDate time.Time       `json:"created_date"`
	Event       string          `json:"event"`
	Actor       *auditActor     `json:"actor"`
	IP          string          `json:"ip"`
	TargetType  string          `json:"target_type"`
	TargetID    string          `json:"target_id"`
	Detail      json.RawMessage `json:"detail"`
}

func auditBodyOf(r models.AuditRow) auditBody {
	b := auditBody{ID: r.ID, CreatedDate: r.CreatedDate.UTC(), Event: r.Event, IP: r.IP,
		TargetType: r.TargetType, TargetID: r.TargetID, Detail: json.RawMessage(r.Detail)}
	if !json.Valid(b.Detail) {
		b.Detail = json.RawMessage("{}")
	}
	if r.ActorID != nil {
		b.Actor = &auditActor{ID: *r.ActorID}
		if r.ActorUsername != nil {
			b.Actor.Username = *r.ActorUsername
		}
	}
	return b
}

// auditStart checks that the caller may read the audit log (policy
// "audit", scope "list") and parses the filters.
func (s *Server) auditStart(c *fiber.Ctx) (models.AuditQuery, ListQuery, error) {
	me, err := currentUser(c)
	if err != nil {
		return models.AuditQuery{}, ListQuery{}, err
	}
	if err := s.authorize(c, "audit", "list", authFor(me, nil, nil), map[string]any{}); err != nil {
		return models.AuditQuery{}, ListQuery{}, err
	}
	lq, err := ParseListQuery(c, auditSortFields, "-created_date,-id")
	v := Validation{}
	if err != nil {
		return models.AuditQuery{}, ListQuery{}, err
	}
	aq := models.AuditQuery{Event: c.Query("event"), Actor: c.Query("actor"), Search: lq.Search}
	aq.From = auditTime(v, "from", c.Query("from"), false)
	aq.To = auditTime(v, "to", c.Query("to"), true)
	if len(aq.Event) > 64 {
		v.Add("event", "Event name is too long: at most 64 characters.")
	}
	if len(aq.Actor) > 150 {
		v.Add("actor", "Give a user id or a username of at most 150 characters.")
	}
	return aq, lq, v.Err()
}

// auditTime reads an RFC 3339 time or a YYYY-MM-DD date (UTC). A date in
// "to" includes that whole day.
func auditTime(v Validation, field, raw string, endOfDay bool) *time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return &t
	}
	if t, err := time.Parse(time.DateOnly, raw); err == nil {
		if endOfDay {
			t = t.Add(24 * time.Hour)
		}
		return &t
	}
	v.Add(field, "Invalid date %q: use YYYY-MM-DD or an RFC 3339 time such as 2026-01-31T12:00:00Z.", raw)
	return nil
}

// auditList serves GET /api/audit.
func (s *Server) auditList(c *fiber.Ctx) error {
	aq, lq, err := s.auditStart(c)
	if err != nil {
		return err
	}
	base := s.db.AuditRows(c.UserContext(), aq)
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return fmt.Errorf("count audit events: %w", err)
	}
	var rows []models.AuditRow
	if err := lq.Apply(base).Find(&rows).Error; err != nil {
		return fmt.Errorf("list audit events: %w", err)
	}
	out := make([]auditBody, len(rows))
	for i, r := range rows {
		out[i] = auditBodyOf(r)
	}
	return sendJSON(c, fiber.StatusOK, NewPage(c, s.cfg.BaseURL, lq, total, out))
}

// auditCSVMaxRows bounds one export; narrow the filters for more.
const auditCSVMaxRows = 100_000

// auditCSV serves GET /api/audit.csv: every event matching the filters
// (pagination ignored), newest first, as a download.
func (s *Server) auditCSV(c *fiber.Ctx) error {
	aq, lq, err := s.auditStart(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "created_date", "event", "actor_id", "actor_username", "ip", "target_type", "target_id", "detail"})
	const batch = 1000
	for offset := 0; offset < auditCSVMaxRows; offset += batch {
		q := s.db.AuditRows(c.UserContext(), aq)
		for _, o := range lq.Order {
			q = q.Order(o)
		}
		var rows []models.AuditRow
		if err := q.Limit(batch).Offset(offset).Find(&rows).Error; err != nil {
			return fmt.Errorf("export audit events: %w", err)
		}
		for _, r := range rows {
			b := auditBodyOf(r)
			actorID, actorName := "", ""
			if b.Actor != nil {
				actorID, actorName = strconv.FormatUint(b.Actor.ID, 10), b.Actor.Username
			}
			rec := []string{strconv.FormatUint(b.ID, 10), b.CreatedDate.Format(time.RFC3339), b.Event, actorID, actorName,
				b.IP, b.TargetType, b.TargetID, string(b.Detail)}
			for i := range rec {
				rec[i] = csvSafe(rec[i])
			}
			if err := w.Write(rec); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
		if len(rows) < batch {
			break
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="audit-%s.csv"`, s.clock.Now().UTC().Format("20060102-150405")))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(buf.Bytes())
}

// csvSafe defuses spreadsheet formulas (CSV injection): a cell that starts
// with = + - @, a tab or a carriage return gets a leading apostrophe, so
// Excel and LibreOffice show it as text instead of evaluating it.
func csvSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// auditLoginFailure records a failed sign-in (the identifier only, never
// the password) and, when this failure starts a lockout, the lockout.
func (s *Server) auditLoginFailure(c *fiber.Ctx, login string, u *models.User, acctFailures, ipFailures int64) {
	var target any
	if u != nil {
		target = u.ID
	}
	s.audit(c, AuditLoginFailed, "user", target, map[string]any{"login": login})
	if acctFailures == lockoutFailures {
		s.audit(c, AuditLockout, "user", target, map[string]any{"login": login, "by": "account"})
	}
	if ipFailures == lockoutFailures {
		s.audit(c, AuditLockout, "ip", s.clientIP(c), map[string]any{"login": login, "by": "ip"})
	}
}
