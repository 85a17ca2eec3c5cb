package models_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// fuzzFilter is the JSON shape the fuzzer writes: a policy filter plus a
// user search, on one of the resource tables.
type fuzzFilter struct {
	Table string `json:"table"`
	All   bool   `json:"all"`
	None  bool   `json:"none"`
	Any   [][]struct {
		Field string `json:"field"`
		Value any    `json:"value"`
	} `json:"any"`
	Search string `json:"search"`
}

func (ff fuzzFilter) filter(value func(any) any) models.Filter {
	f := models.Filter{All: ff.All, None: ff.None}
	for _, term := range ff.Any {
		conds := make([]models.Cond, 0, len(term))
		for _, c := range term {
			conds = append(conds, models.Cond{Field: c.Field, Value: value(c.Value)})
		}
		f.Any = append(f.Any, conds)
	}
	return f
}

// neutral keeps a value's shape (kind and slice length), not its content:
// the SQL text built from it must be the same as from the original.
func neutral(v any) any {
	switch x := v.(type) {
	case string:
		return "v"
	case float64:
		return float64(1)
	case bool:
		return true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = neutral(e)
		}
		return out
	default:
		return x
	}
}

// FuzzFilterSQL feeds random policy filters and search terms to the store's
// filter-to-SQL translation on a real SQLite database: each must either be
// rejected by Apply or run without error, and the values (filter values and
// the search text) must travel as bound parameters, never in the SQL text.
func FuzzFilterSQL(f *testing.F) {
	for _, seed := range []string{
		`{"table":"projects","all":true}`,
		`{"table":"projects","none":true}`,
		`{"table":"projects","any":[[{"field":"owner_id","value":3}],[{"field":"organization_id","value":null}]]}`,
		`{"table":"tasks","any":[[{"field":"project.owner_id","value":7},{"field":"organization_id","value":[1,2,3]}]]}`,
		`{"table":"jobs","any":[[{"field":"member_id","value":5}],[{"field":"task.assignee_id","value":5}]],"search":"50%_off\\"}`,
		`{"table":"cloud_storages","any":[[{"field":"id","value":[]}]]}`,
		`{"table":"projects","any":[[{"field":"owner_id","value":"1 OR 1=1"}]],"search":"'; DROP TABLE users; --"}`,
		`{"table":"tasks","any":[[{"field":"owner_id) OR (1=1","value":1}]]}`,
		`{"table":"projects","any":[[]]}`,
		`{"table":"jobs","any":[[{"field":"assignee_id","value":{"a":1}}]]}`,
		`{"table":"projects","any":[[{"field":"member_id","value":[1,2]}]]}`,
		`{"table":"tasks","any":[[{"field":"id","value":[[1],2]}]]}`,
		`{"table":"jobs","any":[[{"field":"id","value":[1,null,"x",true,2.5]}]]}`,
	} {
		f.Add([]byte(seed))
	}
	db := modelstest.Open(f)
	ctx := context.Background()
	tables := map[string]struct {
		columns map[string]string
		model   any
		search  string
	}{
		"projects":       {models.ProjectColumns, &models.Project{}, "projects.name"},
		"tasks":          {models.TaskColumns, &models.Task{}, "tasks.name"},
		"jobs":           {models.JobColumns, &models.Job{}, "jobs.stage"},
		"cloud_storages": {models.CloudStorageColumns, &models.CloudStorage{}, "cloud_storages.display_name"},
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var in fuzzFilter
		if err := json.Unmarshal(raw, &in); err != nil {
			return
		}
		tbl, ok := tables[in.Table]
		if !ok {
			return
		}
		build := func(tx *gorm.DB, filter models.Filter, search string) (*gorm.DB, error) {
			q, err := filter.Apply(tx.Model(tbl.model), tbl.columns)
			if err != nil {
				return nil, err
			}
			if search != "" {
				like := "%" + models.EscapeLike(strings.ToLower(search)) + "%"
				q = q.Where("LOWER("+tbl.search+") LIKE ? ESCAPE '\\'", like)
			}
			return q.Order("id").Limit(5), nil
		}
		filter := in.filter(func(v any) any { return v })
		q, err := build(db.WithContext(ctx), filter, in.Search)
		if err != nil {
			if !strings.Contains(err.Error(), "unknown field") && !strings.Contains(err.Error(), "policy filter") {
				t.Fatalf("Apply rejected the filter with an unexpected error: %v", err)
			}
			return
		}
		rows := reflect.New(reflect.SliceOf(reflect.TypeOf(tbl.model).Elem())).Interface()
		if err := q.Find(rows).Error; err != nil {
			t.Fatalf("accepted filter does not run: %v\nfilter %+v search %q", err, filter, in.Search)
		}

		// The SQL text depends only on the filter's shape: the same filter
		// with neutral values and search text gives the same statement.
		dry := func(filter models.Filter, search string) (string, []any) {
			q, err := build(db.WithContext(ctx).Session(&gorm.Session{DryRun: true}), filter, search)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			stmt := q.Find(reflect.New(reflect.SliceOf(reflect.TypeOf(tbl.model).Elem())).Interface()).Statement
			return stmt.SQL.String(), stmt.Vars
		}
		neutralSearch := ""
		if in.Search != "" {
			neutralSearch = "v"
		}
		sqlText, vars := dry(filter, in.Search)
		baseText, _ := dry(in.filter(neutral), neutralSearch)
		if sqlText != baseText {
			t.Fatalf("values reached the SQL text:\n%s\nvs\n%s", sqlText, baseText)
		}
		if in.Search != "" {
			found := false
			for _, v := range vars {
				if s, ok := v.(string); ok && strings.Contains(s, models.EscapeLike(strings.ToLower(in.Search))) {
					found = true
				}
			}
			if !found {
				t.Fatalf("search %q is not among the bound parameters %v", in.Search, vars)
			}
		}
	})
}
