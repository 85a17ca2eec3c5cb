// Package server is Gatehouse's HTTP layer: the Fiber app, its middleware,
// one file per resource, the one error type and the SPA fallback.
package server

import (
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/gofiber/fiber/v2"
)

// APIError is the one error type handlers return. It renders as SPEC §0 says:
// {"detail": "..."} for most statuses, and for 400 either per-field messages
// {"field": ["..."]} or {"non_field_errors": ["..."]}.
type APIError struct {
	Status int
	Detail string
	Fields map[string][]string
	// Headers are set on the response (e.g. Retry-After).
	Headers map[string]string
	// Extra are more members of a {"detail"} body (e.g. a plan limit's
	// "code" and "upgrade_url"); never "detail" itself.
	Extra map[string]any
}

func (e *APIError) Error() string {
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Sprintf("%d: %s: %v", e.Status, keys[0], e.Fields[keys[0]])
	}
	return fmt.Sprintf("%d: %s", e.Status, e.Detail)
}

// Body is what the client receives.
func (e *APIError) Body() any {
	if e.Status == http.StatusBadRequest {
		if len(e.Fields) > 0 {
			return e.Fields
		}
		return map[string][]string{"non_field_errors": {e.Detail}}
	}
	if len(e.Extra) > 0 {
		body := make(map[string]any, len(e.Extra)+1)
		for k, v := range e.Extra {
			body[k] = v
		}
		body["detail"] = e.Detail
		return body
	}
	return map[string]string{"detail": e.Detail}
}

// Errorf builds an APIError with a formatted detail.
func Errorf(status int, format string, args ...any) *APIError {
	return &APIError{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 with a non-field message.
func BadRequest(format string, args ...any) *APIError {
	return Errorf(http.StatusBadRequest, format, args...)
}

// FieldErrors is a 400 that names fields.
func FieldErrors(fields map[string][]string) *APIError {
	return &APIError{Status: http.StatusBadRequest, Fields: fields}
}

// FieldError is a 400 naming one field.
func FieldError(field, format string, args ...any) *APIError {
	return FieldErrors(map[string][]string{field: {fmt.Sprintf(format, args...)}})
}

// NotFound is a 404.
func NotFound(format string, args ...any) *APIError {
	return Errorf(http.StatusNotFound, format, args...)
}

// Forbidden is a 403.
func Forbidden(format string, args ...any) *APIError {
	return Errorf(http.StatusForbidden, format, args...)
}

// Unauthorized is a 401.
func Unauthorized(format string, args ...any) *APIError {
	return Errorf(http.StatusUnauthorized, format, args...)
}

// Validation collects field errors while a handler checks its input.
type Validation map[string][]string

// Add records a message for field.
func (v Validation) Add(field, format string, args ...any) {
	v[field] = append(v[field], fmt.Sprintf(format, args...))
}

// Err returns nil when nothing was added, else the 400.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return FieldErrors(v)
}

// asAPIError maps any error reaching the error handler to the one body shape.
func asAPIError(err error) *APIError {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			return Errorf(fe.Code, "Request body is too large.")
		case fiber.StatusRequestHeaderFieldsTooLarge:
			return Errorf(fe.Code, "Request headers are too large.")
		case fiber.StatusNotFound:
			return NotFound("Not found.")
		case fiber.StatusMethodNotAllowed:
			return Errorf(fe.Code, "Method not allowed.")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return Errorf(fe.Code, "%s", fe.Message)
		}
	}
	return Errorf(http.StatusInternalServerError, "Internal server error.")
}
