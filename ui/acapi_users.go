package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"acconsole/acapi"
	"acconsole/models"
)

func (x *clientAPI) CountUsers(ctx context.Context) (int64, error) {
	return x.c.Account().GetAccountCount(ctx)
}

func (x *clientAPI) ListUsers(ctx context.Context, afterID int64, limit int) ([]models.User, error) {
	return x.c.Account().ListAccountsAfter(ctx, afterID, limit)
}

// FindUser tries the query as the user page writes it: "provider:openid",
// an email, a phone (with or without +86, spaces or dashes), a user id,
// and finally a bare WeChat OpenID, in the order that is least ambiguous.
func (x *clientAPI) FindUser(ctx context.Context, q string) (models.User, error) {
	q = strings.TrimSpace(q)
	acc := x.c.Account()
	if q == "" {
		return models.User{}, errorf("empty search")
	}
	if !strings.Contains(q, "@") {
		if prov, oid, ok := acapi.SplitOpenID(q); ok {
			u, err := acc.GetUserByOpenID(ctx, prov, oid, "")
			if err != nil {
				return models.User{}, err
			}
			return acc.GetAccountInfo(ctx, u.UserID)
		}
	}
	if strings.Contains(q, "@") {
		id, err := acc.GetIDByAccount(ctx, q)
		if err != nil {
			return models.User{}, err
		}
		return acc.GetAccountInfo(ctx, id)
	}
	forms := acapi.PhoneForms(q)
	for _, f := range forms {
		id, err := acc.GetIDByAccount(ctx, f)
		if err == nil {
			return acc.GetAccountInfo(ctx, id)
		}
		if !errors.Is(err, acapi.ErrNotFound) && acapi.Code(err) != models.ErrInvalidPhone {
			return models.User{}, err
		}
	}
	if isDigits(q) {
		if id, err := strconv.ParseInt(q, 10, 64); err == nil {
			u, err := acc.GetAccountInfo(ctx, id)
			if err == nil || !errors.Is(err, acapi.ErrNotFound) {
				return u, err
			}
		}
		what := "no user has the id " + q
		if forms != nil {
			what = "no user has the id or the phone " + q
		}
		return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: what, Service: "zc-account", Method: "getAccountInfo"}
	}
	if forms != nil {
		return models.User{}, &acapi.Error{Code: models.ErrAccountAbsent, Message: "no user has the phone " + q, Service: "zc-account", Method: "getIdByAccount"}
	}
	u, err := acc.GetUserByOpenID(ctx, "weixin", q, "")
	if err == nil {
		return acc.GetAccountInfo(ctx, u.UserID)
	}
	return models.User{}, err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (x *clientAPI) UserDetail(ctx context.Context, id int64) (UserDetail, error) {
	var d UserDetail
	var err error
	if d.User, err = x.c.Account().GetAccountInfo(ctx, id); err != nil {
		return d, err
	}
	as := x.c.As(id)
	if d.Profile, err = as.Account().GetUserProfile(ctx); err != nil {
		return d, err
	}
	if d.OpenIDs, err = as.Account().ListAllOpenIDs(ctx); err != nil {
		return d, err
	}
	d.Homes, err = as.Home().ListHomes(ctx)
	return d, err
}

func (x *clientAPI) Outbox(ctx context.Context, limit int) ([]OutboxEntry, error) {
	msgs, err := x.c.Account().ListSMSOutbox(ctx, limit)
	out := make([]OutboxEntry, len(msgs))
	for i, m := range msgs {
		t, _ := time.ParseInLocation(models.TimeLayout, m.SentAt, time.UTC)
		out[i] = OutboxEntry{Account: m.Account, Code: m.Code, Template: m.Template, SentAt: t}
	}
	return out, err
}

func (x *clientAPI) SetUserProfile(ctx context.Context, userID int64, key string, value any) error {
	return x.c.As(userID).Account().SetUserProfile(ctx, map[string]any{key: value})
}

func (x *clientAPI) SendVerifyCode(ctx context.Context, account string) error {
	return x.c.Account().SendVerifyCode(ctx, account, 1, 0)
}

// BindPhone sets a user's phone with the verify code the user received;
// under the developer's signature the password may be empty (PROTOCOL Q9).
func (x *clientAPI) BindPhone(ctx context.Context, userID int64, phone, code string) error {
	return x.c.As(userID).Account().ChangePhone(ctx, phone, "", code)
}
