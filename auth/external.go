package auth

// ExternalIdentity is what an identity provider (OIDC, SAML or a social
// login) vouched for, once every protocol check has passed.
type ExternalIdentity struct {
	// Provider is "oidc:<idp id>", "saml:<idp id>" or "social:<name>"
	// (google, github, amazon-cognito).
	Provider string
	// ProviderName is the display name shown to the user.
	ProviderName string
	// Subject is the provider's stable id for the person (sub, NameID/uid,
	// user id).
	Subject       string
	Email         string
	EmailVerified bool
	// Username is a suggestion; the server makes it valid and unique.
	Username  string
	FirstName string
	LastName  string
}
