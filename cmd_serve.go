package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/gctune"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/policies"
	"github.com/gatehouse/gatehouse/server"
)

// shutdownGrace bounds how long in-flight requests may take to finish.
const shutdownGrace = 20 * time.Second

func runServe(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("serve", io)
	var o options
	o.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.validate(true); err != nil {
		return err
	}
	authCfg, err := loadAuthConfig(o.AuthConfig)
	if err != nil {
		return err
	}
	log := o.logger(io.err)
	start := time.Now()
	gc := gctune.Apply(os.Getenv)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Compile the policies in the background: the server listens as soon as
	// the database is ready; requests that need a decision wait for them.
	toServer := make(chan server.PoliciesResult, 1)
	policiesDone := make(chan server.PoliciesResult, 1)
	go func() {
		e, err := policies.New(ctx, policies.Options{Dir: o.PoliciesDir, Logger: log})
		r := server.PoliciesResult{Engine: e, Err: err}
		toServer <- r
		policiesDone <- r
	}()

	a, err := openApp(ctx, o, log)
	if err != nil {
		return err
	}
	defer a.close()

	proxies, err := server.ParseTrustedProxies(o.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	srv, err := server.New(server.Config{
		BaseURL:        o.BaseURL,
		Version:        version,
		UI:             uiFS(),
		AccessLog:      o.AccessLog,
		Accounts:       o.accountSettings(a.mailer.Enabled()),
		Billing:        a.billingCfg,
		Auth:           authCfg,
		DataDir:        o.DataDir,
		TrustedProxies: proxies,
	}, server.Deps{DB: a.db, Clock: a.clock, Logger: log, Mailer: a.mailer, Hasher: a.hasher, PoliciesLater: toServer, Plans: a.plans})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.HTTP, err)
	}

	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		a.mailer.Run(mailCtx)
	}()
	a.cron.Start()
	if o.PprofAddr != "" {
		startPprof(o.PprofAddr, log)
	}

	if link, err := srv.SetupLink(ctx); err != nil {
		log.Error("could not make the first-admin setup link", "err", err)
	} else if link != "" {
		log.Warn("no admin account exists yet: open the setup link within one hour to create it, or run `gatehouse admin create`", "setup_url", link)
		fmt.Fprintf(io.err, "\n  No admin yet. Create the first admin at:\n  %s\n  (valid for one hour, single use)\n\n", link)
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("gatehouse is ready",
		"version", version, "url", o.BaseURL, "listen", ln.Addr().String(),
		"database", string(a.db.Dialect), "db_location", a.db.Location,
		"mail", a.mailer.Config().String(), "gogc", gc.Percent, "memory_limit_mib", gc.Limit>>20,
		"startup", time.Since(start).String())

	var result error
wait:
	for {
		select {
		case r := <-policiesDone:
			if r.Err != nil {
				result = fmt.Errorf("policies: %w", r.Err)
				break wait
			}
			go r.Engine.Run(ctx)
			// Start-up (policy compilation above all) leaves garbage
			// behind: hand it back so an idle server stays small.
			go func() {
				runtime.GC()
				debug.FreeOSMemory()
				if err := releaseStartupPages(); err != nil {
					log.Debug("could not release start-up pages", "err", err)
				}
			}()
		case <-ctx.Done():
			log.Info("shutting down: finishing requests in flight", "grace", shutdownGrace.String())
			break wait
		case err := <-serveErr:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				result = err
			}
			break wait
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := a.cron.Stop(shutdownCtx); err != nil {
		log.Warn("scheduler shutdown", "err", err)
	}
	stopMail()
	<-mailDone
	log.Info("stopped")
	return result
}

func runMigrate(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("migrate", io)
	var o options
	o.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.validate(false); err != nil {
		return err
	}
	a, err := openApp(ctx, o, o.logger(io.err))
	if err != nil {
		return err
	}
	defer a.close()
	fmt.Fprintf(io.out, "database %s (%s) is at schema version %s\n", a.db.Location, a.db.Dialect, models.SchemaVersion())
	return nil
}
