package server

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse/gatehouse/models"
)

// metrics is the server's own Prometheus registry (never the global one, so
// several servers can live in one test process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// series remembers the counter and histogram of each route, method and
	// status seen, so a request does not hash and validate its labels again.
	// It holds no more entries than the vectors themselves.
	mu     sync.RWMutex
	series map[seriesKey]*routeSeries
}

type seriesKey struct {
	route, method string
	status        int
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(db *models.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), series: map[seriesKey]*routeSeries{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_http_requests_total",
		Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_http_request_duration_seconds",
		Help:    "HTTP request latency by route and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if sqlDB, err := db.DB.DB(); err == nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(sqlDB, string(db.Dialect)))
	}
	return m
}

func (m *metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	route := c.Route().Path
	if route == "" || route == "/" && c.Path() != "/" {
		route = "spa"
	}
	rs := m.seriesFor(seriesKey{route: route, method: c.Method(), status: c.Response().StatusCode()})
	rs.requests.Inc()
	rs.latency.Observe(time.Since(start).Seconds())
	return err
}

func (m *metrics) seriesFor(k seriesKey) *routeSeries {
	m.mu.RLock()
	rs, ok := m.series[k]
	m.mu.RUnlock()
	if ok {
		return rs
	}
	// Fiber's strings may point into its reused buffers: keep copies.
	k.route, k.method = strings.Clone(k.route), strings.Clone(k.method)
	rs = &routeSeries{
		requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
		latency:  m.latency.WithLabelValues(k.route, k.method),
	}
	m.mu.Lock()
	if prev, ok := m.series[k]; ok {
		rs = prev
	} else {
		m.series[k] = rs
	}
	m.mu.Unlock()
	return rs
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}
