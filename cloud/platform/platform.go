// Package platform keeps the local cloud's developers, major domains and
// products (sub-domains), and answers the router's authentication questions
// from memory: they are read on every request and change rarely.
package platform

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

func init() {
	store.Register(store.Migration{Component: "platform", Version: 1, SQL: `
CREATE TABLE domains (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	developer_id INTEGER NOT NULL
);
CREATE TABLE developers (
	id INTEGER PRIMARY KEY,
	access_key TEXT NOT NULL UNIQUE,
	secret_key TEXT NOT NULL,
	domain_id INTEGER NOT NULL,
	name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sub_domains (
	id INTEGER PRIMARY KEY,
	domain_id INTEGER NOT NULL REFERENCES domains(id),
	name TEXT NOT NULL,
	product TEXT NOT NULL DEFAULT '{}',
	UNIQUE (domain_id, name)
);`})
}

// Platform is the directory of developers, domains and products.
type Platform struct {
	db *store.DB

	mu         sync.RWMutex
	developers map[int64]rpc.Developer
	domains    map[string]rpc.Domain
	domainByID map[int64]rpc.Domain
	subs       map[int64]map[string]rpc.SubDomain // domain id → name → product
	products   map[int64]models.Product           // sub-domain id → product
}

// Open loads the directory from db.
func Open(ctx context.Context, db *store.DB) (*Platform, error) {
	p := &Platform{db: db}
	return p, p.reload(ctx)
}

func (p *Platform) reload(ctx context.Context) error {
	developers := map[int64]rpc.Developer{}
	domains := map[string]rpc.Domain{}
	domainByID := map[int64]rpc.Domain{}
	subs := map[int64]map[string]rpc.SubDomain{}
	products := map[int64]models.Product{}
	rows, err := p.db.QueryContext(ctx, `SELECT id, name, developer_id FROM domains`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d rpc.Domain
		if err := rows.Scan(&d.ID, &d.Name, &d.DeveloperID); err != nil {
			rows.Close()
			return err
		}
		domains[d.Name], domainByID[d.ID] = d, d
	}
	rows.Close()
	rows, err = p.db.QueryContext(ctx, `SELECT id, access_key, secret_key, domain_id FROM developers`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d rpc.Developer
		if err := rows.Scan(&d.ID, &d.AccessKey, &d.SecretKey, &d.DomainID); err != nil {
			rows.Close()
			return err
		}
		developers[d.ID] = d
	}
	rows.Close()
	rows, err = p.db.QueryContext(ctx, `SELECT id, domain_id, name, product FROM sub_domains`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s rpc.SubDomain
		var raw string
		if err := rows.Scan(&s.ID, &s.DomainID, &s.Name, &raw); err != nil {
			return err
		}
		if subs[s.DomainID] == nil {
			subs[s.DomainID] = map[string]rpc.SubDomain{}
		}
		subs[s.DomainID][s.Name] = s
		var prod models.Product
		_ = json.Unmarshal([]byte(raw), &prod)
		prod.SubDomainID = fmt.Sprint(s.ID)
		prod.SubDomainName = s.Name
		prod.DomainID = fmt.Sprint(s.DomainID)
		prod.DomainName = domainByID[s.DomainID].Name
		products[s.ID] = prod
	}
	p.mu.Lock()
	p.developers, p.domains, p.domainByID, p.subs, p.products = developers, domains, domainByID, subs, products
	p.mu.Unlock()
	return rows.Err()
}

// Developer implements rpc.Directory.
func (p *Platform) Developer(_ context.Context, id int64) (rpc.Developer, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	d, ok := p.developers[id]
	return d, ok
}

// DomainByName implements rpc.Directory.
func (p *Platform) DomainByName(_ context.Context, name string) (rpc.Domain, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	d, ok := p.domains[name]
	return d, ok
}

// DefaultDomain is the domain used when a request names none: the only one,
// or the one with the lowest id.
func (p *Platform) DefaultDomain(_ context.Context) (rpc.Domain, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var best rpc.Domain
	found := false
	for _, d := range p.domainByID {
		if !found || d.ID < best.ID {
			best, found = d, true
		}
	}
	return best, found
}

// SubDomain implements rpc.Directory.
func (p *Platform) SubDomain(_ context.Context, domainID int64, name string) (rpc.SubDomain, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s, ok := p.subs[domainID][name]
	return s, ok
}

// SubDomainByID finds a product by its numeric id.
func (p *Platform) SubDomainByID(id int64) (rpc.SubDomain, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, m := range p.subs {
		for _, s := range m {
			if s.ID == id {
				return s, true
			}
		}
	}
	return rpc.SubDomain{}, false
}

// Product returns the product record of a sub-domain id.
func (p *Platform) Product(subDomainID int64) (models.Product, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	pr, ok := p.products[subDomainID]
	return pr, ok
}

// Products lists the products of a domain, by name.
func (p *Platform) Products(domainID int64) []models.Product {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []models.Product
	for _, s := range p.subs[domainID] {
		out = append(out, p.products[s.ID])
	}
	sortProducts(out)
	return out
}

// Developers lists every developer.
func (p *Platform) Developers() []rpc.Developer {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]rpc.Developer, 0, len(p.developers))
	for _, d := range p.developers {
		out = append(out, d)
	}
	return out
}

// DomainByID finds a domain by id.
func (p *Platform) DomainByID(id int64) (rpc.Domain, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	d, ok := p.domainByID[id]
	return d, ok
}

// EnsureDomain creates the major domain name with a first developer when it
// does not exist yet, and returns the developer.
func (p *Platform) EnsureDomain(ctx context.Context, name string) (rpc.Developer, rpc.Domain, error) {
	if d, ok := p.DomainByName(ctx, name); ok {
		dev, ok := p.Developer(ctx, d.DeveloperID)
		if !ok {
			return rpc.Developer{}, d, fmt.Errorf("domain %q has no developer", name)
		}
		return dev, d, nil
	}
	var dev rpc.Developer
	var dom rpc.Domain
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO domains(name, developer_id) VALUES (?, 0)`, name)
		if err != nil {
			return err
		}
		dom.ID, _ = res.LastInsertId()
		dom.Name = name
		dev, err = insertDeveloper(ctx, tx, dom.ID)
		if err != nil {
			return err
		}
		dom.DeveloperID = dev.ID
		_, err = tx.ExecContext(ctx, `UPDATE domains SET developer_id=? WHERE id=?`, dev.ID, dom.ID)
		return err
	})
	if err != nil {
		return rpc.Developer{}, rpc.Domain{}, err
	}
	return dev, dom, p.reload(ctx)
}

// AddDeveloper creates another key pair for a domain.
func (p *Platform) AddDeveloper(ctx context.Context, domainID int64) (rpc.Developer, error) {
	var dev rpc.Developer
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		dev, err = insertDeveloper(ctx, tx, domainID)
		return err
	})
	if err != nil {
		return dev, err
	}
	return dev, p.reload(ctx)
}

func insertDeveloper(ctx context.Context, tx *sql.Tx, domainID int64) (rpc.Developer, error) {
	dev := rpc.Developer{AccessKey: randomKey(32), SecretKey: randomKey(32), DomainID: domainID}
	res, err := tx.ExecContext(ctx, `INSERT INTO developers(access_key, secret_key, domain_id) VALUES (?, ?, ?)`, dev.AccessKey, dev.SecretKey, domainID)
	if err != nil {
		return dev, err
	}
	dev.ID, _ = res.LastInsertId()
	return dev, nil
}

// EnsureProduct creates or updates a product of a domain.
func (p *Platform) EnsureProduct(ctx context.Context, domainID int64, prod models.Product) (rpc.SubDomain, error) {
	name := strings.TrimSpace(prod.SubDomainName)
	if name == "" {
		return rpc.SubDomain{}, fmt.Errorf("product needs a sub-domain name")
	}
	raw, _ := json.Marshal(prod)
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sub_domains(domain_id, name, product) VALUES (?, ?, ?)
			ON CONFLICT(domain_id, name) DO UPDATE SET product=excluded.product`, domainID, name, string(raw))
		return err
	})
	if err != nil {
		return rpc.SubDomain{}, err
	}
	if err := p.reload(ctx); err != nil {
		return rpc.SubDomain{}, err
	}
	s, _ := p.SubDomain(ctx, domainID, name)
	return s, nil
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	return string(b)
}
