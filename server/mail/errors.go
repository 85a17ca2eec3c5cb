package mail

import (
	"errors"
	"net"
	"os"
)

// SMTPError is a failure to talk to the SMTP server at Addr during Op
// ("dial", "connect" for the greeting/STARTTLS/AUTH, or "send"). Its message
// is short enough for a CLI line; Unwrap gives the full cause.
type SMTPError struct {
	Addr string
	Op   string
	Err  error
}

func (e *SMTPError) Error() string { return "smtp " + e.Addr + ": " + e.Op + ": " + brief(e.Err) }

// Unwrap returns the underlying error.
func (e *SMTPError) Unwrap() error { return e.Err }

// dialOp tells a failed TCP connect ("dial") from a failed SMTP handshake.
func dialOp(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "dial"
	}
	return "connect"
}

// brief drops the repetitive parts of network errors: "dial tcp
// 127.0.0.1:2525: connect: connection refused" becomes "connection refused".
func brief(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && op.Err != nil {
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return sys.Err.Error()
		}
		return op.Err.Error()
	}
	return err.Error()
}
