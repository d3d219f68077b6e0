package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz answers while the process serves HTTP: a liveness probe.
func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when the app database and the Temporal frontend
// both answer: a readiness probe, so a load balancer sends no one to an
// instance that cannot do its work.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	status, body := http.StatusOK, gin.H{}
	for name, err := range s.Recruit.Ready(ctx) {
		if err != nil {
			s.Log.WarnContext(ctx, "not ready", "dependency", name, "error", err)
			status, body[name] = http.StatusServiceUnavailable, "unavailable"
			continue
		}
		body[name] = "ok"
	}
	c.JSON(status, body)
}
