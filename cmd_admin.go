package main

import (
	"context"
	"fmt"
	"net/mail"

	gmail "github.com/gatehouse/gatehouse/server/mail"
)

func runAdmin(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		return usageErrorf("want a subcommand: send-test-mail")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "send-test-mail":
		return adminSendTestMail(ctx, rest, io)
	default:
		return usageErrorf("unknown subcommand %q", sub)
	}
}

func adminSendTestMail(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("admin send-test-mail", io)
	var o options
	o.register(fs, false)
	to := fs.String("to", "", "recipient address (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *to == "" {
		return usageErrorf("--to is required")
	}
	if _, err := mail.ParseAddress(*to); err != nil {
		return usageErrorf("--to %q: not an email address", *to)
	}
	if err := o.validate(false); err != nil {
		return err
	}
	a, err := openApp(ctx, o, o.logger(io.err))
	if err != nil {
		return err
	}
	defer a.close()
	msg, err := gmail.Render("test", map[string]any{"BaseURL": o.BaseURL})
	if err != nil {
		return err
	}
	msg.To = *to
	if !a.mailer.Enabled() {
		if err := a.mailer.Enqueue(ctx, msg); err != nil {
			return err
		}
		fmt.Fprintf(io.out, "no SMTP server is configured: the test mail to %s was put in the outbox\n", *to)
		return nil
	}
	if err := a.mailer.SendNow(ctx, msg); err != nil {
		return fmt.Errorf("send test mail to %s: %w", *to, err)
	}
	fmt.Fprintf(io.out, "test mail sent to %s\n", *to)
	return nil
}
