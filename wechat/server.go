package wechat

import (
	"net/http"
)

// Paths the Server serves.
const (
	PathCallback   = "/wechat"     // the official account's callback URL
	PathPush       = "/push"       // the data-push endpoint
	PathDeliveries = "/deliveries" // the record of deliveries
	PathWS         = "/ws"         // H5 pages' alert channel
	PathWSToken    = "/ws-token"   // tokens for that channel
)

// ServerConfig configures a Server.
type ServerConfig struct {
	Callback CallbackConfig
	Push     PushConfig
}

// Server is the whole bridge backend on one mux.
type Server struct {
	Bridge   *Bridge
	Callback *Callback
	Push     *Pusher
	mux      *http.ServeMux
}

// NewServer builds the callback handler and the pusher for b.
func NewServer(b *Bridge, cfg ServerConfig) (*Server, error) {
	cb, err := NewCallback(b, cfg.Callback)
	if err != nil {
		return nil, err
	}
	p, err := NewPusher(b, cfg.Push)
	if err != nil {
		return nil, err
	}
	s := &Server{Bridge: b, Callback: cb, Push: p, mux: http.NewServeMux()}
	s.mux.Handle(PathCallback, cb)
	s.mux.HandleFunc(PathPush, p.ServePush)
	s.mux.HandleFunc(PathDeliveries, p.ServeDeliveries)
	s.mux.HandleFunc(PathWS, p.ServeWS)
	s.mux.HandleFunc(PathWSToken, p.ServeWSToken)
	s.mux.HandleFunc(PathPage, PageHandler(b.Lang()))
	return s, nil
}

// Handler returns the mux.
func (s *Server) Handler() http.Handler { return s.mux }

// Close closes the pages' channels, waits for their goroutines (at most
// about closeWait: peers that do not answer the close are dropped) and for
// pushes still being handled. The HTTP server itself is the caller's to
// shut down (first, so that no new work arrives); its Shutdown does not
// wait for the WebSocket connections, which it no longer tracks once they
// are hijacked, and this does.
func (s *Server) Close() {
	s.Push.Close()
	s.Callback.Wait()
}
