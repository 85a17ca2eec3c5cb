package auth

import (
	"bufio"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	msgShort    = "This password is too short. It must contain at least 8 characters."
	msgLong     = "This password is too long. It must contain at most 256 characters."
	msgCommon   = "This password is too common."
	msgNumeric  = "This password is entirely numeric."
	msgUsername = "The password is too similar to the username."
	msgEmail    = "The password is too similar to the email address."
	msgFirst    = "The password is too similar to the first name."
	msgLast     = "The password is too similar to the last name."
)

func TestValidatePassword(t *testing.T) {
	john := []Attr{Username("johnsmith"), Email("john.smith@example.com"), FirstName("John"), LastName("Smith")}
	tests := []struct {
		name     string
		password string
		attrs    []Attr
		want     []string
	}{
		{"strong passphrase", "correct horse battery staple", john, nil},
		{"strong mixed", "Vx9#qLm2!tR", john, nil},
		{"no attributes", "Vx9#qLm2!tR", nil, nil},
		{"exactly 8", "Vx9#qLm2", nil, nil},
		{"exactly 256", strings.Repeat("Vx9#qLm2", 32), nil, nil},
		{"7 characters", "Vx9#qLm", nil, []string{msgShort}},
		{"empty", "", nil, []string{msgShort}},
		{"257 characters", strings.Repeat("Vx9#qLm2", 32) + "a", nil, []string{msgLong}},
		{"length counts characters, not bytes", "żółćęśąź", nil, nil},
		{"7 multibyte characters", "żółćęśą", nil, []string{msgShort}},
		{"numeric and common", "12345678", nil, []string{msgCommon, msgNumeric}},
		{"numeric only", "80417326", nil, []string{msgNumeric}},
		{"short, numeric and (short entries ignored)", "123456", nil, []string{msgShort, msgNumeric}},
		{"non-ASCII digits are numeric", "١٢٣٤٥٦٧٨٩", nil, []string{msgNumeric}},
		{"common", "password", nil, []string{msgCommon}},
		{"common, any case", "PassWord", nil, []string{msgCommon}},
		{"common after trimming", "  iloveyou  ", nil, []string{msgCommon}},
		{"common variant", "password123", nil, []string{msgCommon}},
		{"common keyboard walk", "qwertyuiop", nil, []string{msgCommon}},
		{"common leet", "P@ssw0rd", nil, []string{msgCommon}},
		{"common season+year", "Summer2024!", nil, []string{msgCommon}},
		{"similar to username", "johnsmith1", []Attr{Username("johnsmith")}, []string{msgUsername}},
		{"similar to username, case-insensitive", "JohnSmith99", []Attr{Username("johnsmith")}, []string{msgUsername}},
		{"similar to email local part", "john.smith.77", []Attr{Email("john.smith@example.com")}, []string{msgEmail}},
		{"similar to email part", "examplecorp", []Attr{Email("jane@examplecorp.io")}, []string{msgEmail}},
		{"similar to first name", "Christopher~x", []Attr{FirstName("Christopher")}, []string{msgFirst}},
		{"similar to last name", "Kowalski-2", []Attr{LastName("Kowalski")}, []string{msgLast}},
		{"similar to several", "johnsmith1", john, []string{msgUsername, msgEmail}},
		{"similar and short", "smith1", john, []string{msgEmail, msgLast, msgShort}},
		{"similar and common", "michael1", []Attr{FirstName("Michael")}, []string{msgFirst, msgCommon}},
		{"numeric, common, similar", "12345678", []Attr{Username("user12345678")}, []string{msgUsername, msgCommon, msgNumeric}},
		{"short attribute part ignored", "tango-delta-92x", []Attr{Email("t@d.io")}, nil},
		{"empty attribute ignored", "Vx9#qLm2!tR", []Attr{Username(""), Email("")}, nil},
		{"custom attribute label", "acme-corp-42", []Attr{{Name: "organization", Value: "acme-corp"}}, []string{"The password is too similar to the organization."}},
		{"duplicate label reported once", "johnsmith1", []Attr{Username("johnsmith"), Username("john_smith")}, []string{msgUsername}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ValidatePassword(tt.password, tt.attrs...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ValidatePassword(%q) =\n  %q\nwant\n  %q", tt.password, got, tt.want)
			}
		})
	}
}

func TestMatchingCharsLikeDifflib(t *testing.T) {
	// want = sum of block sizes from Python's
	// difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
	tests := []struct {
		a, b string
		want int
	}{
		{"johnsmith1", "johnsmith", 9},
		{"abcd", "bcde", 3},
		{"qabxcd", "abycdf", 4},
		{"private thread", "private_thread", 13},
		{"correct horse battery staple", "alice", 2},
		{"hello world", "world hello", 5},
		{"", "", 0},
		{"abc", "", 0},
		{"tigerlily2024", "lilytiger", 5},
		{"aaaaab", "baaaaa", 5},
		{"nöël", "noel", 2},
	}
	for _, tt := range tests {
		if got := matchingChars([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("matchingChars(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSimilarityBounds(t *testing.T) {
	tests := []struct {
		a, b     string
		min, max float64
	}{
		{"johnsmith1", "johnsmith", 0.947, 0.948}, // exact ratio
		{"abcd", "bcde", 0.75, 0.75},              // exact ratio
		{"", "", 1, 1},
		{"hello world", "world hello", 0, 0.7},               // below threshold
		{strings.Repeat("x", 100000), "johnsmith", 0, 0.001}, // length bound, no quadratic work
		{"abcdefgh", "hgfedcba", 0, 0.7},                     // same letters, reversed: not similar
		{"abcdefghij", "zyxwvutsrq", 0, 0.7},                 // disjoint letters
	}
	for _, tt := range tests {
		got := similarity([]rune(tt.a), []rune(tt.b))
		if got < tt.min || got > tt.max {
			t.Errorf("similarity(%.20q, %q) = %v, want in [%v, %v]", tt.a, tt.b, got, tt.min, tt.max)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	seen := map[string]bool{}
	long := 0
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for line := 1; sc.Scan(); line++ {
		w := sc.Text()
		switch {
		case w == "":
			t.Errorf("line %d: empty", line)
		case w != strings.TrimSpace(w):
			t.Errorf("line %d: %q has surrounding space", line, w)
		case w != strings.ToLower(w):
			t.Errorf("line %d: %q is not lowercase", line, w)
		case seen[w]:
			t.Errorf("line %d: %q duplicated", line, w)
		}
		seen[w] = true
		if utf8.RuneCountInString(w) >= MinPasswordLength {
			long++
			if !IsCommonPassword(w) {
				t.Errorf("line %d: %q not found by IsCommonPassword", line, w)
			}
		}
	}
	if long < 1000 {
		t.Errorf("only %d entries of %d+ characters, want at least 1000", long, MinPasswordLength)
	}
	for _, w := range []string{"123456", "password", "qwerty", "iloveyou", "admin", "welcome", "monkey",
		"dragon", "letmein", "football", "baseball", "sunshine", "princess", "shadow", "master",
		"trustno1", "passw0rd", "qwertyuiop", "1q2w3e4r", "password1", "password123", "abc123"} {
		if !seen[w] {
			t.Errorf("classic %q missing from the list", w)
		}
	}
	for _, w := range []string{"correct horse battery staple", "Vx9#qLm2!tR", "abc123"} {
		if IsCommonPassword(w) {
			t.Errorf("IsCommonPassword(%q) = true", w)
		}
	}
}

func BenchmarkValidatePassword(b *testing.B) {
	attrs := []Attr{Username("johnsmith"), Email("john.smith@example.com"), FirstName("John"), LastName("Smith")}
	for b.Loop() {
		ValidatePassword("correct horse battery staple", attrs...)
	}
}
