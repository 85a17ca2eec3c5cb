package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// spaFile is one file of the built UI, held in memory.
type spaFile struct {
	body        []byte
	contentType string
	etag        string
	immutable   bool
}

// spaFiles is the built UI keyed by URL path ("/index.html", "/assets/...").
// Lookups never touch a file system, so no request path can escape it.
type spaFiles struct {
	files map[string]*spaFile
	index *spaFile
}

func loadSPA(root fs.FS) (*spaFiles, error) {
	s := &spaFiles{files: map[string]*spaFile{}}
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files["/"+p] = &spaFile{
			body:        body,
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
			// Vite names everything under assets/ by content hash.
			immutable: strings.HasPrefix(p, "assets/"),
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load embedded UI: %w", err)
	}
	s.index = s.files["/index.html"]
	if s.index == nil {
		return nil, fmt.Errorf("load embedded UI: index.html is missing (run `make ui`)")
	}
	return s, nil
}

// serveSPA answers every non-API GET/HEAD: a file of the build when the path
// names one, else index.html so the client-side router can take over.
func (s *Server) serveSPA(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return Errorf(fiber.StatusMethodNotAllowed, "Method not allowed.")
	}
	if s.spa == nil {
		return NotFound("Not found.")
	}
	p := c.Path()
	f, ok := s.spa.files[p]
	if !ok {
		if strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" && !strings.HasSuffix(p, ".html") {
			// A missing hashed asset or file must not turn into HTML.
			return c.Status(fiber.StatusNotFound).SendString("Not found.")
		}
		f = s.spa.index
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderETag, f.etag)
	if f.immutable {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && bytes.Contains([]byte(match), []byte(f.etag)) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(f.body)
}
