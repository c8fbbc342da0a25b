package acapi

import (
	"context"

	"acconsole/models"
)

// CallOptions tune a generic Call.
type CallOptions struct {
	Version   int    // service major version; 0 means 1
	SubDomain string // product; empty uses the client's default
	// Read marks the method as free of side effects: it passes a read-only
	// client and may be retried. Calls without it are treated as writes,
	// because a generic call cannot know what a vendor's method does.
	Read bool
}

// Call is sendToService (PROTOCOL §2.8): a JSON call to any service,
// built-in or the vendor's own (UDS). The answer is returned raw; decode it
// with Response.Decode, which sanitises strings.
func (c *Client) Call(ctx context.Context, service, method string, params map[string]any, opt CallOptions) (*Response, error) {
	return c.Do(ctx, Request{
		Service: service, Version: opt.Version, Method: method,
		SubDomain: opt.SubDomain, Params: params, Mutating: !opt.Read,
	})
}

// call is the typed path used by the service files: it decodes the answer
// into out (when non-nil).
func (c *Client) call(ctx context.Context, req Request, out any) error {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := resp.Decode(out); err != nil {
		return &Error{Code: models.ErrInternal, Message: err.Error(), Service: req.Service, Method: req.Method, TraceID: resp.TraceID}
	}
	return nil
}
