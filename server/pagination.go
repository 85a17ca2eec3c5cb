package server

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Page size bounds of SPEC §0.
const (
	DefaultPageSize = 10
	MaxPageSize     = 1000
	MaxPage         = 1_000_000_000
)

// ListQuery is the parsed pagination, sort and search of a list request.
type ListQuery struct {
	Page     int
	PageSize int
	// All is true for page_size=all: every row in one page (small lists only;
	// still capped at MaxPageSize).
	All    bool
	Search string
	// Order is the validated ORDER BY, built only from the allowed columns.
	Order []clause.OrderByColumn
}

// SortFields maps the names a client may sort by to their SQL columns.
type SortFields map[string]string

// ParseListQuery reads page, page_size, sort and search. A sort on a field
// that is not in allowed is a 400 naming the allowed fields; defaultSort is
// used when the client sends none.
func ParseListQuery(c *fiber.Ctx, allowed SortFields, defaultSort string) (ListQuery, error) {
	q := ListQuery{Page: 1, PageSize: DefaultPageSize}
	v := Validation{}
	if p := c.Query("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxPage { // beyond MaxPage, the row offset would overflow
			v.Add("page", "Invalid page %q: a whole number from 1 to %d is expected.", p, MaxPage)
		} else {
			q.Page = n
		}
	}
	if ps := c.Query("page_size"); ps != "" {
		if ps == "all" {
			q.All = true
			q.PageSize = MaxPageSize
		} else {
			n, err := strconv.Atoi(ps)
			if err != nil || n < 1 || n > MaxPageSize {
				v.Add("page_size", "Invalid page size %q: a whole number from 1 to %d, or \"all\", is expected.", ps, MaxPageSize)
			} else {
				q.PageSize = n
			}
		}
	}
	q.Search = strings.TrimSpace(c.Query("search"))
	if len(q.Search) > 256 {
		v.Add("search", "Search text is too long: at most 256 characters.")
	}
	sortSpec := c.Query("sort")
	if sortSpec == "" {
		sortSpec = defaultSort
	}
	for _, part := range strings.Split(sortSpec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		col, ok := allowed[name]
		if !ok {
			v.Add("sort", "Cannot sort by %q; allowed: %s.", name, strings.Join(sortedKeys(allowed), ", "))
			continue
		}
		q.Order = append(q.Order, clause.OrderByColumn{Column: clause.Column{Name: col}, Desc: desc})
	}
	if err := v.Err(); err != nil {
		return q, err
	}
	return q, nil
}

// Apply adds ORDER BY, LIMIT and OFFSET to a query.
func (q ListQuery) Apply(db *gorm.DB) *gorm.DB {
	for _, o := range q.Order {
		db = db.Order(o)
	}
	return db.Limit(q.PageSize).Offset((q.Page - 1) * q.PageSize)
}

// PageBody is the SPEC §0 envelope.
type PageBody[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// NewPage builds the envelope with absolute next/previous links that keep
// every other query parameter of the request.
func NewPage[T any](c *fiber.Ctx, baseURL string, q ListQuery, count int64, results []T) PageBody[T] {
	if results == nil {
		results = []T{}
	}
	body := PageBody[T]{Count: count, Results: results}
	if q.All {
		return body
	}
	link := func(page int) *string {
		u, err := url.Parse(baseURL + c.Path())
		if err != nil {
			return nil
		}
		vals, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		vals.Set("page", strconv.Itoa(page))
		u.RawQuery = vals.Encode()
		s := u.String()
		return &s
	}
	if int64(q.Page*q.PageSize) < count {
		body.Next = link(q.Page + 1)
	}
	if q.Page > 1 {
		body.Previous = link(q.Page - 1)
	}
	return body
}

func sortedKeys(m SortFields) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
