package auth

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password policy limits (SPEC §1), counted in characters (Unicode code points).
const (
	MinPasswordLength = 8
	MaxPasswordLength = 256

	// maxSimilarity is the SequenceMatcher-style ratio from which a password
	// counts as too similar to a user attribute (Django's default).
	maxSimilarity = 0.7
)

// Attr is a labelled user attribute the password must not resemble. Name is
// used in the message ("The password is too similar to the <Name>.").
type Attr struct {
	Name  string
	Value string
}

// Username, Email, FirstName and LastName label the usual user attributes.
func Username(v string) Attr  { return Attr{Name: "username", Value: v} }
func Email(v string) Attr     { return Attr{Name: "email address", Value: v} }
func FirstName(v string) Attr { return Attr{Name: "first name", Value: v} }
func LastName(v string) Attr  { return Attr{Name: "last name", Value: v} }

// ValidatePassword checks password against the policy and returns one
// message per failed rule (nil when it passes), in this order: similarity to
// each attribute (one message per attribute), too short, too long, too
// common, entirely numeric. Example:
//
//	msgs := auth.ValidatePassword(pw, auth.Username(u), auth.Email(e))
func ValidatePassword(password string, attrs ...Attr) []string {
	var msgs []string
	seen := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		if seen[a.Name] || !tooSimilar(password, a.Value) {
			continue
		}
		seen[a.Name] = true
		msgs = append(msgs, fmt.Sprintf("The password is too similar to the %s.", a.Name))
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		msgs = append(msgs, fmt.Sprintf("This password is too short. It must contain at least %d characters.", MinPasswordLength))
	}
	if n > MaxPasswordLength {
		msgs = append(msgs, fmt.Sprintf("This password is too long. It must contain at most %d characters.", MaxPasswordLength))
	}
	if IsCommonPassword(password) {
		msgs = append(msgs, "This password is too common.")
	}
	if isNumeric(password) {
		msgs = append(msgs, "This password is entirely numeric.")
	}
	return msgs
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// commonPasswordsFile is a list of well-known common passwords, one per line,
// lowercase. It holds short classics too (123456, qwerty), but only entries
// of at least MinPasswordLength characters can change a verdict, since
// shorter passwords already fail the length rule; loadCommon drops the rest.
//
//go:embed common_passwords.txt
var commonPasswordsFile string

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

func loadCommon() {
	common = make(map[string]struct{}, 12000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		w := strings.ToLower(strings.TrimSpace(sc.Text()))
		if utf8.RuneCountInString(w) >= MinPasswordLength {
			common[w] = struct{}{}
		}
	}
	// The input is an in-memory string of short lines: Scan cannot fail.
}

// IsCommonPassword reports whether password, trimmed and lowercased, is in
// the built-in list of common passwords.
func IsCommonPassword(password string) bool {
	commonOnce.Do(loadCommon)
	_, ok := common[strings.ToLower(strings.TrimSpace(password))]
	return ok
}

// tooSimilar reports whether password resembles value the way Django's
// UserAttributeSimilarityValidator means it: the lowercased password is
// compared with the whole value, with its parts split on non-word
// characters, and (for an email address) with its local part.
func tooSimilar(password, value string) bool {
	if value == "" {
		return false
	}
	pw := []rune(strings.ToLower(password))
	v := strings.ToLower(value)
	parts := strings.FieldsFunc(v, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
	})
	parts = append(parts, v)
	if at := strings.LastIndexByte(v, '@'); at > 0 {
		parts = append(parts, v[:at])
	}
	for _, part := range parts {
		if similarity(pw, []rune(part)) >= maxSimilarity {
			return true
		}
	}
	return false
}

// similarity returns the Ratcliff/Obershelp ratio 2·M/T of a and b (as
// Python's difflib.SequenceMatcher.ratio without junk heuristics), trying
// two cheap upper bounds first so most pairs never reach the O(len·len)
// matching.
func similarity(a, b []rune) float64 {
	total := len(a) + len(b)
	if total == 0 {
		return 1
	}
	// Upper bound 1: matches cannot exceed the shorter length. This also
	// keeps huge passwords from costing quadratic time.
	if bound := 2 * float64(min(len(a), len(b))) / float64(total); bound < maxSimilarity {
		return bound
	}
	// Upper bound 2: matches cannot exceed the multiset intersection.
	if bound := 2 * float64(multisetIntersection(a, b)) / float64(total); bound < maxSimilarity {
		return bound
	}
	return 2 * float64(matchingChars(a, b)) / float64(total)
}

func multisetIntersection(a, b []rune) int {
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	n := 0
	for _, r := range a {
		if avail[r] > 0 {
			avail[r]--
			n++
		}
	}
	return n
}

// matchingChars counts the characters of the Ratcliff/Obershelp matching:
// take the longest common block, then recurse on the pieces to its left and
// to its right.
func matchingChars(a, b []rune) int {
	type span struct{ alo, ahi, blo, bhi int }
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	total := 0
	stack := []span{{0, len(a), 0, len(b)}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, j, k := longestMatch(a, b, s.alo, s.ahi, s.blo, s.bhi, prev, cur)
		if k == 0 {
			continue
		}
		total += k
		if s.alo < i && s.blo < j {
			stack = append(stack, span{s.alo, i, s.blo, j})
		}
		if i+k < s.ahi && j+k < s.bhi {
			stack = append(stack, span{i + k, s.ahi, j + k, s.bhi})
		}
	}
	return total
}

// longestMatch finds the longest common block of a[alo:ahi] and b[blo:bhi],
// the earliest in a (then in b) among equals, like difflib. prev and cur
// are scratch rows of at least len(b)+1 entries.
func longestMatch(a, b []rune, alo, ahi, blo, bhi int, prev, cur []int) (besti, bestj, bestk int) {
	besti, bestj = alo, blo
	clear(prev[blo : bhi+1])
	for i := alo; i < ahi; i++ {
		cur[blo] = 0
		for j := blo; j < bhi; j++ {
			if a[i] != b[j] {
				cur[j+1] = 0
				continue
			}
			k := prev[j] + 1
			cur[j+1] = k
			if k > bestk {
				besti, bestj, bestk = i-k+1, j-k+1, k
			}
		}
		prev, cur = cur, prev
	}
	return besti, bestj, bestk
}
