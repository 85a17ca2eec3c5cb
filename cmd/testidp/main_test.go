package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTestIdPPrintsConfigAndSignsInTheUser(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-email", "ann@corp.example", "-verified=false"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var got info
	if err := json.Unmarshal([]byte(line), &got); err != nil || got.ClientID == "" || got.ClientSecret == "" || !strings.HasPrefix(got.Issuer, "http://127.0.0.1:") {
		t.Fatalf("printed %q (%v)", line, err)
	}
	res, err := http.Get(got.Issuer + "/.well-known/openid-configuration")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("discovery: %v %v", res, err)
	}
	res.Body.Close()
	// An authorization request comes back with a code for the configured user.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {got.ClientID}, "response_type": {"code"}, "scope": {"openid email"}, "state": {"s"}, "redirect_uri": {"http://127.0.0.1:9/cb"}}
	res, err = client.Get(got.Issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	code := loc.Query().Get("code")
	if res.StatusCode != http.StatusFound || code == "" {
		t.Fatalf("authorize: %d %s", res.StatusCode, loc)
	}
	// The client authenticates with HTTP Basic (client_secret_basic, the
	// first method the discovery document announces).
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:9/cb"}}
	treq, _ := http.NewRequest("POST", got.Issuer+"/token", strings.NewReader(form.Encode()))
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	treq.SetBasicAuth(url.QueryEscape(got.ClientID), url.QueryEscape(got.ClientSecret))
	res, err = http.DefaultClient.Do(treq)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("token: %v %v", res, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	req, _ := http.NewRequest("GET", got.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"email":"ann@corp.example"`) || !strings.Contains(string(body), `"sub":"testidp-ann@corp.example"`) {
		t.Fatalf("userinfo = %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("testidp did not stop")
	}
}
