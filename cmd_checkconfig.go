package main

import (
	"context"
	"fmt"
	"os"

	gmail "github.com/gatehouse/gatehouse/server/mail"
)

// runCheckConfig validates what `serve` would use without starting it.
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
	var problems []string
	if err := o.validate(true); err != nil {
		problems = append(problems, trimUsage(err.Error()))
	}
	mailCfg, err := gmail.ParseConfig(o.SMTPURL, os.Getenv)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(io.err, p)
		}
		return fmt.Errorf("%d problem(s) found", len(problems))
	}
	fmt.Fprintf(io.out, "base URL: %s\nlisten: %s\ndata dir: %s\nmail: %s\nconfiguration is valid\n", o.BaseURL, o.HTTP, o.DataDir, mailCfg.String())
	return nil
}
