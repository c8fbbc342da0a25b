package acapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
)

// cannedTransport answers every request from memory, so a benchmark measures
// the client's own work: signing, encoding, decoding.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"X-Zc-Msg-Name": {"X-Zc-Ack"}, "Content-Type": {"application/x-zc-object"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: r,
	}, nil
}

// BenchmarkClientOverhead: one getAccountInfo without a network.
// Target: under 20 µs and 40 allocations per call.
func BenchmarkClientOverhead(b *testing.B) {
	body := []byte(`{"userId":42,"nickName":"Alice","email":"a@example.com","phone":"13800000001","createTime":"2026-11-28 10:00:00"}`)
	c, err := acapi.New(acapi.Config{Routers: []string{"http://127.0.0.1:1"}, DeveloperID: 1, AccessKey: "ak", SecretKey: "sk",
		MajorDomain: "acme", HTTPClient: &http.Client{Transport: cannedTransport{body}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		u, err := c.Account().GetAccountInfo(ctx, 42)
		if err != nil || u.UserID != 42 {
			b.Fatal(u, err)
		}
	}
}

// The server benchmarks send the same raw request 64 goroutines at a time
// to the local cloud and to a bare net/http JSON handler in the same run.
// Target: the cloud does at least half the bare handler's requests/s.
func BenchmarkServerGetAccountInfo64(b *testing.B) {
	c := cloudtest.Start(b, cloudtest.Options{})
	cl, _ := acapi.New(acapi.Config{Routers: []string{c.URL}, DeveloperID: c.Developer.ID, SecretKey: c.Developer.SecretKey, MajorDomain: c.Domain.Name})
	u, err := cl.Account().RegisterWithOpenID(context.Background(), "weixin", "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"userId":` + strconv.FormatInt(u.UserID, 10) + `}`)
	ts := time.Now().Unix()
	nonce := "abcdEFGH12345678"
	hdr := http.Header{
		"Content-Type":             {"application/x-zc-object"},
		"X-Zc-Major-Domain":        {c.Domain.Name},
		"X-Zc-Developer-Id":        {strconv.FormatInt(c.Developer.ID, 10)},
		"X-Zc-Timestamp":           {strconv.FormatInt(ts, 10)},
		"X-Zc-Timeout":             {"300"},
		"X-Zc-Nonce":               {nonce},
		"X-Zc-Developer-Signature": {acapi.DeveloperSignature(c.Developer.SecretKey, 300, ts, nonce, c.Developer.ID, "getAccountInfo", c.Domain.Name, "")},
	}
	runParallel64(b, c.URL+"/zc-account/v1/getAccountInfo", hdr, body, "X-Zc-Ack")
}

func BenchmarkBareJSONHandler64(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("X-Zc-Msg-Name", "X-Zc-Ack")
		_ = json.NewEncoder(w).Encode(map[string]any{"userId": in["userId"], "nickName": "bench"})
	}))
	defer srv.Close()
	runParallel64(b, srv.URL+"/zc-account/v1/getAccountInfo", http.Header{"Content-Type": {"application/x-zc-object"}}, []byte(`{"userId":1}`), "X-Zc-Ack")
}

func runParallel64(b *testing.B, url string, hdr http.Header, body []byte, wantMsg string) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	b.SetParallelism(max(1, 64/runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header = hdr.Clone()
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Header.Get("X-Zc-Msg-Name") != wantMsg {
				b.Errorf("answer %q", resp.Header.Get("X-Zc-Msg-Name"))
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
