// Package redisconn turns a REDIS_URL into a connected go-redis client: a
// single server, a Sentinel-managed primary, a Cluster, or (with no URL) an
// embedded in-memory store for trying the bot out.
package redisconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Mode says which kind of Redis deployment a URL names.
type Mode string

// The deployment kinds a URL can name.
const (
	ModeSingle   Mode = "single"
	ModeSentinel Mode = "sentinel"
	ModeCluster  Mode = "cluster"
)

// Options is a parsed REDIS_URL: exactly one of Single, Failover or Cluster
// is set, as Mode says.
type Options struct {
	Mode     Mode
	Single   *redis.Options
	Failover *redis.FailoverOptions
	Cluster  *redis.ClusterOptions
}

// NewClient builds the client the options describe. It does not connect.
func (o Options) NewClient() redis.UniversalClient {
	switch o.Mode {
	case ModeSentinel:
		return redis.NewFailoverClient(o.Failover)
	case ModeCluster:
		return newClusterClient(o.Cluster)
	default:
		return redis.NewClient(o.Single)
	}
}

// ParseURL parses the accepted REDIS_URL forms:
//
//	redis://[[user]:password@]host[:port][/db][?option=value&...]
//	rediss://...                                   same, over TLS
//	redis+sentinel://[[user]:password@]host1[:port],host2[:port],.../master_name[/db][?option=value&...]
//	rediss+sentinel://...                          same, over TLS
//	redis+cluster://[[user]:password@]host1[:port],host2[:port],...[?option=value&...]
//	rediss+cluster://...                           same, over TLS
//
// The default port is 6379, or 26379 for Sentinel hosts. These query
// options are the bot's own, for every form:
//
//	tls_ca_file=/path/ca.pem   (rediss forms only) trust the servers'
//	                           certificates signed by this PEM CA bundle, in
//	                           addition to the system's (a private CA)
//	tls_server_name=NAME       (rediss forms only) the name the servers'
//	                           certificates must carry, when it is not the
//	                           host dialled
//	cluster_state_reload_interval=1s  (Cluster only) how often the slot map
//	                           is re-read while in use; default 1s. The map
//	                           is also re-read at once when a node cannot
//	                           be reached, so that clicks work again within
//	                           seconds of a failover.
//
// Sentinel needs no such option: the client follows the Sentinels'
// switch-master announcements and asks them again on a failed dial. The user and
// password in the URL authenticate to the Redis servers that hold the data
// (for Sentinel: the primary and replicas, not the Sentinels). Sentinels
// that require their own credentials take the query options
// sentinel_username and sentinel_password. For Sentinel, the primary's name
// may instead be given as ?master_name=NAME and the database as ?db=N.
// A password containing reserved characters (@ : / ? # %) must be
// percent-encoded. Other query options are go-redis's, spelled in snake
// case (dial_timeout=5s, read_timeout=3s, pool_size=20, skip_verify=true,
// ...); an unknown option is an error. A Cluster URL takes no database
// number. Errors name what is wrong but never contain the password.
func ParseURL(raw string) (Options, error) {
	u, err := split(raw)
	if err != nil {
		return Options{}, err
	}
	own, err := takeOwnOptions(&u)
	if err != nil {
		return Options{}, err
	}
	var o Options
	switch u.scheme {
	case "redis", "rediss":
		o, err = parseSingle(u)
	case "redis+sentinel", "rediss+sentinel":
		o, err = parseSentinel(u)
	case "redis+cluster", "rediss+cluster":
		o, err = parseCluster(u)
	default:
		return Options{}, fmt.Errorf("unsupported scheme %q: use redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://", u.scheme)
	}
	if err != nil {
		return Options{}, err
	}
	return own.apply(o)
}

// parts is a URL taken apart by hand, so that the password never reaches a
// library error message and several comma-separated hosts are allowed.
type parts struct {
	scheme   string
	user     string
	password string
	hosts    []string // as written, possibly without a port
	path     []string // non-empty path segments
	query    url.Values
}

func split(raw string) (parts, error) {
	var p parts
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok || scheme == "" {
		return p, errors.New("not a URL: expected a form like redis://host:6379/0")
	}
	p.scheme = strings.ToLower(scheme)
	// The user info ends at the last "@" anywhere, so that a password with
	// an unencoded "/", "?" or "#" never spills into the host or path (and
	// from there into an error message).
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo := rest[:at]
		if queryPassword.MatchString(userinfo) {
			// The "@" is in a query password (or the user info holds a
			// query): which is meant cannot be told, and either reading
			// would spill part of a password into the host list.
			return p, errors.New(`an unencoded "@" after a password option: percent-encode "@" in passwords as %40`)
		}
		rest = rest[at+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		var err error
		if p.user, err = url.PathUnescape(user); err != nil {
			return p, errors.New("invalid percent-encoding in the user name")
		}
		if hasPass {
			if p.password, err = url.PathUnescape(pass); err != nil {
				return p, errors.New("invalid percent-encoding in the password")
			}
		}
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, rawQuery, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	if authority != "" {
		p.hosts = strings.Split(authority, ",")
	}
	for _, seg := range strings.Split(path, "/") {
		if seg != "" {
			p.path = append(p.path, seg)
		}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return p, errors.New("invalid query string: use name=value pairs joined by &")
	}
	p.query = q
	return p, nil
}

// hostPorts checks every host and adds the default port where missing.
func hostPorts(hosts []string, defaultPort string) ([]string, error) {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h == "" {
			return nil, errors.New("empty host in the host list")
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			// No port: a bare name, or a bracketed IPv6 literal.
			host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), defaultPort
			if strings.ContainsAny(host, "[]") {
				return nil, fmt.Errorf("invalid host %q", h)
			}
		}
		if host == "" {
			return nil, fmt.Errorf("invalid host %q: the host name is missing", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid port in host %q", h)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}

// base rebuilds a password-free URL that go-redis's own parsers accept, so
// that every go-redis query option works as documented there.
func base(scheme, host string, path []string, q url.Values) string {
	u := url.URL{Scheme: scheme, Host: host, Path: "/" + strings.Join(path, "/"), RawQuery: q.Encode()}
	return u.String()
}

func tlsScheme(scheme string) string {
	if strings.HasPrefix(scheme, "rediss") {
		return "rediss"
	}
	return "redis"
}

func parseSingle(p parts) (Options, error) {
	if len(p.hosts) > 1 {
		return Options{}, errors.New("several hosts given: use redis+sentinel:// or redis+cluster:// for more than one host")
	}
	host := "localhost:6379"
	if len(p.hosts) == 1 {
		hp, err := hostPorts(p.hosts, "6379")
		if err != nil {
			return Options{}, err
		}
		host = hp[0]
	}
	if len(p.path) > 1 {
		return Options{}, errors.New("invalid path: only a database number may follow the host")
	}
	o, err := redis.ParseURL(base(p.scheme, host, p.path, p.query))
	if err != nil {
		return Options{}, cleanErr(err)
	}
	o.Username, o.Password = p.user, p.password
	return Options{Mode: ModeSingle, Single: o}, nil
}

func parseSentinel(p parts) (Options, error) {
	if len(p.hosts) == 0 {
		return Options{}, errors.New("no Sentinel hosts given: expected redis+sentinel://host1:26379,host2:26379/master_name")
	}
	hosts, err := hostPorts(p.hosts, "26379")
	if err != nil {
		return Options{}, err
	}
	q := cloneQuery(p.query)
	sentinelUser, sentinelPass := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	for _, name := range []string{"username", "password", "addr"} {
		if q.Has(name) {
			return Options{}, fmt.Errorf("unexpected option %q: put credentials in the URL's user info and hosts in its host list", name)
		}
	}
	switch len(p.path) {
	case 0:
	case 1, 2:
		if q.Has("master_name") {
			return Options{}, errors.New("the primary's name is given twice: in the path and as master_name")
		}
		q.Set("master_name", p.path[0])
		if len(p.path) == 2 {
			if q.Has("db") {
				return Options{}, errors.New("the database is given twice: in the path and as db")
			}
			q.Set("db", p.path[1])
		}
	default:
		return Options{}, errors.New("invalid path: expected /master_name or /master_name/db")
	}
	if q.Get("master_name") == "" {
		return Options{}, errors.New("the Sentinel primary's name is missing: expected redis+sentinel://host:26379/master_name")
	}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	o, err := redis.ParseFailoverURL(base(tlsScheme(p.scheme), hosts[0], nil, q))
	if err != nil {
		return Options{}, cleanErr(err)
	}
	o.Username, o.Password = p.user, p.password
	o.SentinelUsername, o.SentinelPassword = sentinelUser, sentinelPass
	return Options{Mode: ModeSentinel, Failover: o}, nil
}

func parseCluster(p parts) (Options, error) {
	if len(p.hosts) == 0 {
		return Options{}, errors.New("no cluster hosts given: expected redis+cluster://host1:6379,host2:6379")
	}
	if len(p.path) > 0 {
		return Options{}, errors.New("a Redis Cluster has no database number: remove the path after the hosts")
	}
	hosts, err := hostPorts(p.hosts, "6379")
	if err != nil {
		return Options{}, err
	}
	q := cloneQuery(p.query)
	if q.Has("addr") {
		return Options{}, errors.New(`unexpected option "addr": list every host before the path, separated by commas`)
	}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	o, err := redis.ParseClusterURL(base(tlsScheme(p.scheme), hosts[0], nil, q))
	if err != nil {
		return Options{}, cleanErr(err)
	}
	if o.TLSConfig != nil && o.TLSConfig.MinVersion == 0 {
		o.TLSConfig.MinVersion = tls.VersionTLS12 // as go-redis sets for the other forms
	}
	o.Username, o.Password = p.user, p.password
	return Options{Mode: ModeCluster, Cluster: o}, nil
}

func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// cleanErr drops go-redis's "redis: " prefix; the URL it parsed holds no
// password, so its message is safe to show.
func cleanErr(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "redis: "))
}

// Redact returns the URL with its password (and any sentinel_password)
// replaced by "xxxxx", fit for logs and error messages. Text that does not
// parse as a URL is replaced entirely. Where an unencoded "@" makes the
// URL read two ways (a user-info password, or a query password holding
// the "@"), everything either reading would take for a password is hidden.
func Redact(raw string) string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok {
		return "(unparseable URL)"
	}
	hide := make([]bool, len(rest))
	mark := func(from, to int) {
		for i := from; i < to; i++ {
			hide[i] = true
		}
	}
	// The user info ends at the last "@", as split reads it.
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if colon := strings.Index(rest[:at], ":"); colon >= 0 {
			mark(colon+1, at)
		}
	}
	// A query option named like a password hides its value, up to the next
	// option or the fragment, whatever it holds ("@" included).
	for _, m := range queryPassword.FindAllStringIndex(rest, -1) {
		end := len(rest)
		if n := strings.IndexAny(rest[m[1]:], "&#"); n >= 0 {
			end = m[1] + n
		}
		mark(m[1], end)
	}
	var b strings.Builder
	b.WriteString(scheme + "://")
	for i := 0; i < len(rest); i++ {
		if !hide[i] {
			b.WriteByte(rest[i])
			continue
		}
		b.WriteString("xxxxx")
		for i+1 < len(rest) && hide[i+1] {
			i++
		}
	}
	return b.String()
}

// queryPassword finds a query option named like a password, up to its "=".
var queryPassword = regexp.MustCompile(`(?i)[?&][^=&#?]*password=`)
