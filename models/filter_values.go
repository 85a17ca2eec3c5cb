package models

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// checkFilterValue tells whether v can be bound as the parameter of a
// filter term: nil, a bool, a string or a number, or for a plain column
// (not an SQL expression) a list of those for IN. Anything else (an object
// from a custom policy, a list of lists) is an error here instead of a
// driver error, or a malformed row value, when the query runs.
func checkFilterValue(field string, v any, listOK bool) error {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return nil
	case []any:
		if !listOK {
			return fmt.Errorf("policy filter: field %q takes one value, not a list", field)
		}
		for _, e := range x {
			if err := checkFilterValue(field, e, false); err != nil {
				return err
			}
		}
		return nil
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil
	}
	return fmt.Errorf("policy filter: field %q: unsupported value of type %T", field, v)
}
