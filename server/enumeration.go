package server

import (
	"context"
	"time"
)

// enumerationFloor is the least time an answer that must not reveal
// whether an account exists takes (password reset, confirmation resend).
// For an existing address those endpoints write a token and queue a mail;
// for an unknown one they do nothing, which a stopwatch would tell apart.
// Padding both answers to the same floor hides the difference.
const enumerationFloor = 250 * time.Millisecond

// answerNoSoonerThan waits until deadline (real time, not the server's
// clock) or until ctx ends. Use with defer at the top of a handler.
func answerNoSoonerThan(ctx context.Context, deadline time.Time) {
	d := time.Until(deadline)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
