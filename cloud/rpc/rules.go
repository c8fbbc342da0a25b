package rpc

import (
	"context"
	"sort"

	"acconsole/models"
)

// Rule is the authorization rule of a method: whose things it may reach
// once the caller is authenticated (Auth says how the caller proves who
// they are). Every registered method declares one in its registration row;
// the authorization matrix test reads the rows and holds each method to its
// rule, and a row without a rule fails that test.
type Rule int

const (
	// RuleUndeclared is the zero value: a row that forgot its rule.
	RuleUndeclared Rule = iota
	// RulePublic: anyone, signed or not; the method names no user's
	// resources (login, register, verify codes).
	RulePublic
	// RuleSelf: the acting user's own account and own lists; the method
	// takes no other user's resource id, so there is nothing of A that B
	// could name. A developer must name the user (X-Zc-User-Id).
	RuleSelf
	// RuleBound: a resource id (device, gateway, home, room, task) the
	// acting user is bound to or a member of; anyone else gets the same
	// answer as for an id that does not exist. With AuthAny a developer
	// without a user reaches every resource of the domain; with AuthUser
	// the developer must name the user.
	RuleBound
	// RuleOwner: as RuleBound, and ordinary users of the resource are
	// refused too (3821/3005).
	RuleOwner
	// RuleDeveloper: developer signature only, with or without an acting
	// user; a user signature gets 3005, an unsigned call 3001.
	RuleDeveloper
	// RuleSigned: any signed caller gets an answer about any resource of
	// the domain; Why says why that is safe.
	RuleSigned
	// RuleBearer: whoever holds the named secret (a share code) may act;
	// a wrong or unknown secret gets the same answer however it is wrong.
	RuleBearer
	// RuleRefresh: the user's refresh-token signature (updateAccessToken).
	RuleRefresh
)

var ruleNames = [...]string{"undeclared", "public", "self", "bound", "owner", "developer", "signed", "bearer", "refresh"}

func (r Rule) String() string {
	if r < 0 || int(r) >= len(ruleNames) {
		return "rule?"
	}
	return ruleNames[r]
}

// Row is one name of the dispatch table.
type Row struct {
	Service string
	Version int
	Name    string
	Method  Method
}

// Rows lists every registered name (aliases included), sorted by service,
// version and name.
func (r *Registry) Rows() []Row {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Row
	for svc, vs := range r.services {
		for v, ms := range vs {
			for n, m := range ms {
				out = append(out, Row{Service: svc, Version: v, Name: n, Method: m})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Name < b.Name
	})
	return out
}

// Users is what the router asks about acting users; the account service
// implements it. When the Tokens given to NewHandler implement it, a
// developer signature that names a user (X-Zc-User-Id) must name one that
// exists in the call's major domain (3501).
type Users interface {
	UserExists(ctx context.Context, domainID, userID int64) (bool, error)
}

// checkActingUser applies the rules every method shares about
// X-Zc-User-Id, after authentication: an id must be a positive number (a
// user id is never 0 or negative; 0 means "no user" and is read as
// absent), and a developer acting for a user must name one that exists.
// Anonymous methods ignore a header they have no use for.
func (h *Handler) checkActingUser(c *Call) error {
	if c.UserID == 0 {
		return nil
	}
	anonymous := c.Developer == nil && !c.UserSigned
	if anonymous {
		if c.UserID < 0 {
			c.UserID = 0
		}
		return nil
	}
	if c.UserID < 0 {
		return Errorf(models.ErrBadHeader, "X-Zc-User-Id must be a positive user id (got %d)", c.UserID)
	}
	if c.Developer == nil || c.UserSigned {
		return nil
	}
	us, ok := h.tokens.(Users)
	if !ok {
		return nil
	}
	exists, err := us.UserExists(c.Ctx, c.MajorDomain.ID, c.UserID)
	if err != nil {
		return err
	}
	if !exists {
		return Errorf(models.ErrAccountAbsent, "X-Zc-User-Id names user %d, who does not exist in major domain %q", c.UserID, c.MajorDomain.Name)
	}
	c.UserChecked = true
	return nil
}
