package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server"
	gmail "github.com/gatehouse/gatehouse/server/mail"
)

func runAdmin(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		return usageErrorf("want a subcommand: create | set-role | reset-password | send-test-mail")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "create":
		return adminCreate(ctx, rest, io)
	case "set-role":
		return adminSetRole(ctx, rest, io)
	case "reset-password":
		return adminResetPassword(ctx, rest, io)
	case "send-test-mail":
		return adminSendTestMail(ctx, rest, io)
	default:
		return usageErrorf("unknown subcommand %q: want create, set-role, reset-password or send-test-mail", sub)
	}
}

// readPassword reads a password from a terminal prompt (twice) or, when
// stdin is not a terminal, from its first line.
func readPassword(in io.Reader, out io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(out, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(out, "Password (again): ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func adminCreate(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("admin create", io)
	var o options
	o.register(fs, false)
	username := fs.String("username", "", "username of the new admin (required)")
	email := fs.String("email", "", "email address of the new admin (required)")
	role := fs.String("role", models.RoleAdmin, "global role: admin, user or worker")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	var problems []string
	if *username == "" {
		problems = append(problems, "--username is required")
	}
	if *email == "" {
		problems = append(problems, "--email is required")
	} else if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email {
		problems = append(problems, fmt.Sprintf("--email %q: not an email address", *email))
	}
	if !models.ValidRole(*role) {
		problems = append(problems, fmt.Sprintf("--role %q: want admin, user or worker", *role))
	}
	if len(problems) > 0 {
		return usageErrorf("%s", strings.Join(problems, "\n"))
	}
	if err := o.validate(false); err != nil {
		return err
	}
	password, err := readPassword(io.in, io.err)
	if err != nil {
		return err
	}
	if msgs := auth.ValidatePassword(password, auth.Username(*username), auth.Email(*email)); len(msgs) > 0 {
		return fmt.Errorf("password: %s", strings.Join(msgs, " "))
	}
	a, err := openApp(ctx, o, o.logger(io.err))
	if err != nil {
		return err
	}
	defer a.close()
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := a.clock.Now()
	u := &models.User{Username: *username, Email: *email, PasswordHash: hash, Role: *role, IsActive: true,
		EmailVerified: true, DateJoined: now, PasswordChangedAt: now, UpdatedAt: now}
	if err := a.db.CreateUser(ctx, u); err != nil {
		var fc *models.FieldConflict
		if errors.As(err, &fc) {
			return fmt.Errorf("--%s: a user with that %s already exists", fc.Field, fc.Field)
		}
		return err
	}
	fmt.Fprintf(io.out, "created %s %s (id %d)\n", *role, u.Username, u.ID)
	return cliAudit(ctx, a, io, server.AuditUserCreated, u.ID, map[string]any{"username": u.Username, "role": *role})
}

// openForUser validates the options, opens the app and finds the user named
// by --username (a username or an email).
func openForUser(ctx context.Context, o options, io stdio, login string) (*app, *models.User, error) {
	if err := o.validate(false); err != nil {
		return nil, nil, err
	}
	a, err := openApp(ctx, o, o.logger(io.err))
	if err != nil {
		return nil, nil, err
	}
	u, err := a.db.UserByLogin(ctx, login)
	if err != nil {
		a.close()
		if errors.Is(err, models.ErrNotFound) {
			return nil, nil, fmt.Errorf("--username: no user %q", login)
		}
		return nil, nil, err
	}
	return a, u, nil
}

func adminSetRole(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("admin set-role", io)
	var o options
	o.register(fs, false)
	username := fs.String("username", "", "username or email of the user (required)")
	role := fs.String("role", "", "admin, user or worker (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" || !models.ValidRole(*role) {
		return usageErrorf("--username is required and --role must be admin, user or worker")
	}
	a, u, err := openForUser(ctx, o, io, *username)
	if err != nil {
		return err
	}
	defer a.close()
	if u.IsAdmin() && *role != models.RoleAdmin {
		if n, err := a.db.CountAdmins(ctx); err != nil {
			return err
		} else if n <= 1 {
			return errors.New("this is the last admin: make another user admin first")
		}
	}
	if _, err := a.db.UpdateUser(ctx, u.ID, models.UserUpdate{Role: role}, a.clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "%s is now %s\n", u.Username, *role)
	return cliAudit(ctx, a, io, server.AuditUserRoleChanged, u.ID, map[string]any{"username": u.Username, "from": u.Role, "to": *role})
}

func adminResetPassword(ctx context.Context, args []string, io stdio) error {
	fs := newFlagSet("admin reset-password", io)
	var o options
	o.register(fs, false)
	username := fs.String("username", "", "username or email of the user (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usageErrorf("--username is required")
	}
	a, u, err := openForUser(ctx, o, io, *username)
	if err != nil {
		return err
	}
	defer a.close()
	password, err := readPassword(io.in, io.err)
	if err != nil {
		return err
	}
	if msgs := auth.ValidatePassword(password, auth.Username(u.Username), auth.Email(u.Email)); len(msgs) > 0 {
		return fmt.Errorf("password: %s", strings.Join(msgs, " "))
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := a.db.SetPassword(ctx, u.ID, hash, a.clock.Now(), 0); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "password of %s changed; their sessions and tokens were ended\n", u.Username)
	return cliAudit(ctx, a, io, server.AuditPasswordReset, u.ID, map[string]any{"username": u.Username})
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

// cliAudit records an admin command in the audit log after it succeeded. The
// change is made by then: a failure to record it is reported, with the exit
// status of a failure, so the operator knows the log lacks it.
func cliAudit(ctx context.Context, a *app, io stdio, event string, userID uint64, detail map[string]any) error {
	if err := server.AuditCLI(ctx, a.db, a.clock.Now(), event, "user", userID, detail); err != nil {
		fmt.Fprintln(io.err, "warning: the change is made but the audit log could not record it")
		return err
	}
	return nil
}
