package models

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Filter is a policy's answer to "which rows may this caller list", in the
// store's terms: everything, nothing, or an OR of AND-ed equality terms over
// abstract field names.
type Filter struct {
	All  bool
	None bool
	Any  [][]Cond
}

// Cond is one term: Field == Value, or Field IN Value when Value is a slice.
type Cond struct {
	Field string
	Value any
}

// Apply turns the filter into a WHERE clause on q. columns maps the policy's
// field names to SQL columns, or to an SQL expression with one "?" for the
// value (e.g. a membership subquery); a field without a mapping is an error,
// so a custom policy that names an unknown field fails closed instead of
// leaking rows.
func (f Filter) Apply(q *gorm.DB, columns map[string]string) (*gorm.DB, error) {
	switch {
	case f.All:
		return q, nil
	case f.None || len(f.Any) == 0:
		return q.Where("1 = 0"), nil
	}
	var ors []string
	var args []any
	for _, term := range f.Any {
		if len(term) == 0 {
			return q, nil // an empty conjunction is true
		}
		var ands []string
		for _, c := range term {
			col, ok := columns[c.Field]
			if !ok {
				return nil, fmt.Errorf("policy filter: unknown field %q", c.Field)
			}
			if err := checkFilterValue(c.Field, c.Value, !strings.Contains(col, "?")); err != nil {
				return nil, err
			}
			if strings.Contains(col, "?") {
				ands = append(ands, "("+col+")")
				args = append(args, c.Value)
				continue
			}
			switch v := c.Value.(type) {
			case []any:
				if len(v) == 0 {
					ands = append(ands, "1 = 0")
					continue
				}
				ands = append(ands, col+" IN ?")
				args = append(args, v)
			case nil:
				ands = append(ands, col+" IS NULL")
			default:
				ands = append(ands, col+" = ?")
				args = append(args, v)
			}
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return q.Where(strings.Join(ors, " OR "), args...), nil
}

// ListPage counts and loads one page of T from q narrowed by the policy
// filter f; page adds ORDER BY/LIMIT/OFFSET.
func ListPage[T any](q *gorm.DB, f Filter, columns map[string]string, page func(*gorm.DB) *gorm.DB) ([]T, int64, error) {
	q, err := f.Apply(q, columns)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	var rows []T
	if err := page(q).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	return rows, total, nil
}

// EscapeLike quotes LIKE wildcards in a search term.
func EscapeLike(s string) string { return escapeLike(s) }
