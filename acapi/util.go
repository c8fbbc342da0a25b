package acapi

import (
	"io"
	"net/http"

	"acconsole/models"
)

func sanitizeHeader(s string) string { return models.SanitizeLine(s) }

// readBody reads a response into one buffer of the announced size when the
// router sends Content-Length, and caps it either way.
func readBody(r *http.Response) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxResponse {
		buf := make([]byte, n)
		_, err := io.ReadFull(r.Body, buf)
		return buf, err
	}
	return io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
}
