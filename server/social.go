package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/cognito"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/google"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/auth/authconfig"
)

// socialEndpoints are the GitHub URLs (Google's are fixed in goth; tests
// reach a stub through the HTTP client's transport; Cognito's come from the
// configured domain).
type socialEndpoints struct {
	GitHubAuth, GitHubToken, GitHubProfile, GitHubEmails string
}

var defaultSocialEndpoints = socialEndpoints{
	GitHubAuth:    "https://github.com/login/oauth/authorize",
	GitHubToken:   "https://github.com/login/oauth/access_token",
	GitHubProfile: "https://api.github.com/user",
	GitHubEmails:  "https://api.github.com/user/emails",
}

var socialNames = map[string]string{
	authconfig.SocialGoogle:  "Google",
	authconfig.SocialGitHub:  "GitHub",
	authconfig.SocialCognito: "Amazon Cognito",
}

// socialProvider builds the goth provider for name, or nil when it is not
// configured or social login is off.
func (s *Server) socialProvider(name string) goth.Provider {
	sa := s.external.cfg.SocialAccount
	if !sa.Enabled {
		return nil
	}
	callback := s.cfg.BaseURL + authconfig.SocialCallbackPath(name)
	client := s.external.httpClient
	ep := s.external.social
	switch name {
	case authconfig.SocialGoogle:
		if sa.Google == nil {
			return nil
		}
		p := google.New(sa.Google.ClientID, sa.Google.ClientSecret, callback, "openid", "email", "profile")
		p.HTTPClient = client
		return p
	case authconfig.SocialGitHub:
		if sa.GitHub == nil {
			return nil
		}
		p := github.NewCustomisedURL(sa.GitHub.ClientID, sa.GitHub.ClientSecret, callback,
			ep.GitHubAuth, ep.GitHubToken, ep.GitHubProfile, ep.GitHubEmails, "read:user", "user:email")
		p.HTTPClient = client
		return p
	case authconfig.SocialCognito:
		if sa.AmazonCognito == nil {
			return nil
		}
		a := sa.AmazonCognito
		p := cognito.New(a.ClientID, a.ClientSecret, a.Domain, callback, "openid", "email", "profile")
		p.HTTPClient = client
		return p
	}
	return nil
}

func (s *Server) socialLogin(c *fiber.Ctx) error {
	name := c.Params("provider")
	p := s.socialProvider(name)
	if p == nil {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	flow, err := s.beginExternalFlow(c, "social:"+name, false, false)
	if err != nil {
		return err
	}
	sess, err := p.BeginAuth(flow.State)
	if err != nil {
		return fmt.Errorf("begin %s sign-in: %w", name, err)
	}
	to, err := sess.GetAuthURL()
	if err != nil {
		return fmt.Errorf("begin %s sign-in: %w", name, err)
	}
	return c.Redirect(to, fiber.StatusFound)
}

func (s *Server) socialCallback(c *fiber.Ctx) error {
	name := c.Params("provider")
	p := s.socialProvider(name)
	if p == nil {
		return s.externalLoginError(c, reasonUnknownIdP, "")
	}
	display := socialNames[name]
	flow, err := s.takeExternalFlow(c, "social:"+name, c.Query("state"), true)
	if errors.Is(err, errBadState) {
		return s.externalLoginError(c, reasonBadState, display)
	}
	if err != nil {
		return err
	}
	if e := c.Query("error"); e != "" {
		s.logger(c).Info("social provider refused the sign-in", "provider", name, "error", e)
		return s.externalLoginError(c, reasonAccessDenied, display)
	}
	if c.Query("code") == "" {
		return s.externalLoginError(c, reasonInvalidResponse, display)
	}
	sess, err := p.UnmarshalSession("{}")
	if err != nil {
		return fmt.Errorf("%s session: %w", name, err)
	}
	params := url.Values{}
	params.Set("code", c.Query("code"))
	params.Set("state", c.Query("state"))
	if _, err := sess.Authorize(p, params); err != nil {
		s.logger(c).Warn("social token exchange failed", "provider", name, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, display)
	}
	u, err := p.FetchUser(sess)
	if err != nil {
		s.logger(c).Warn("social user info failed", "provider", name, "err", err)
		return s.externalLoginError(c, reasonIdPUnavailable, display)
	}
	ext := auth.ExternalIdentity{
		Provider: "social:" + name, ProviderName: display, Subject: u.UserID,
		Username: firstNonEmpty(u.NickName, u.Name), FirstName: u.FirstName, LastName: u.LastName,
	}
	switch name {
	case authconfig.SocialGitHub:
		// The profile's public address may be unverified: use the primary,
		// verified one.
		ext.Email, err = s.githubPrimaryEmail(c.UserContext(), u.AccessToken)
		if err != nil {
			s.logger(c).Warn("GitHub email list failed", "err", err)
			return s.externalLoginError(c, reasonIdPUnavailable, display)
		}
		ext.EmailVerified = ext.Email != ""
		if ext.FirstName == "" && u.Name != "" {
			ext.FirstName, ext.LastName, _ = strings.Cut(u.Name, " ")
		}
		ext.Username = u.NickName
	case authconfig.SocialGoogle:
		ext.Email = u.Email
		ext.EmailVerified = rawBool(u.RawData["verified_email"]) || rawBool(u.RawData["email_verified"])
	case authconfig.SocialCognito:
		ext.Email = u.Email
		ext.EmailVerified = rawBool(u.RawData["EmailVerified"])
		if un, _ := u.RawData["Username"].(string); un != "" {
			ext.Username = un
		}
	}
	if ext.Email == "" {
		return s.externalLoginError(c, reasonNoEmail, display)
	}
	return s.finishExternalLogin(c, flow.externalFlow, ext)
}

func rawBool(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}

// githubPrimaryEmail returns the account's primary address when GitHub has
// verified it, else "".
func (s *Server) githubPrimaryEmail(ctx context.Context, token string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, idpTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.external.social.GitHubEmails, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	res, err := s.external.httpClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub answered %d to the email list", res.StatusCode)
	}
	var list []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&list); err != nil {
		return "", fmt.Errorf("read GitHub email list: %w", err)
	}
	for _, e := range list {
		if e.Primary && e.Verified {
			return e.Email, nil
		}
	}
	return "", nil
}
