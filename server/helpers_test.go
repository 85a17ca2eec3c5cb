package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
)

func httptestRequest(method, path string) *http.Request {
	return httptest.NewRequest(method, path, nil)
}

type getResult struct {
	status int
	body   string
}

func httpGet(url string) (getResult, error) {
	res, err := http.Get(url)
	if err != nil {
		return getResult{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return getResult{res.StatusCode, string(b)}, err
}

// syncWriter serialises writes from concurrent handlers into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }
