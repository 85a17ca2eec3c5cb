// Package mailpittest gives tests a real SMTP server with an HTTP API:
// Mailpit (https://mailpit.axllent.org). Tests send mail to Server.SMTPAddr
// and read what arrived with Messages, LatestTo and WaitFor.
//
// Start connects to a running Mailpit when both GATEHOUSE_TEST_MAILPIT_SMTP
// (host:port) and GATEHOUSE_TEST_MAILPIT_API (http://host:port) are set;
// otherwise it starts its own mailpit process, found on PATH or in
// $GOBIN / $GOPATH/bin / ~/go/bin, on free loopback ports and stops it when
// the test ends. A missing mailpit fails the test (it is not skipped):
// install it with `go install github.com/axllent/mailpit@v1.33.1`.
//
// A shared Mailpit (from the environment) is seen by every test at once, so
// give each test its own recipient addresses and read with LatestTo/WaitFor
// rather than counting all messages or calling DeleteAll.
package mailpittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables naming an already running Mailpit.
const (
	EnvSMTP = "GATEHOUSE_TEST_MAILPIT_SMTP" // e.g. 127.0.0.1:1025
	EnvAPI  = "GATEHOUSE_TEST_MAILPIT_API"  // e.g. http://127.0.0.1:8025
)

// ErrNotFound is returned by LatestTo when no message matches.
var ErrNotFound = errors.New("mailpit: no such message")

// Server is a reachable Mailpit.
type Server struct {
	SMTPAddr string // host:port of the SMTP listener (no TLS; any credentials accepted when started here)
	APIURL   string // base URL of the HTTP API, without a trailing slash
	client   *http.Client
}

// Address is a mailbox as Mailpit reports it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is one entry of the message list.
type Summary struct {
	ID      string    `json:"ID"`
	From    *Address  `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Created time.Time `json:"Created"`
	Snippet string    `json:"Snippet"`
}

// Message is a full message with its bodies.
type Message struct {
	ID      string    `json:"ID"`
	From    *Address  `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Date    time.Time `json:"Date"`
	// Username is the SMTP AUTH user the sender logged in as ("" = none).
	Username string `json:"Username"`
	Text     string `json:"Text"`
	HTML     string `json:"HTML"`
}

var linkRE = regexp.MustCompile(`https?://[^\s"'<>]+`)

// Links returns the http(s) URLs in the text body, in order.
func (m Message) Links() []string { return linkRE.FindAllString(m.Text, -1) }

// Start returns a Mailpit for t: the one named by the environment, or a new
// process that is stopped when t ends. It fails t when neither works.
func Start(t testing.TB) *Server {
	t.Helper()
	smtpAddr, apiURL := os.Getenv(EnvSMTP), os.Getenv(EnvAPI)
	if smtpAddr != "" || apiURL != "" {
		if smtpAddr == "" || apiURL == "" {
			t.Fatalf("mailpittest: set both %s and %s, or neither", EnvSMTP, EnvAPI)
		}
		s := newServer(smtpAddr, apiURL)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.waitReady(ctx); err != nil {
			t.Fatalf("mailpittest: Mailpit from %s/%s: %v", EnvSMTP, EnvAPI, err)
		}
		return s
	}
	bin, err := findBinary()
	if err != nil {
		t.Fatalf("mailpittest: %v", err)
	}
	smtpPort, err := freePort()
	if err != nil {
		t.Fatalf("mailpittest: %v", err)
	}
	httpPort, err := freePort()
	if err != nil {
		t.Fatalf("mailpittest: %v", err)
	}
	s := newServer(net.JoinHostPort("127.0.0.1", strconv.Itoa(smtpPort)),
		"http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)))
	out := &syncBuffer{}
	cmd := exec.Command(bin,
		"--smtp", s.SMTPAddr,
		"--listen", strings.TrimPrefix(s.APIURL, "http://"),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--disable-version-check",
		"--quiet",
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("mailpittest: start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- s.waitReady(ctx) }()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("mailpittest: %s did not become ready: %v\n%s", bin, err, out.String())
		}
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("mailpittest: %s exited early: %v\n%s", bin, err, out.String())
	}
	return s
}

func newServer(smtpAddr, apiURL string) *Server {
	return &Server{
		SMTPAddr: smtpAddr,
		APIURL:   strings.TrimRight(apiURL, "/"),
		client:   &http.Client{Timeout: 10 * time.Second},
	}
}

// SMTPHostPort splits SMTPAddr for configurations that want them apart.
func (s *Server) SMTPHostPort() (string, int) {
	host, port, _ := net.SplitHostPort(s.SMTPAddr)
	p, _ := strconv.Atoi(port)
	return host, p
}

// Messages lists the stored messages, newest first (up to 1000).
func (s *Server) Messages(ctx context.Context) ([]Summary, error) {
	var res struct {
		Messages []Summary `json:"messages"`
	}
	if err := s.get(ctx, "/api/v1/messages?limit=1000", &res); err != nil {
		return nil, err
	}
	return res.Messages, nil
}

// SearchTo lists the messages addressed to addr, newest first.
func (s *Server) SearchTo(ctx context.Context, addr string) ([]Summary, error) {
	var res struct {
		Messages []Summary `json:"messages"`
	}
	q := url.Values{"query": {`to:"` + addr + `"`}, "limit": {"1000"}}
	if err := s.get(ctx, "/api/v1/search?"+q.Encode(), &res); err != nil {
		return nil, err
	}
	// The search matches substrings; keep exact recipients only.
	out := res.Messages[:0]
	for _, m := range res.Messages {
		for _, to := range m.To {
			if strings.EqualFold(to.Address, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out, nil
}

// Message returns the full message with that ID ("latest" for the newest).
func (s *Server) Message(ctx context.Context, id string) (Message, error) {
	var m Message
	if err := s.get(ctx, "/api/v1/message/"+url.PathEscape(id), &m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// LatestTo returns the newest message addressed to addr, or ErrNotFound.
func (s *Server) LatestTo(ctx context.Context, addr string) (Message, error) {
	list, err := s.SearchTo(ctx, addr)
	if err != nil {
		return Message{}, err
	}
	if len(list) == 0 {
		return Message{}, fmt.Errorf("%w: nothing to %s", ErrNotFound, addr)
	}
	return s.Message(ctx, list[0].ID)
}

// WaitFor polls until at least n messages addressed to addr are stored and
// returns the newest, or fails when ctx ends. Use it after asynchronous sends.
func (s *Server) WaitFor(ctx context.Context, addr string, n int) (Message, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		list, err := s.SearchTo(ctx, addr)
		if err == nil && len(list) >= n {
			return s.Message(ctx, list[0].ID)
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("%w: %d of %d messages to %s arrived", ErrNotFound, len(list), n, addr)
			}
			return Message{}, fmt.Errorf("wait for mail to %s: %w (%v)", addr, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// DeleteAll removes every stored message.
func (s *Server) DeleteAll(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.APIURL+"/api/v1/messages", nil)
	if err != nil {
		return fmt.Errorf("mailpit delete all: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit delete all: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("mailpit delete all: %s: %s", resp.Status, body)
	}
	return nil
}

func (s *Server) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.APIURL+path, nil)
	if err != nil {
		return fmt.Errorf("mailpit GET %s: %w", path, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("mailpit GET %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("mailpit GET %s: %w", path, ErrNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("mailpit GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("mailpit GET %s: decode: %w", path, err)
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	var last error
	for {
		var info map[string]any
		if last = s.get(ctx, "/api/v1/info", &info); last == nil {
			conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.SMTPAddr)
			if err == nil {
				_ = conn.Close()
				return nil
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func findBinary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, d := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "mailpit")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("mailpit not found on PATH or in %s; install it with `go install github.com/axllent/mailpit@v1.33.1`, or set %s and %s to a running Mailpit",
		strings.Join(dirs, ", "), EnvSMTP, EnvAPI)
}

// syncBuffer collects the process output; the exec package writes it from
// its own goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
