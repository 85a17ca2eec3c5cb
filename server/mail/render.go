package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
)

// SiteName is given to every template as .SiteName.
const SiteName = "Gatehouse"

// Message is one email to one recipient.
type Message struct {
	To      string // one address, e.g. "alice@example.com" or "Alice <alice@example.com>"
	Subject string
	Text    string // plain-text body (always present)
	HTML    string // HTML alternative ("" = text only)
}

//go:embed templates/*.tmpl
var templateFS embed.FS

type pair struct {
	text *texttemplate.Template
	html *htmltemplate.Template // nil when the template has no HTML version
}

// templates holds every parsed template by name; parsing happens at start-up
// so that a broken template fails the first test rather than a user's mail.
var templates = mustParseTemplates()

var funcs = map[string]any{
	"datetime": formatTime,
	"article":  article,
}

func mustParseTemplates() map[string]pair {
	out, err := parseTemplates(templateFS)
	if err != nil {
		panic(err)
	}
	return out
}

func parseTemplates(fsys fs.FS) (map[string]pair, error) {
	names, err := fs.Glob(fsys, "templates/*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("list mail templates: %w", err)
	}
	out := make(map[string]pair, len(names))
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".txt.tmpl")
		txt, err := texttemplate.New(name+".txt.tmpl").Funcs(funcs).Option("missingkey=error").ParseFS(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("parse mail template %s: %w", file, err)
		}
		if txt.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail template %s: no {{define \"subject\"}} block", file)
		}
		p := pair{text: txt}
		htmlFile := "templates/" + name + ".html.tmpl"
		if _, err := fs.Stat(fsys, htmlFile); err == nil {
			p.html, err = htmltemplate.New(name+".html.tmpl").Funcs(funcs).Option("missingkey=error").
				ParseFS(fsys, "templates/_layout.html.tmpl", htmlFile)
			if err != nil {
				return nil, fmt.Errorf("parse mail template %s: %w", htmlFile, err)
			}
		}
		out[name] = p
	}
	return out, nil
}

// TemplateNames lists the templates Render knows, sorted.
func TemplateNames() []string {
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Render fills template name with data and returns the message without a
// recipient (set Message.To before queueing it). Every template also gets
// .SiteName; a key the template uses but data lacks is an error.
//
// Templates and their keys: test {}; verify_email {Username, Link};
// password_reset {Username, Link}; password_changed {Username, When};
// invitation {OrgName, InviterName, Role, Link, ExpiresAt};
// billing_invoice {Name, Number, Kind, Status, Total, Due, Link};
// billing_cancel_notice {Name, Workspace, Plan, EndedOn, Excess []string, DeleteOn, Link};
// billing_cleanup_report {Name, Workspace, Count, Deleted []string, DeletedOn}. When and
// ExpiresAt may be a time.Time or a preformatted string.
func Render(name string, data map[string]any) (Message, error) {
	p, ok := templates[name]
	if !ok {
		return Message{}, fmt.Errorf("mail template %q does not exist (known: %s)", name, strings.Join(TemplateNames(), ", "))
	}
	d := make(map[string]any, len(data)+2)
	d["SiteName"] = SiteName
	for k, v := range data {
		d[k] = v
	}
	var buf bytes.Buffer
	if err := p.text.ExecuteTemplate(&buf, "subject", d); err != nil {
		return Message{}, fmt.Errorf("render subject of mail %s: %w", name, err)
	}
	// A subject is one line: fold any line break a value brought in.
	msg := Message{Subject: strings.Join(strings.Fields(buf.String()), " ")}
	buf.Reset()
	if err := p.text.Execute(&buf, d); err != nil {
		return Message{}, fmt.Errorf("render text of mail %s: %w", name, err)
	}
	msg.Text = strings.TrimLeft(buf.String(), "\n")
	if p.html != nil {
		d["Subject"] = msg.Subject
		buf.Reset()
		if err := p.html.ExecuteTemplate(&buf, "layout", d); err != nil {
			return Message{}, fmt.Errorf("render HTML of mail %s: %w", name, err)
		}
		msg.HTML = buf.String()
	}
	return msg, nil
}

// formatTime shows a time to a reader: UTC, with the zone spelled out.
func formatTime(v any) (string, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format("Monday 2 January 2006 at 15:04 UTC"), nil
	case *time.Time:
		if t == nil {
			return "", fmt.Errorf("datetime: nil time")
		}
		return t.UTC().Format("Monday 2 January 2006 at 15:04 UTC"), nil
	case string:
		return t, nil
	default:
		return "", fmt.Errorf("datetime: want a time.Time or string, got %T", v)
	}
}

// article returns "an" before a vowel sound and "a" otherwise ("an owner",
// "a worker").
func article(v any) string {
	s := strings.ToLower(strings.TrimSpace(fmt.Sprint(v)))
	if s != "" && strings.ContainsRune("aeio", rune(s[0])) {
		return "an"
	}
	return "a"
}
