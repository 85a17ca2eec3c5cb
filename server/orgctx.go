package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// OrgScope says which workspace a request works in (SPEC §0).
type OrgScope int

const (
	// OrgAny means the client named no workspace: no workspace filter.
	OrgAny OrgScope = iota
	// OrgPersonal means an empty value: the personal workspace.
	OrgPersonal
	// OrgNamed means an organization given by slug or id.
	OrgNamed
)

// OrgContext is the parsed organization context of a request. Resolving a
// slug or id to an organization (404 when unknown) is the store's job.
type OrgContext struct {
	Scope OrgScope
	Slug  string // set when named by slug (query org or X-Organization)
	ID    int64  // set when named by org_id
}

// ParseOrgContext reads `org`, `org_id` and the `X-Organization` header.
// Values that name different workspaces are a 400.
func ParseOrgContext(c *fiber.Ctx) (OrgContext, error) {
	type source struct {
		name  string
		value string
	}
	var given []source
	args := c.Context().QueryArgs()
	if args.Has("org") {
		given = append(given, source{"org", string(args.Peek("org"))})
	}
	if args.Has("org_id") {
		given = append(given, source{"org_id", string(args.Peek("org_id"))})
	}
	if h := c.Request().Header.Peek("X-Organization"); h != nil {
		given = append(given, source{"X-Organization", string(h)})
	}
	ctx := OrgContext{Scope: OrgAny}
	for i, s := range given {
		v := strings.TrimSpace(s.value)
		var cur OrgContext
		switch {
		case v == "":
			cur = OrgContext{Scope: OrgPersonal}
		case s.name == "org_id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id < 1 {
				return OrgContext{}, FieldError("org_id", "Invalid organization id %q: a positive whole number is expected.", v)
			}
			cur = OrgContext{Scope: OrgNamed, ID: id}
		default:
			if len(v) > 64 {
				return OrgContext{}, FieldError(s.name, "Invalid organization short name: too long.")
			}
			cur = OrgContext{Scope: OrgNamed, Slug: v}
		}
		if i == 0 {
			ctx = cur
			continue
		}
		if !ctx.sameAs(cur) {
			return OrgContext{}, BadRequest("Conflicting organization context: %s and %s name different workspaces.", given[0].name, s.name)
		}
		// Keep both identifiers so the store can check they match one org.
		if ctx.Slug == "" {
			ctx.Slug = cur.Slug
		}
		if ctx.ID == 0 {
			ctx.ID = cur.ID
		}
	}
	return ctx, nil
}

// sameAs reports whether two parsed values can name the same workspace.
// A slug and an id cannot be compared without the store, so they are
// accepted here and checked when resolved.
func (o OrgContext) sameAs(p OrgContext) bool {
	if o.Scope != p.Scope {
		return false
	}
	if o.Scope != OrgNamed {
		return true
	}
	if o.Slug != "" && p.Slug != "" && o.Slug != p.Slug {
		return false
	}
	if o.ID != 0 && p.ID != 0 && o.ID != p.ID {
		return false
	}
	return true
}
