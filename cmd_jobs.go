package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

func runJobs(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		return usageErrorf("want a subcommand: list | run NAME [--at RFC3339]")
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet("jobs "+sub, io)
	var o options
	o.register(fs, false)
	var at string
	var once bool
	switch sub {
	case "list":
	case "run":
		fs.StringVar(&at, "at", "", "run as if at this time (RFC 3339, e.g. 2026-12-01T03:00:00Z); default now")
		fs.BoolVar(&once, "once", false, "skip the run when that minute's tick already ran (as the scheduler does across replicas)")
	default:
		return usageErrorf("unknown subcommand %q: want list or run", sub)
	}
	// Allow the job name before the flags: `jobs run NAME --at T`.
	var name string
	if sub == "run" && len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		name, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if sub == "run" && name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.validate(false); err != nil {
		return err
	}
	when := time.Now().UTC()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return usageErrorf("--at %q: want an RFC 3339 time such as 2026-12-01T03:00:00Z", at)
		}
		when = t.UTC()
	}
	if sub == "run" && name == "" {
		return usageErrorf("jobs run: name the job to run (see 'gatehouse jobs list')")
	}
	a, err := openApp(ctx, o, o.logger(io.err))
	if err != nil {
		return err
	}
	defer a.close()
	if sub == "list" {
		tw := tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSCHEDULE\tDESCRIPTION")
		for _, j := range a.cron.Jobs() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", j.Name, j.Spec, j.Description)
		}
		return tw.Flush()
	}
	if once {
		ran, err := a.cron.RunTick(ctx, name, when)
		if err != nil {
			return err
		}
		if !ran {
			fmt.Fprintf(io.out, "job %s: the tick of %s already ran; skipped\n", name, when.Truncate(time.Minute).Format(time.RFC3339))
			return nil
		}
		fmt.Fprintf(io.out, "job %s ran for the tick of %s\n", name, when.Truncate(time.Minute).Format(time.RFC3339))
		return nil
	}
	if err := a.cron.RunNow(ctx, name, when); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "job %s ran as of %s\n", name, when.Format(time.RFC3339))
	return nil
}
