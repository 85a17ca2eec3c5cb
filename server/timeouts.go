package server

import "time"

// Connection timeouts of the HTTP server. ReadTimeout bounds reading one
// whole request, headers and body, from its first byte: a client that
// trickles its headers (slowloris) is cut off when it runs out, since
// fasthttp sets one deadline for the whole read. WriteTimeout bounds
// writing a response; IdleTimeout bounds the wait for the next request on a
// keep-alive connection.
const (
	ReadTimeout  = 30 * time.Second
	WriteTimeout = 60 * time.Second
	IdleTimeout  = 120 * time.Second
)

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
