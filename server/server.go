package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
	"github.com/gatehouse/gatehouse/server/mail"
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

	// Accounts are the sign-in settings.
	Accounts AccountSettings
	// Billing tunes subscriptions and payments (zero = defaults, manual payments).
	Billing BillingSettings
	// Auth is the SSO and social login configuration (AUTH_CONFIG_PATH);
	// nil = neither.
	Auth *authconfig.Config
	// DataDir keeps the SAML service provider keys (<DataDir>/saml).
	DataDir string
	// TrustedProxies are the load balancers whose X-Forwarded-For names the
	// client (see clientIP); empty: the header is ignored.
	TrustedProxies []netip.Prefix

	// extraRoutes lets in-package tests mount routes under /api.
	extraRoutes func(api fiber.Router)
	// readTimeout overrides ReadTimeout (tests of slow clients).
	readTimeout time.Duration
}

// AccountSettings tune registration, verification and sessions.
type AccountSettings struct {
	// EmailVerification is none, optional or mandatory.
	EmailVerification string
	// TermsOfUseURL, when set, must be accepted at registration.
	TermsOfUseURL string
	// DisableRegistration closes self-service sign-up.
	DisableRegistration bool
	// SessionIdle ends a session after this long without a request.
	SessionIdle time.Duration
	// SessionAbsolute ends a session this long after sign-in.
	SessionAbsolute time.Duration
	// AuthRequestsPerMinute is the per-IP budget on /api/auth/* (0 = none).
	AuthRequestsPerMinute int
	// AuthCacheTTL is how long a credential lookup is reused (0 = off).
	// Revocations purge it at once on this replica; other replicas follow
	// within the TTL.
	AuthCacheTTL time.Duration
}

// DefaultAccountSettings are used for fields left zero.
var DefaultAccountSettings = AccountSettings{
	EmailVerification:     VerifyNone,
	SessionIdle:           14 * 24 * time.Hour,
	SessionAbsolute:       30 * 24 * time.Hour,
	AuthRequestsPerMinute: 120,
	AuthCacheTTL:          time.Second,
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
	csp     []byte // Content-Security-Policy of every answer
	// baseOrigin is scheme://host[:port] of the base URL (CSRF origin check).
	baseOrigin string
	hasher     *auth.Hasher
	mailer     *mail.Mailer
	authCache  *authCache
	policies   *policyGate
	external   *externalProviders // SSO and social login providers
	plans      *models.Catalog
	billing    *Billing
}

// Deps are the parts the server is built on.
type Deps struct {
	DB     *models.DB
	Clock  clock.Clock
	Logger *slog.Logger
	// Mailer queues mail; nil = an outbox-only mailer on DB.
	Mailer *mail.Mailer
	// Hasher checks passwords; nil = argon2id at the default cost.
	Hasher *auth.Hasher
	// Policies decide every permission; nil = the embedded policies, or
	// the engine that PoliciesLater delivers.
	Policies *policies.Engine
	// PoliciesLater, when set, delivers the engine after the server has
	// started to listen (compiled in the background): requests that need a
	// decision wait for it and /readyz answers 503 until then.
	PoliciesLater <-chan PoliciesResult
	// Plans is the plan catalog; nil = models.DefaultCatalog().
	Plans *models.Catalog
}

// PoliciesResult is a compiled engine or why it could not be built.
type PoliciesResult struct {
	Engine *policies.Engine
	Err    error
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
	cfg.Accounts = withAccountDefaults(cfg.Accounts)
	if deps.Hasher == nil {
		deps.Hasher = auth.NewHasher(auth.DefaultParams, 0)
	}
	gate := newPolicyGate()
	switch {
	case deps.Policies != nil:
		gate.set(deps.Policies, nil)
	case deps.PoliciesLater != nil:
		go func() {
			r := <-deps.PoliciesLater
			gate.set(r.Engine, r.Err)
		}()
	default:
		eng, err := policies.New(context.Background(), policies.Options{Logger: deps.Logger})
		if err != nil {
			return nil, fmt.Errorf("load the built-in policies: %w", err)
		}
		gate.set(eng, nil)
	}
	if deps.Mailer == nil {
		deps.Mailer = mail.New(deps.DB, mail.Config{}, deps.Clock, deps.Logger)
	}
	if deps.Plans == nil {
		deps.Plans = models.DefaultCatalog()
	}
	s := &Server{cfg: cfg, db: deps.DB, clock: deps.Clock, log: deps.Logger, https: base.Scheme == "https",
		baseOrigin: base.Scheme + "://" + base.Host, hasher: deps.Hasher, mailer: deps.Mailer, policies: gate,
		authCache: newAuthCache(cfg.Accounts.AuthCacheTTL, 50_000), plans: deps.Plans, csp: []byte(contentSecurityPolicy)}
	if cfg.Billing.Stripe.SecretKey != "" && cfg.Billing.Stripe.JSURL != "" {
		if _, err := paymentCSP(cfg.Billing.Stripe.JSURL); err != nil {
			return nil, err
		}
	}
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
		ReadTimeout:           durationOr(cfg.readTimeout, ReadTimeout),
		WriteTimeout:          WriteTimeout,
		IdleTimeout:           IdleTimeout,
		ProxyHeader:           "",
		JSONEncoder:           jsonMarshal,
	})
	s.routes()
	s.watchPolicyReloads()
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

	s.samlRoutes(app) // before the /api group: the IdP's POST to the ACS carries no CSRF token
	api := app.Group("/api", s.authenticate)
	api.Get("/server/about", s.about)
	api.Get("/server/auth-methods", s.authMethods)
	api.Get("/server/outbox", s.outbox)

	authAPI := api.Group("/auth", s.authBudget)
	authAPI.Post("/register", s.register)
	authAPI.Post("/login", s.login)
	authAPI.Post("/logout", s.logout)
	authAPI.Post("/password/reset", s.passwordReset)
	authAPI.Post("/password/reset/confirm", s.passwordResetConfirm)
	authAPI.Post("/password/change", s.passwordChange)
	authAPI.Get("/account-confirm-email/:key/", s.confirmEmail)
	authAPI.Post("/account-confirm-email/resend", s.resendConfirmation)
	authAPI.Post("/setup", s.setup)
	authAPI.Get("/access_tokens", s.accessTokensList)
	authAPI.Post("/access_tokens", s.accessTokenCreate)
	authAPI.Delete("/access_tokens/:id", s.accessTokenDelete)
	authAPI.Get("/sessions", s.sessionsList)
	authAPI.Delete("/sessions", s.sessionsDeleteOthers)
	authAPI.Delete("/sessions/:id", s.sessionDelete)
	s.externalRoutes(authAPI)

	api.Get("/auth/rules", s.rules)
	api.Get("/audit", s.auditList)
	api.Get("/audit.csv", s.auditCSV)

	api.Get("/organizations", s.organizationsList)
	api.Post("/organizations", s.organizationsCreate)
	api.Get("/organizations/:id", s.organizationGet)
	api.Patch("/organizations/:id", s.organizationPatch)
	api.Delete("/organizations/:id", s.organizationDelete)
	api.Get("/memberships", s.membershipsList)
	api.Get("/memberships/:id", s.membershipGet)
	api.Patch("/memberships/:id", s.membershipPatch)
	api.Delete("/memberships/:id", s.membershipDelete)
	api.Get("/invitations", s.invitationsList)
	api.Post("/invitations", s.invitationsCreate)
	api.Get("/invitations/:key", s.invitationGet)
	api.Delete("/invitations/:key", s.invitationDelete)
	api.Post("/invitations/:key/accept", s.invitationAccept)
	api.Post("/invitations/:key/decline", s.invitationDecline)
	api.Post("/invitations/:key/resend", s.invitationResend)

	api.Get("/users", s.usersList)
	api.Get("/users/self", s.usersSelf)
	api.Get("/users/:id", s.userGet)
	api.Patch("/users/:id", s.userPatch)
	api.Delete("/users/:id", s.userDelete)
	if s.cfg.extraRoutes != nil {
		s.cfg.extraRoutes(api)
	}
	s.resourceRoutes(api)
	s.billingRoutes(api)
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

func withAccountDefaults(a AccountSettings) AccountSettings {
	d := DefaultAccountSettings
	if a.EmailVerification == "" {
		a.EmailVerification = d.EmailVerification
	}
	if a.SessionIdle == 0 {
		a.SessionIdle = d.SessionIdle
	}
	if a.SessionAbsolute == 0 {
		a.SessionAbsolute = d.SessionAbsolute
	}
	return a
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
	if !s.policies.isReady() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "starting", "detail": "policies are being compiled"})
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
	return sendJSON(c, fiber.StatusOK, About{
		Name:        "Gatehouse",
		Description: "Self-hosted accounts, organizations, roles and plans in one binary.",
		Version:     s.cfg.Version,
		LogoURL:     s.cfg.BaseURL + "/favicon.svg",
		Subtitle:    "Account and organization management",
	})
}
