package redisconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ownOptions are the URL options the bot handles itself (see ParseURL).
type ownOptions struct {
	caFile, serverName string
	reload             time.Duration
}

// takeOwnOptions removes the bot's own options from the URL's query and
// checks them against the scheme.
func takeOwnOptions(p *parts) (ownOptions, error) {
	var o ownOptions
	q := p.query
	tlsOn := strings.HasPrefix(p.scheme, "rediss")
	o.caFile, o.serverName = q.Get("tls_ca_file"), q.Get("tls_server_name")
	for _, name := range []string{"tls_ca_file", "tls_server_name"} {
		if q.Has(name) && !tlsOn {
			return o, fmt.Errorf("option %s needs TLS: use a rediss scheme", name)
		}
		q.Del(name)
	}
	if v := q.Get("cluster_state_reload_interval"); q.Has("cluster_state_reload_interval") {
		if !strings.HasSuffix(p.scheme, "+cluster") {
			return o, errors.New("option cluster_state_reload_interval is for redis+cluster:// URLs")
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return o, errors.New("option cluster_state_reload_interval must be a duration of at least 100ms, such as 1s")
		}
		o.reload = d
		q.Del("cluster_state_reload_interval")
	}
	return o, nil
}

// apply sets the bot's own options on the parsed client options.
func (own ownOptions) apply(o Options) (Options, error) {
	if o.Mode == ModeCluster {
		o.Cluster.ClusterStateReloadInterval = DefaultClusterReload
		if own.reload > 0 {
			o.Cluster.ClusterStateReloadInterval = own.reload
		}
	}
	if own.caFile == "" && own.serverName == "" {
		return o, nil
	}
	cfg := o.tlsConfig()
	if cfg == nil {
		return o, errors.New("TLS options given without TLS")
	}
	if own.serverName != "" {
		cfg.ServerName = own.serverName
	}
	if own.caFile != "" {
		pem, err := os.ReadFile(own.caFile)
		if err != nil {
			return o, fmt.Errorf("option tls_ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return o, fmt.Errorf("option tls_ca_file: %s holds no PEM certificate", own.caFile)
		}
		cfg.RootCAs = pool
	}
	return o, nil
}

// tlsConfig is the TLS configuration of whichever form o is, or nil.
func (o Options) tlsConfig() *tls.Config {
	switch o.Mode {
	case ModeSentinel:
		return o.Failover.TLSConfig
	case ModeCluster:
		return o.Cluster.TLSConfig
	default:
		return o.Single.TLSConfig
	}
}
