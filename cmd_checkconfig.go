package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gatehouse/gatehouse/auth/authconfig"
	gmail "github.com/gatehouse/gatehouse/server/mail"
)

// loadAuthConfig reads the SSO and social login file; "" means none. Each
// problem of an invalid file is one line naming the file and the key.
func loadAuthConfig(path string) (*authconfig.Config, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := authconfig.Load(path)
	var probs authconfig.Problems
	if errors.As(err, &probs) {
		lines := make([]string, len(probs))
		for i, p := range probs {
			lines[i] = path + ": " + p
		}
		return nil, fmt.Errorf("invalid auth config (%d problem(s)):\n%s", len(probs), strings.Join(lines, "\n"))
	}
	return cfg, err
}

// runCheckConfig validates what `serve` would use without starting it:
// `gatehouse check-config [AUTH_CONFIG_FILE]`.
func runCheckConfig(_ context.Context, args []string, io stdio) error {
	fs := newFlagSet("check-config", io)
	var o options
	o.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageErrorf("unexpected argument %q", fs.Arg(1))
	}
	if fs.NArg() == 1 {
		o.AuthConfig = fs.Arg(0)
	}
	var problems []string
	if err := o.validate(true); err != nil {
		problems = append(problems, trimUsage(err.Error()))
	}
	mailCfg, err := gmail.ParseConfig(o.SMTPURL, os.Getenv)
	if err != nil {
		problems = append(problems, err.Error())
	}
	var authCfg *authconfig.Config
	if o.AuthConfig != "" {
		authCfg, err = authconfig.Load(o.AuthConfig)
		var probs authconfig.Problems
		switch {
		case errors.As(err, &probs):
			for _, p := range probs {
				problems = append(problems, o.AuthConfig+": "+p)
			}
		case err != nil:
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(io.err, p)
		}
		return fmt.Errorf("%d problem(s) found", len(problems))
	}
	fmt.Fprintf(io.out, "base URL: %s\nlisten: %s\ndata dir: %s\nmail: %s\n", o.BaseURL, o.HTTP, o.DataDir, mailCfg.String())
	printAuthConfig(io, o, authCfg)
	fmt.Fprintln(io.out, "configuration is valid")
	return nil
}

// printAuthConfig tells the operator what each configured provider must be
// given (redirect URIs, ACS and entity ID).
func printAuthConfig(io stdio, o options, cfg *authconfig.Config) {
	if cfg == nil {
		fmt.Fprintln(io.out, "auth config: none (set AUTH_CONFIG_PATH or --auth-config for SSO and social login)")
		return
	}
	fmt.Fprintf(io.out, "auth config: %s\n", o.AuthConfig)
	onOff := map[bool]string{true: "enabled", false: "disabled"}
	fmt.Fprintf(io.out, "  social login: %s (%s)\n", onOff[cfg.SocialAccount.Enabled], strings.Join(cfg.SocialProviders(), ", "))
	fmt.Fprintf(io.out, "  SSO: %s, selection mode %s, PKCE %s, %d identity provider(s)\n", onOff[cfg.SSO.Enabled],
		cfg.SSO.SelectionMode, onOff[cfg.SSO.EnablePKCE], len(cfg.SSO.IdentityProviders))
	urls := cfg.CallbackURLs(o.BaseURL)
	if len(urls) > 0 {
		fmt.Fprintln(io.out, "  register these URLs at the providers:")
	}
	for _, u := range urls {
		fmt.Fprintf(io.out, "    %s: %s\n", u[0], u[1])
	}
}
