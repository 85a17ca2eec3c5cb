package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// fuzzApp only lends contexts; making an app per input is slow.
var fuzzApp = fiber.New()

// fuzzCtx builds a Fiber context around a request made by fill.
func fuzzCtx(t *testing.T, fill func(req *fasthttp.Request)) (*fiber.Ctx, func()) {
	t.Helper()
	fctx := &fasthttp.RequestCtx{}
	fill(&fctx.Request)
	c := fuzzApp.AcquireCtx(fctx)
	return c, func() { fuzzApp.ReleaseCtx(c) }
}

// wantAPIError checks that err is an APIError with one of the statuses.
func wantAPIError(t *testing.T, err error, statuses ...int) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an APIError", err, err)
	}
	for _, s := range statuses {
		if apiErr.Status == s {
			return apiErr
		}
	}
	t.Fatalf("status %d, want one of %v: %v", apiErr.Status, statuses, apiErr)
	return nil
}

// FuzzParseOrgContext: any combination of org, org_id and X-Organization
// either parses into a consistent context or is a 400.
func FuzzParseOrgContext(f *testing.F) {
	f.Add("acme", true, "", false, "", false)
	f.Add("", true, "", false, "", false)
	f.Add("acme", true, "12", true, "acme", true)
	f.Add("", false, "0", true, "", false)
	f.Add(" acme ", true, "", false, "other", true)
	f.Add("", false, "-5", true, "", false)
	f.Add("", false, "99999999999999999999", true, "", false)
	f.Add(strings.Repeat("x", 65), true, "", false, "", false)
	f.Add("", true, "3", true, "", false)
	f.Fuzz(func(t *testing.T, org string, hasOrg bool, orgID string, hasOrgID bool, header string, hasHeader bool) {
		if hasHeader && !validHeaderValue(header) {
			return // a client cannot send it
		}
		c, release := fuzzCtx(t, func(req *fasthttp.Request) {
			args := req.URI().QueryArgs()
			if hasOrg {
				args.Add("org", org)
			}
			if hasOrgID {
				args.Add("org_id", orgID)
			}
			if hasHeader {
				req.Header.Set("X-Organization", header)
			}
		})
		defer release()
		got, err := ParseOrgContext(c)
		if err != nil {
			wantAPIError(t, err, fiber.StatusBadRequest)
			return
		}
		switch got.Scope {
		case OrgAny:
			if hasOrg || hasOrgID || (hasHeader && c.Request().Header.Peek("X-Organization") != nil) {
				t.Fatalf("a workspace was named but the scope is 'any': %+v", got)
			}
		case OrgPersonal:
			if got.Slug != "" || got.ID != 0 {
				t.Fatalf("personal scope with an organization: %+v", got)
			}
		case OrgNamed:
			if got.Slug == "" && got.ID == 0 {
				t.Fatalf("named scope without a name: %+v", got)
			}
		default:
			t.Fatalf("unknown scope %d", got.Scope)
		}
		if got.ID < 0 || len(got.Slug) > 64 || got.Slug != strings.TrimSpace(got.Slug) {
			t.Fatalf("bad parse: %+v", got)
		}
		if hasOrg && strings.TrimSpace(org) != "" && got.Slug != strings.TrimSpace(org) {
			t.Fatalf("org=%q parsed as slug %q", org, got.Slug)
		}
	})
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// fuzzBody has the field types request bodies use.
type fuzzBody struct {
	Name     string     `json:"name"`
	Count    *int       `json:"count"`
	ID       uint64     `json:"id"`
	ReadOnly bool       `json:"read_only"`
	Tags     []string   `json:"tags"`
	Expiry   *time.Time `json:"expiry_date"`
	Contact  struct {
		Email string `json:"email"`
	} `json:"contact"`
	Extra map[string]string `json:"extra"`
	Org   optional[uint64]  `json:"organization_id"`
}

// FuzzDecodeJSON: DecodeJSON accepts exactly what a strict decoder accepts
// (one JSON value, known fields, right types, at most MaxJSONBody bytes) and
// answers everything else with a 400 (415 for a non-JSON content type).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"name":"x","count":3,"tags":["a"],"contact":{"email":"a@b.c"}}`), "application/json")
	f.Add([]byte(`{"name":"x"} {"name":"y"}`), "application/json")
	f.Add([]byte(`{"nmae":"x"}`), "")
	f.Add([]byte(`{"count":"three"}`), "application/json; charset=utf-8")
	f.Add([]byte(`[1,2]`), "application/vnd.cvat+json")
	f.Add([]byte(`{"organization_id":null,"expiry_date":"2026-13-01T00:00:00Z"}`), "application/json")
	f.Add([]byte(`{"id":-1}`), "text/plain")
	f.Add([]byte(`   `), "application/json")
	f.Add([]byte(`{"extra":{"a":1}}`), "application/json")
	f.Add([]byte("{\"name\":\"\xff\"}"), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		if !validHeaderValue(contentType) {
			return
		}
		c, release := fuzzCtx(t, func(req *fasthttp.Request) {
			req.Header.SetMethod(fiber.MethodPost)
			req.SetBody(body)
			if contentType != "" {
				req.Header.SetContentType(contentType)
			}
		})
		defer release()
		var got fuzzBody
		err := DecodeJSON(c, &got)
		if err != nil {
			apiErr := wantAPIError(t, err, fiber.StatusBadRequest, fiber.StatusUnsupportedMediaType)
			if _, merr := json.Marshal(apiErr.Fields); merr != nil || (apiErr.Detail == "" && len(apiErr.Fields) == 0) {
				t.Fatalf("error without a message: %+v", apiErr)
			}
			for field, msgs := range apiErr.Fields {
				if field == "" || len(msgs) == 0 {
					t.Fatalf("field error without a name or message: %+v", apiErr.Fields)
				}
			}
			return
		}
		if len(body) > MaxJSONBody {
			t.Fatalf("accepted a body of %d bytes", len(body))
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		// A strict decode of the same bytes agrees.
		var want fuzzBody
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("DecodeJSON accepted %q, a strict decoder says %v", body, err)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) || !utf8.Valid(a) {
			t.Fatalf("decoded %s, want %s", a, b)
		}
	})
}

// FuzzListQuery: page, page_size, sort and search from any query string
// either are a 400 or become a query that runs on a real database, with the
// sort built only from allowed columns and the search text bound as a
// parameter.
func FuzzListQuery(f *testing.F) {
	f.Add("page=2&page_size=5&sort=-name,id&search=abc")
	f.Add("page_size=all&sort=owner")
	f.Add("page=0")
	f.Add("page_size=1001")
	f.Add("sort=name;DROP TABLE projects")
	f.Add("sort=-,--id,,")
	f.Add("search=%25_%5C%27%22")
	f.Add("search=" + strings.Repeat("a", 300))
	f.Add("page=9223372036854775807&page_size=1000")
	db := modelstest.Open(f)
	allowedCols := map[string]bool{}
	for _, col := range projectSortFields {
		allowedCols[col] = true
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		c, release := fuzzCtx(t, func(req *fasthttp.Request) {
			req.SetRequestURI("/api/projects")
			req.URI().SetQueryString(rawQuery)
		})
		defer release()
		q, err := ParseListQuery(c, projectSortFields, "-id")
		if err != nil {
			apiErr := wantAPIError(t, err, fiber.StatusBadRequest)
			if len(apiErr.Fields) == 0 {
				t.Fatalf("a list query error names no field: %+v", apiErr)
			}
			return
		}
		if q.Page < 1 || q.PageSize < 1 || q.PageSize > MaxPageSize {
			t.Fatalf("bad page bounds: %+v", q)
		}
		for _, o := range q.Order {
			if !allowedCols[o.Column.Name] {
				t.Fatalf("sort column %q is not an allowed one", o.Column.Name)
			}
		}
		build := func(tx *gorm.DB, search string) *gorm.DB {
			return q.Apply(searchWhere(tx.Model(&models.Project{}), search, "projects.name"))
		}
		var rows []models.Project
		err = build(db.DB, q.Search).Find(&rows).Error
		if err != nil && !(q.Page > 1 && strings.Contains(err.Error(), "overflow")) {
			t.Fatalf("query %q does not run: %v", rawQuery, err)
		}
		if q.Search != "" {
			dry := func(search string) string {
				return build(db.Session(&gorm.Session{DryRun: true}), search).Find(&[]models.Project{}).Statement.SQL.String()
			}
			if a, b := dry(q.Search), dry("v"); a != b {
				t.Fatalf("the search text reached the SQL:\n%s\nvs\n%s", a, b)
			}
		}
	})
}
