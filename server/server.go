package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	// BaseURL is the public URL users reach Gatehouse at (links in mail,
	// pagination links, Secure cookies and HSTS when https).
	BaseURL string
	// Version is reported by /api/server/about.
	Version string
	// UI is the built single-page app (the contents of ui/dist).
	UI fs.FS
	// AccessLog logs one line per request when true.
	AccessLog bool

	// extraRoutes lets in-package tests mount routes under /api.
	extraRoutes func(api fiber.Router)
}

// Server is the Fiber application with its dependencies.
type Server struct {
	cfg     Config
	app     *fiber.App
	db      *models.DB
	clock   clock.Clock
	log     *slog.Logger
	metrics *metrics
	spa     *spaFiles
	https   bool
}

// Deps are the parts the server is built on.
type Deps struct {
	DB     *models.DB
	Clock  clock.Clock
	Logger *slog.Logger
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.DB == nil {
		return nil, fmt.Errorf("server: a database is required")
	}
	if deps.Clock == nil {
		deps.Clock = clock.System{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port]", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{cfg: cfg, db: deps.DB, clock: deps.Clock, log: deps.Logger, https: base.Scheme == "https"}
	if cfg.UI != nil {
		s.spa, err = loadSPA(cfg.UI)
		if err != nil {
			return nil, err
		}
	}
	s.metrics = newMetrics(deps.DB)
	s.app = fiber.New(fiber.Config{
		AppName:               "gatehouse",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             16 << 20,
		ReadBufferSize:        16 << 10,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ProxyHeader:           "",
		JSONEncoder:           jsonMarshal,
	})
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	app := s.app
	// The metrics middleware is outermost so it sees the final status of
	// every response, errors and panics included.
	app.Use(s.metrics.middleware)
	app.Use(s.requestContext)
	app.Use(s.recoverPanics)
	app.Use(s.securityHeaders)
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())

	api := app.Group("/api")
	api.Get("/server/about", s.about)
	if s.cfg.extraRoutes != nil {
		s.cfg.extraRoutes(api)
	}
	api.All("/*", func(c *fiber.Ctx) error { return NotFound("Not found.") })

	app.Use(s.serveSPA)
}

// App exposes the Fiber app (tests use App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.app.Listener(ln); err != nil {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.app.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("shutdown http: %w", err)
	}
	return nil
}

func (s *Server) handleError(c *fiber.Ctx, err error) error {
	apiErr := asAPIError(err)
	if apiErr.Status >= 500 {
		s.logger(c).Error("request failed", "err", err, "method", c.Method(), "path", c.Path())
	}
	for k, v := range apiErr.Headers {
		c.Set(k, v)
	}
	return c.Status(apiErr.Status).JSON(apiErr.Body())
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.logger(c).Warn("not ready: database does not answer", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "detail": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": string(s.db.Dialect)})
}

// About is the body of GET /api/server/about.
type About struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version"`
	LogoURL     string `json:"logo_url"`
	Subtitle    string `json:"subtitle"`
}

func (s *Server) about(c *fiber.Ctx) error {
	return c.JSON(About{
		Name:        "Gatehouse",
		Description: "Self-hosted accounts, organizations, roles and plans in one binary.",
		Version:     s.cfg.Version,
		LogoURL:     s.cfg.BaseURL + "/favicon.svg",
		Subtitle:    "Account and organization management",
	})
}
