package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func (f *fakeAPI) CountUsers(context.Context) (int64, error) { return int64(len(f.users)), nil }

func (f *fakeAPI) ListUsers(_ context.Context, after int64, lim int) ([]models.User, error) {
	var out []models.User
	for _, u := range f.users {
		if u.UserID > after && len(out) < lim {
			out = append(out, u)
		}
	}
	return out, nil
}

// FindUser answers like the cloud: email, phone (with or without +86),
// "weixin:<openid>" or a bare OpenID (the fake's OpenIDs are "oid-<id>"),
// then a user id.
func (f *fakeAPI) FindUser(_ context.Context, q string) (models.User, error) {
	q = strings.TrimSpace(q)
	if prov, oid, ok := acapi.SplitOpenID(q); ok && !strings.Contains(q, "@") {
		if prov != "weixin" {
			return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Service: "zc-account", Method: "loginWithOpenId"}
		}
		q = oid
	}
	forms := acapi.PhoneForms(q)
	for _, u := range f.users {
		switch {
		case u.Email != "" && strings.EqualFold(u.Email, q),
			u.Phone != "" && slices.Contains(forms, u.Phone),
			fmt.Sprintf("oid-%d", u.UserID) == q:
			return u, nil
		}
	}
	for _, u := range f.users {
		if fmt.Sprint(u.UserID) == q {
			return u, nil
		}
	}
	what := "no user matches " + q
	if _, err := strconv.ParseInt(q, 10, 64); err == nil {
		what = "no user has the id " + q
	}
	return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: what, Service: "zc-account", Method: "getIdByAccount"}
}

func (f *fakeAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	var u models.User
	var err error = &acapi.Error{Code: models.ErrAccountAbsent, Service: "zc-account", Method: "getAccountInfo"}
	for _, x := range f.users {
		if x.UserID == id {
			u, err = x, nil
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return UserDetail{User: u, Homes: []models.Home{{HomeID: 5, Owner: id, Name: "Home"}}}, err
}

func (f *fakeAPI) Outbox(context.Context, int) ([]OutboxEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]OutboxEntry(nil), f.outbox...), nil
}

func (f *fakeAPI) SetUserProfile(_ context.Context, u int64, k string, v any) error {
	return f.write(fmt.Sprintf("user %d %s=%v", u, k, v))
}

// SendVerifyCode works like the cloud's: one code per account, a new
// code replaces the old one, a second send within a minute is refused, and
// the code lands in the outbox.
func (f *fakeAPI) SendVerifyCode(_ context.Context, acc string) error {
	if err := f.write("code to " + acc); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.codes == nil {
		f.codes = map[string]string{}
	}
	for _, e := range f.outbox {
		if e.Account == acc && now.Sub(e.SentAt) < time.Minute {
			return &acapi.Error{Code: models.ErrNotAllowed, Message: "too many verify codes for " + acc + ": wait before asking again", Service: "zc-account", Method: "sendVerifyCode"}
		}
	}
	code := fmt.Sprintf("%06d", 482910+len(f.outbox)*7)
	f.codes[acc] = code
	f.outbox = append(f.outbox, OutboxEntry{Account: acc, Code: code, Template: 1, SentAt: now})
	return nil
}

// BindPhone accepts only the last code sent to the phone.
func (f *fakeAPI) BindPhone(_ context.Context, u int64, phone, code string) error {
	f.mu.Lock()
	want, ok := f.codes[phone]
	f.mu.Unlock()
	if !ok || code != want {
		return &acapi.Error{Code: models.ErrWrongVerifyCode, Message: "wrong verify code", Service: "zc-account", Method: "changePhone"}
	}
	if err := f.write(fmt.Sprintf("phone %d %s", u, phone)); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.codes, phone)
	for i := range f.users {
		if f.users[i].UserID == u {
			f.users[i].Phone = phone
		}
	}
	return nil
}
