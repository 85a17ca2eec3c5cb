package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
)

const localLogger = "gatehouse.logger"

// RequestID returns the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestContext gives every request an id (kept from a sane X-Request-ID
// header or made here), a context.Context carrying it, and a logger that
// prints it on every line. It also writes the access log.
func (s *Server) requestContext(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(fiber.HeaderXRequestID, id)
	ctx := context.WithValue(c.UserContext(), requestIDKey, id)
	c.SetUserContext(ctx)
	if strings.Contains(c.Get(fiber.HeaderAccept), "application/vnd.cvat+json") {
		c.Locals(localVendorJSON, true)
	}
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Render the error now so the access log and metrics see the status.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	if s.cfg.AccessLog {
		s.logger(c).LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", s.clientIP(c)),
		)
	}
	return nil
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// newRequestID makes a 24-hex-digit id. It names a request in logs and is
// no secret, so it comes from the runtime's fast per-thread generator
// rather than the kernel's (a system call per request on the hot path).
func newRequestID() string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

// logger returns the request's logger, which prints the request id on
// every line. It is made on first use: most requests never log.
func (s *Server) logger(c *fiber.Ctx) *slog.Logger {
	if l, ok := c.Locals(localLogger).(*slog.Logger); ok {
		return l
	}
	id := RequestID(c.UserContext())
	if id == "" {
		return s.log
	}
	l := s.log.With("request_id", id)
	c.Locals(localLogger, l)
	return l
}

// recoverPanics turns a panic into a 500 with the SPEC body; the stack goes
// to the log only.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger(c).Error("panic while serving request",
				"panic", fmt.Sprint(r), "method", c.Method(), "path", c.Path(),
				"stack", string(debug.Stack()))
			err = Errorf(fiber.StatusInternalServerError, "Internal server error.")
			if herr := s.handleError(c, err); herr == nil {
				err = nil
			}
		}
	}()
	return c.Next()
}

// contentSecurityPolicy is what the embedded SPA needs and nothing more.
// With card payments configured the payment page also loads Stripe.js,
// which runs its card field in a frame and talks to Stripe's API: see
// paymentCSP.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
	"base-uri 'self'; form-action 'self'; object-src 'none'"

// paymentCSP widens contentSecurityPolicy for Stripe.js loaded from jsURL:
// its origin may serve scripts, frames and API calls; with Stripe's own
// URL also hooks.stripe.com (3-D Secure frames) and api.stripe.com.
func paymentCSP(jsURL string) (string, error) {
	u, err := url.Parse(jsURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("the Stripe.js URL %q: want an absolute http(s) URL", jsURL)
	}
	origin := u.Scheme + "://" + u.Host
	frames, connect, images := origin, origin, ""
	if origin == "https://js.stripe.com" {
		frames += " https://hooks.stripe.com"
		connect += " https://api.stripe.com"
		images = " https://*.stripe.com"
	}
	return "default-src 'self'; script-src 'self' " + origin + "; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data:" + images + "; font-src 'self' data:; connect-src 'self' " + connect + "; frame-src " + frames + "; " +
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'", nil
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	// The names are already canonical: SetCanonical skips re-normalizing
	// them on every response.
	h.SetCanonical(hdrCSP, s.csp)
	for _, kv := range fixedSecurityHeaders {
		h.SetCanonical(kv[0], kv[1])
	}
	if s.https {
		h.SetCanonical(hdrHSTS, hstsValue)
	}
	return c.Next()
}

var (
	hdrCSP               = []byte("Content-Security-Policy")
	hdrHSTS              = []byte("Strict-Transport-Security")
	hstsValue            = []byte("max-age=63072000; includeSubDomains")
	fixedSecurityHeaders = [][2][]byte{
		{[]byte("X-Frame-Options"), []byte("DENY")},
		{[]byte("X-Content-Type-Options"), []byte("nosniff")},
		{[]byte("Referrer-Policy"), []byte("strict-origin-when-cross-origin")},
		{[]byte("Cross-Origin-Opener-Policy"), []byte("same-origin")},
		{[]byte("Permissions-Policy"), []byte("camera=(), microphone=(), geolocation=()")},
	}
)

const localVendorJSON = "gatehouse.vendorjson"

// jsonMarshal is Fiber's JSON encoder.
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// sendJSON writes v with the status, honouring Accept: application/vnd.cvat+json.
// jsonBufs recycles response encoding buffers (a buffer grown past 64 KiB
// by a large list is dropped instead of kept).
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func sendJSON(c *fiber.Ctx, status int, v any) error {
	// Encode into a pooled buffer and copy it into the response's own
	// (reused) body: no per-request result slice as with json.Marshal.
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			jsonBufs.Put(buf)
		}
	}()
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.Response().SetBody(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	setJSONHeaders(c, status)
	return nil
}

// sendEncodedJSON writes a body encoded earlier; body must not change
// afterwards (the response refers to it without a copy).
func sendEncodedJSON(c *fiber.Ctx, status int, body []byte) {
	c.Response().SetBodyRaw(body)
	setJSONHeaders(c, status)
}

func setJSONHeaders(c *fiber.Ctx, status int) {
	c.Status(status)
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	if c.Locals(localVendorJSON) == true {
		c.Set(fiber.HeaderContentType, "application/vnd.cvat+json")
	}
}
