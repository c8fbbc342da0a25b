package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

func openPostgres(dsn string) (*DB, error) {
	conns, pgDSN, err := poolSize(dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(pgDSN)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(conns)
	// As many idle as open: a burst of writers must not close and reopen
	// connections (a PostgreSQL connection is a server process).
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redactDSN(dsn), err)
	}
	s := &DB{DB: db, DSN: pgDSN, Dialect: Postgres, writer: make(chan struct{}, conns)}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// poolSize reads the connection pool's size from the DSN's pool_max_conns
// (pgxpool's name for it) and returns the DSN without it, for pgx, which
// would send an unknown key to the server as a setting.
//
// The default is 16, whatever this instance's cores: the pool bounds how
// many transactions the database runs at once, and the database overlaps
// them (one WAL flush for several commits, one backend's round trip while
// another computes), which the instance's cores say nothing of. Writers
// queue for a connection first come, first served (DB.writer), so a larger
// pool no longer leaves some of them waiting many turns. On a 2-core VM
// running the cloud and PostgreSQL, 4 → 16 connections took 16 writers'
// binds from 3 400 to 4 900/s and addTask from 6 500 to 9 700/s, and 64
// mixed clients' p99 from 34 to 20 ms; 32 added little (BENCHMARKS.md).
// Six instances of 16 stay under PostgreSQL's default max_connections of
// 100; more instances take a smaller pool_max_conns.
const defaultPoolSize = 16

func poolSize(dsn string) (int, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return 0, "", fmt.Errorf("postgres: %s is not a postgres://… URL: %w", redactDSN(dsn), err)
	}
	q := u.Query()
	raw := q.Get("pool_max_conns")
	if raw == "" {
		return defaultPoolSize, dsn, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1000 {
		return 0, "", fmt.Errorf("postgres: pool_max_conns=%q: give a number of connections from 1 to 1000", raw)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return n, u.String(), nil
}

// retryable reports whether a PostgreSQL transaction failed only because
// another one overlapped it (serialization failure, deadlock), so that
// running it again can succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// uniqueViolation reports whether a PostgreSQL statement failed on a
// unique key.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// redactDSN hides a password in a connection string for error messages.
func redactDSN(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "postgres://…"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// rebindConnector hands out pgx connections whose queries have their "?"
// placeholders rewritten to PostgreSQL's $n.
type rebindConnector struct{ inner driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &rebindConn{conn.(*stdlib.Conn)}, nil
}

func (c rebindConnector) Driver() driver.Driver { return c.inner.Driver() }

// rebindConn is a pgx connection that speaks "?" placeholders. Every other
// method (transactions, ping, session reset, argument checks) is pgx's own.
type rebindConn struct{ *stdlib.Conn }

func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(Rebind(query))
}

func (c *rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, Rebind(query))
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, Rebind(query), args)
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, Rebind(query), args)
}

// CheckNamedValue stores a Go bool as the integer 1 or 0, as SQLite does:
// the schema keeps flags in integer columns on both engines.
func (c *rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		if b {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
	}
	return c.Conn.CheckNamedValue(nv)
}

// Rebind rewrites the "?" placeholders of query to PostgreSQL's $1, $2, …
// in order. A "?" inside a string literal ('…', with ” as an escaped
// quote), a quoted identifier ("…"), a dollar-quoted string ($tag$…$tag$)
// or a comment (-- … and /* … */) is text, not a placeholder, and is left
// alone.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
		case c == '\'' || c == '"':
			// A quoted run ends at the next unpaired quote; a doubled
			// quote inside is an escaped one and is copied with the rest.
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			b.WriteString(query[i:j])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end
		case c == '$':
			// $tag$ … $tag$ (tag may be empty); a $ followed by a digit is
			// already a PostgreSQL placeholder and is copied as is.
			j := i + 1
			for j < len(query) && (query[j] == '_' || isAlnum(query[j])) {
				j++
			}
			if j < len(query) && query[j] == '$' && (j == i+1 || !isDigit(query[i+1])) {
				tag := query[i : j+1]
				k := strings.Index(query[j+1:], tag)
				end := len(query)
				if k >= 0 {
					end = j + 1 + k + len(tag)
				}
				b.WriteString(query[i:end])
				i = end
				continue
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}
