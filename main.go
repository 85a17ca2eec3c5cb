// Command gatehouse is a self-hosted account and organization management
// appliance: one binary with the web UI, the API, the database, the mailer
// and the scheduled jobs inside.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command-line mistake: usage is printed and the exit code is 2.
var errUsage = errors.New("usage")

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdio stdio) error
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the web server (UI, API, mailer and scheduled jobs)", runServe},
		{"migrate", "bring the database schema up to date and exit", runMigrate},
		{"admin", "administer users and mail: create, set-role, reset-password, send-test-mail", runAdmin},
		{"jobs", "list the scheduled jobs or run one now: list | run NAME [--at RFC3339] [--once]", runJobs},
		{"backup", "write a consistent copy of the SQLite database while it runs: backup FILE", runBackup},
		{"restore", "put a backup in place in an empty data dir and migrate it: restore FILE", runRestore},
		{"check-config", "validate the configuration (flags, environment, auth config file) and exit", runCheckConfig},
		{"version", "print the version and exit", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: gatehouse <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'gatehouse <command> -h' for the flags of a command.\n")
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr}))
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, io stdio) int {
	if len(args) == 0 {
		usage(io.err)
		return 2
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		usage(io.out)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args[1:], io)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			if msg := err.Error(); msg != errUsage.Error() {
				fmt.Fprintf(io.err, "gatehouse %s: %s\n", name, trimUsage(msg))
			}
			return 2
		default:
			fmt.Fprintf(io.err, "gatehouse %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(io.err, "gatehouse: unknown command %q\n\n", name)
	usage(io.err)
	return 2
}

func trimUsage(msg string) string {
	const suffix = ": " + "usage"
	if len(msg) > len(suffix) && msg[len(msg)-len(suffix):] == suffix {
		return msg[:len(msg)-len(suffix)]
	}
	return msg
}

// usageErrorf is a command-line mistake with a message.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errUsage)...)
}

// newFlagSet makes a flag set that reports errors instead of exiting.
func newFlagSet(name string, io stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("gatehouse "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	return fs
}

// parseFlags parses args; a bad flag is a usage error (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package already printed the problem and usage
	}
	return nil
}

func runVersion(_ context.Context, args []string, io stdio) error {
	fs := newFlagSet("version", io)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(io.out, "gatehouse %s\n", version)
	return nil
}
