package ui

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"acconsole/acapi"
	"acconsole/catalog"
	"acconsole/models"
)

// ProductSpec asks the cloud for the product's data points and adds the
// message layouts of package catalog: the cloud has no call that returns
// byte layouts.
func (x *clientAPI) ProductSpec(ctx context.Context, sub string) (ProductSpec, error) {
	spec := ProductSpec{SubDomain: sub, Messages: catalog.Messages(sub)}
	dps, err := x.c.Product().GetSubDomainDataPoints(ctx, sub)
	spec.DataPoints = dps
	if err != nil && (acapi.Code(err) == models.ErrSubDomainAbsent || len(spec.Messages) == 0) {
		return spec, err
	}
	return spec, nil
}

func (x *clientAPI) SendCommand(ctx context.Context, ref DeviceRef, code int, payload []byte, timeout time.Duration) (CommandReply, error) {
	start := time.Now()
	var opts []acapi.SendOption
	if timeout > 0 {
		opts = append(opts, acapi.WithReplyTimeout(timeout))
	}
	r, err := x.as(ref.UserID).Bind().SendToDevice(ctx, ref.SubDomain, ref.DeviceID, "", code, payload, opts...)
	return CommandReply{Code: r.Code, Payload: r.Payload, Elapsed: time.Since(start)}, err
}

func (x *clientAPI) CallService(ctx context.Context, call ServiceCall) (ServiceResult, error) {
	var params map[string]any
	if body := strings.TrimSpace(string(call.Body)); body != "" {
		if err := json.Unmarshal([]byte(body), &params); err != nil {
			return ServiceResult{}, errors.New("the body must be a JSON object: " + err.Error())
		}
	}
	start := time.Now()
	resp, err := x.as(call.UserID).Call(ctx, call.Service, call.Method, params,
		acapi.CallOptions{Version: call.Version, SubDomain: call.SubDomain, Read: call.Read})
	res := ServiceResult{Elapsed: time.Since(start)}
	if err != nil {
		return res, err
	}
	res.Body, res.TraceID = resp.Body, resp.TraceID
	return res, nil
}

func (x *clientAPI) Products(ctx context.Context) ([]models.Product, error) {
	return x.c.Product().GetDomainProducts(ctx)
}
