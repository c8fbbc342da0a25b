package wxapi

import (
	"context"
	"net/http"
)

// TemplateMessage is a template message (模板消息) to one follower; it is how
// the bridge pushes alerts to a user's WeChat outside the device page.
type TemplateMessage struct {
	ToUser     string                   `json:"touser"`
	TemplateID string                   `json:"template_id"`
	URL        string                   `json:"url,omitempty"`
	Data       map[string]TemplateValue `json:"data"`
}

// TemplateValue fills one {{key.DATA}} slot; Color is like "#173177".
type TemplateValue struct {
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

type templateResponse struct {
	MsgID *flexInt `json:"msgid"`
}

// SendTemplate sends m and returns WeChat's msgid. WeChat rate-limits these
// per account and day, so callers should not use them for chatty data.
func (c *Client) SendTemplate(ctx context.Context, m TemplateMessage) (int64, error) {
	if m.ToUser == "" || m.TemplateID == "" {
		return 0, invalidArg(opTemplateSend, "touser and template_id are required")
	}
	if m.Data == nil {
		// WeChat wants an object, not null.
		m.Data = map[string]TemplateValue{}
	}
	var resp templateResponse
	if err := c.call(ctx, opTemplateSend, http.MethodPost, pathTemplateSend, nil, m, &resp); err != nil {
		return 0, err
	}
	if resp.MsgID == nil {
		return 0, badResponse(opTemplateSend, "no msgid in the response")
	}
	return int64(*resp.MsgID), nil
}
