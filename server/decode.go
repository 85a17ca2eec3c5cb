package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// MaxJSONBody is the largest JSON request body a handler accepts.
const MaxJSONBody = 1 << 20

// DecodeOptionalJSON is DecodeJSON for requests whose body may be empty
// (all fields optional): an empty body leaves dst as it is.
func DecodeOptionalJSON(c *fiber.Ctx, dst any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return DecodeJSON(c, dst)
}

// DecodeJSON reads the request body into dst. Unknown fields, trailing data,
// wrong types, malformed JSON and bodies over MaxJSONBody are 400s that say
// what is wrong.
func DecodeJSON(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(body) > MaxJSONBody {
		return BadRequest("Request body is too large: at most %d KiB of JSON is accepted.", MaxJSONBody>>10)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return BadRequest("Request body is empty: a JSON object is expected.")
	}
	if ct := string(c.Request().Header.ContentType()); ct != "" && !isJSONType(ct) {
		return Errorf(fiber.StatusUnsupportedMediaType, "Unsupported media type %q: send application/json.", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("Malformed JSON: unexpected data after the JSON object.")
	}
	return nil
}

func isJSONType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return BadRequest("Malformed JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		if typ.Field != "" {
			return FieldError(typ.Field, "Expected a %s, got %s.", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return BadRequest("Expected a JSON object, got %s.", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("Malformed JSON: the body ends too early.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return FieldError(name, "Unknown field.")
	default:
		return BadRequest("Malformed JSON: %s.", err.Error())
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "list"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	default:
		return fmt.Sprintf("value of kind %s", goKind)
	}
}
