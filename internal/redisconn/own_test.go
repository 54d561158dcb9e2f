package redisconn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCA writes a fresh self-signed CA certificate as PEM and returns its
// path and subject.
func writeCA(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "private test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, cert
}

func TestPrivateCA(t *testing.T) {
	ca, cert := writeCA(t)
	for _, raw := range []string{
		"rediss://h:6380/0?tls_ca_file=" + ca + "&tls_server_name=redis.internal",
		"rediss+sentinel://s1/m?tls_ca_file=" + ca + "&tls_server_name=redis.internal",
		"rediss+cluster://n1:7000,n2:7001?tls_ca_file=" + ca + "&tls_server_name=redis.internal",
	} {
		o, err := ParseURL(raw)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", raw, err)
		}
		cfg := o.tlsConfig()
		if cfg == nil || cfg.RootCAs == nil || cfg.ServerName != "redis.internal" {
			t.Fatalf("%s: TLS config %+v; want the CA and the server name", o.Mode, cfg)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: cfg.RootCAs}); err != nil {
			t.Errorf("%s: the private CA is not trusted: %v", o.Mode, err)
		}
	}
}

func TestOwnOptionErrors(t *testing.T) {
	ca, _ := writeCA(t)
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o600)
	for raw, want := range map[string]string{
		"redis://h?tls_ca_file=" + ca:                        "needs TLS",
		"redis+cluster://h?tls_server_name=x":                "needs TLS",
		"rediss://h?tls_ca_file=/does/not/exist.pem":         "tls_ca_file",
		"rediss://h?tls_ca_file=" + notPEM:                   "no PEM certificate",
		"redis://h?cluster_state_reload_interval=1s":         "for redis+cluster",
		"redis+cluster://h?cluster_state_reload_interval=1":  "at least 100ms",
		"redis+cluster://h?cluster_state_reload_interval=1m": "",
	} {
		_, err := ParseURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("ParseURL(%q): %v", raw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("ParseURL(%q) = %v; want an error containing %q", raw, err, want)
		}
	}
}

func TestClusterReloadsOften(t *testing.T) {
	o, err := ParseURL("redis+cluster://n1:7000")
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Cluster.ClusterStateReloadInterval; got != DefaultClusterReload {
		t.Errorf("reload interval %s, want %s", got, DefaultClusterReload)
	}
	o, _ = ParseURL("redis+cluster://n1:7000?cluster_state_reload_interval=250ms")
	if got := o.Cluster.ClusterStateReloadInterval; got != 250*time.Millisecond {
		t.Errorf("reload interval %s, want 250ms", got)
	}
}
