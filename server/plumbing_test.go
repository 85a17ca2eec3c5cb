package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/models/modelstest"
)

// plumbingServer mounts test routes that exercise the shared helpers the
// same way real handlers do.
func plumbingServer(t *testing.T) *fiber.App {
	t.Helper()
	type input struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
		Tags  []string
	}
	srv, err := New(Config{BaseURL: "http://127.0.0.1:9", UI: testUI, extraRoutes: func(api fiber.Router) {
		api.Post("/test/decode", func(c *fiber.Ctx) error {
			var in input
			if err := DecodeJSON(c, &in); err != nil {
				return err
			}
			return sendJSON(c, 200, in)
		})
		api.Get("/test/list", func(c *fiber.Ctx) error {
			q, err := ParseListQuery(c, SortFields{"id": "id", "name": "name"}, "id")
			if err != nil {
				return err
			}
			items := []int{}
			for i := (q.Page-1)*q.PageSize + 1; i <= q.Page*q.PageSize && i <= 25; i++ {
				items = append(items, i)
			}
			return sendJSON(c, 200, NewPage(c, "http://127.0.0.1:9", q, 25, items))
		})
		api.Get("/test/org", func(c *fiber.Ctx) error {
			oc, err := ParseOrgContext(c)
			if err != nil {
				return err
			}
			return sendJSON(c, 200, fiber.Map{"scope": oc.Scope, "slug": oc.Slug, "id": oc.ID})
		})
	}}, Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return srv.App()
}

func call(t *testing.T, app *fiber.App, method, path, body string, headers map[string]string) (int, string, map[string][]string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestDecodeJSON(t *testing.T) {
	app := plumbingServer(t)
	big := `{"name":"` + strings.Repeat("x", 10<<20) + `"}`
	tests := []struct {
		name, body, contentType string
		status                  int
		want                    string
	}{
		{"valid", `{"name":"a","count":2}`, "", 200, `"name":"a"`},
		{"malformed", `{"name":`, "", 400, `{"non_field_errors":["Malformed JSON: the body ends too early."]}`},
		{"syntax error", `{"name" "a"}`, "", 400, `Malformed JSON at byte`},
		{"unknown field", `{"name":"a","admin":true}`, "", 400, `{"admin":["Unknown field."]}`},
		{"wrong type", `{"name":5}`, "", 400, `{"name":["Expected a string, got number."]}`},
		{"not an object", `[1,2]`, "", 400, `Expected a JSON object, got array.`},
		{"trailing data", `{"name":"a"} {"x":1}`, "", 400, `unexpected data after the JSON object`},
		{"empty", ` `, "", 400, `Request body is empty`},
		{"ten megabytes", big, "", 400, `Request body is too large: at most 1024 KiB of JSON is accepted.`},
		{"form content type", `name=a`, "application/x-www-form-urlencoded", 415, `Unsupported media type`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.contentType != "" {
				h["Content-Type"] = tc.contentType
			}
			status, body, _ := call(t, app, "POST", "/api/test/decode", tc.body, h)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %.200s, want %d containing %s", status, body, tc.status, tc.want)
			}
		})
	}
}

func TestBodyOverServerLimit(t *testing.T) {
	ts := newTestServer(t)
	// The server answers from the headers alone, before the body is sent.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/server/about HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 17<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || !bytes.Contains(body, []byte(`"detail"`)) {
		t.Fatalf("got %d %s, want 413 with a detail", res.StatusCode, body)
	}
}

func TestVendorMediaType(t *testing.T) {
	app := plumbingServer(t)
	_, _, h := call(t, app, "GET", "/api/test/list", "", map[string]string{"Accept": "application/vnd.cvat+json"})
	if got := h["Content-Type"]; len(got) == 0 || got[0] != "application/vnd.cvat+json" {
		t.Fatalf("Content-Type = %v", got)
	}
}

func TestPagination(t *testing.T) {
	app := plumbingServer(t)
	tests := []struct {
		name     string
		query    string
		status   int
		count    int
		next     string
		previous string
		first    float64
		errText  string
	}{
		{"default page", "", 200, 10, "http://127.0.0.1:9/api/test/list?page=2", "", 1, ""},
		{"second page keeps filters", "?page=2&search=x", 200, 10, "http://127.0.0.1:9/api/test/list?page=3&search=x", "http://127.0.0.1:9/api/test/list?page=1&search=x", 11, ""},
		{"last page", "?page=3", 200, 5, "", "http://127.0.0.1:9/api/test/list?page=2", 21, ""},
		{"page size", "?page_size=25", 200, 25, "", "", 1, ""},
		{"all", "?page_size=all", 200, 25, "", "", 1, ""},
		{"bad page", "?page=0", 400, 0, "", "", 0, `"page"`},
		{"bad page size", "?page_size=1001", 400, 0, "", "", 0, `"page_size"`},
		{"bad sort field", "?sort=password", 400, 0, "", "", 0, `Cannot sort by \"password\"; allowed: id, name.`},
		{"injection in sort", "?sort=id;DROP%20TABLE%20users", 400, 0, "", "", 0, `"sort"`},
		{"descending sort ok", "?sort=-name", 200, 10, "http://127.0.0.1:9/api/test/list?page=2&sort=-name", "", 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := call(t, app, "GET", "/api/test/list"+tc.query, "", nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.status != 200 {
				if !strings.Contains(body, tc.errText) {
					t.Fatalf("body %s lacks %s", body, tc.errText)
				}
				return
			}
			var page struct {
				Count    int       `json:"count"`
				Next     *string   `json:"next"`
				Previous *string   `json:"previous"`
				Results  []float64 `json:"results"`
			}
			if err := json.Unmarshal([]byte(body), &page); err != nil {
				t.Fatal(err)
			}
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				return *p
			}
			if page.Count != 25 || len(page.Results) != tc.count || str(page.Next) != tc.next || str(page.Previous) != tc.previous || page.Results[0] != tc.first {
				t.Fatalf("got %s", body)
			}
		})
	}
}

func TestOrgContext(t *testing.T) {
	app := plumbingServer(t)
	tests := []struct {
		name   string
		query  string
		header string
		status int
		want   string
	}{
		{"none", "", "", 200, `{"id":0,"scope":0,"slug":""}`},
		{"empty org is personal", "?org=", "", 200, `"scope":1`},
		{"empty header is personal", "", "<empty>", 200, `"scope":1`},
		{"slug", "?org=acme", "", 200, `{"id":0,"scope":2,"slug":"acme"}`},
		{"header slug", "", "acme", 200, `"slug":"acme"`},
		{"id", "?org_id=7", "", 200, `{"id":7,"scope":2,"slug":""}`},
		{"slug and id together", "?org=acme&org_id=7", "", 200, `{"id":7,"scope":2,"slug":"acme"}`},
		{"same slug twice", "?org=acme", "acme", 200, `"slug":"acme"`},
		{"conflicting slugs", "?org=acme", "other", 400, `Conflicting organization context`},
		{"personal vs org", "?org=", "acme", 400, `Conflicting organization context`},
		{"bad id", "?org_id=abc", "", 400, `{"org_id":["Invalid organization id \"abc\": a positive whole number is expected."]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			switch tc.header {
			case "":
			case "<empty>":
				h["X-Organization"] = ""
			default:
				h["X-Organization"] = tc.header
			}
			req := httptest.NewRequest("GET", "/api/test/org"+tc.query, nil)
			for k, v := range h {
				req.Header[k] = []string{v}
			}
			res, err := app.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}
