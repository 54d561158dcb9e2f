package redisconn

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// summary is the part of parsed options a reader checks.
type summary struct {
	Mode           Mode
	Addrs          []string
	User, Password string
	SentinelUser   string
	SentinelPass   string
	Master         string
	DB             int
	TLS            bool
	DialTimeout    time.Duration
}

func summarize(o Options) summary {
	switch o.Mode {
	case ModeSentinel:
		f := o.Failover
		return summary{Mode: o.Mode, Addrs: f.SentinelAddrs, User: f.Username, Password: f.Password,
			SentinelUser: f.SentinelUsername, SentinelPass: f.SentinelPassword, Master: f.MasterName,
			DB: f.DB, TLS: f.TLSConfig != nil, DialTimeout: f.DialTimeout}
	case ModeCluster:
		c := o.Cluster
		return summary{Mode: o.Mode, Addrs: c.Addrs, User: c.Username, Password: c.Password,
			TLS: c.TLSConfig != nil, DialTimeout: c.DialTimeout}
	default:
		s := o.Single
		return summary{Mode: o.Mode, Addrs: []string{s.Addr}, User: s.Username, Password: s.Password,
			DB: s.DB, TLS: s.TLSConfig != nil, DialTimeout: s.DialTimeout}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want summary
	}{
		{"plain", "redis://127.0.0.1:6379/0",
			summary{Mode: ModeSingle, Addrs: []string{"127.0.0.1:6379"}}},
		{"default port and db", "redis://cache.internal/3",
			summary{Mode: ModeSingle, Addrs: []string{"cache.internal:6379"}, DB: 3}},
		{"password only", "redis://:s3cret@h:6380",
			summary{Mode: ModeSingle, Addrs: []string{"h:6380"}, Password: "s3cret"}},
		{"user and encoded password", "rediss://bot:p%40ss%2Fw%3Ard@h:6380/1?dial_timeout=3s",
			summary{Mode: ModeSingle, Addrs: []string{"h:6380"}, User: "bot", Password: "p@ss/w:rd", DB: 1, TLS: true, DialTimeout: 3 * time.Second}},
		{"unencoded @ in password", "redis://:p@ss@h",
			summary{Mode: ModeSingle, Addrs: []string{"h:6379"}, Password: "p@ss"}},
		{"ipv6", "redis://[::1]:6379",
			summary{Mode: ModeSingle, Addrs: []string{"[::1]:6379"}}},
		{"ipv6 no port", "redis://[::1]",
			summary{Mode: ModeSingle, Addrs: []string{"[::1]:6379"}}},
		{"sentinel path form", "redis+sentinel://:pw@s1:26379,s2,s3:26380/mymaster/2",
			summary{Mode: ModeSentinel, Addrs: []string{"s1:26379", "s2:26379", "s3:26380"}, Password: "pw", Master: "mymaster", DB: 2}},
		{"sentinel query form", "rediss+sentinel://s1?master_name=m&db=4&sentinel_password=sp&sentinel_username=su",
			summary{Mode: ModeSentinel, Addrs: []string{"s1:26379"}, Master: "m", DB: 4, TLS: true, SentinelUser: "su", SentinelPass: "sp"}},
		{"cluster", "redis+cluster://u:pw@n1:7000,n2:7001,n3?read_timeout=2s",
			summary{Mode: ModeCluster, Addrs: []string{"n1:7000", "n2:7001", "n3:6379"}, User: "u", Password: "pw"}},
		{"cluster tls", "rediss+cluster://n1:7000",
			summary{Mode: ModeCluster, Addrs: []string{"n1:7000"}, TLS: true}},
		{"scheme is case-insensitive", "REDIS://h",
			summary{Mode: ModeSingle, Addrs: []string{"h:6379"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.raw, err)
			}
			if diff := cmp.Diff(tt.want, summarize(o)); diff != "" {
				t.Errorf("ParseURL(%q) (-want +got):\n%s", tt.raw, diff)
			}
			if o.Mode == ModeCluster && o.Cluster.TLSConfig != nil && o.Cluster.TLSConfig.MinVersion == 0 {
				t.Errorf("cluster TLS has no minimum version")
			}
			if c := o.NewClient(); c == nil {
				t.Errorf("NewClient returned nil")
			} else {
				_ = c.Close()
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantErr string
	}{
		{"empty", "", "not a URL"},
		{"no scheme", "localhost:6379", "not a URL"},
		{"wrong scheme", "http://:pw@h", `unsupported scheme "http"`},
		{"two hosts single", "redis://:pw@a,b", "several hosts"},
		{"bad port", "redis://:pw@h:99999", `invalid port in host "h:99999"`},
		{"port not a number", "redis://:pw@h:abc", `invalid port in host "h:abc"`},
		{"bad db", "redis://:pw@h/x", "invalid database number"},
		{"deep path", "redis://:pw@h/1/2", "invalid path"},
		{"unknown option", "redis://:pw@h?colour=blue", "unexpected option: colour"},
		{"bad duration", "redis://:pw@h?dial_timeout=soon", "invalid dial_timeout duration"},
		{"bad escape in password", "redis://:p%zzw@h", "invalid percent-encoding in the password"},
		{"sentinel no hosts", "redis+sentinel://:pw@/m", "no Sentinel hosts"},
		{"sentinel no master", "redis+sentinel://:pw@s1", "primary's name is missing"},
		{"sentinel master twice", "redis+sentinel://s1/m?master_name=n", "given twice"},
		{"sentinel db twice", "redis+sentinel://s1/m/1?db=2", "given twice"},
		{"sentinel deep path", "redis+sentinel://s1/m/1/2", "invalid path"},
		{"sentinel password option", "redis+sentinel://s1/m?password=pw", `unexpected option "password"`},
		{"sentinel empty host", "redis+sentinel://s1,,s2/m", "empty host"},
		{"cluster db", "redis+cluster://:pw@n1/0", "no database number"},
		{"cluster addr option", "redis+cluster://n1?addr=n2:1", `unexpected option "addr"`},
		{"cluster no hosts", "redis+cluster://", "no cluster hosts"},
		{"bad query", "redis://h?a=%zz", "invalid query string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseURL(tt.raw)
			if err == nil {
				t.Fatalf("ParseURL(%q) = nil error, want one containing %q", tt.raw, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseURL(%q) error = %q, want it to contain %q", tt.raw, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("ParseURL(%q) error %q echoes the password", tt.raw, err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"redis://h:6379/0", "redis://h:6379/0"},
		{"redis://:s3cret@h:6379/0", "redis://:xxxxx@h:6379/0"},
		{"rediss://bot:s3/cr?et@h/1?dial_timeout=1", "rediss://bot:xxxxx@h/1?dial_timeout=1"},
		{"redis+sentinel://s1,s2/m?sentinel_password=sp&db=1", "redis+sentinel://s1,s2/m?sentinel_password=xxxxx&db=1"},
		{"redis://bot@h", "redis://bot@h"},
		// An unencoded "@" in a query password reads two ways; whatever
		// either reading takes for a password is hidden (the host's port
		// too, when the first ":" could start a user-info password).
		{"redis+sentinel://s1:26379,s2/m?sentinel_password=se@cret&db=1", "redis+sentinel://s1:xxxxx&db=1"},
		{"redis+sentinel://s1,s2/m?sentinel_password=se@cret&db=1", "redis+sentinel://s1,s2/m?sentinel_password=xxxxx&db=1"},
		{"redis+sentinel://s1/m?db=1&sentinel_password=se@cr@et#x", "redis+sentinel://s1/m?db=1&sentinel_password=xxxxx#x"},
		{"redis://:pw?password=zz@h/0", "redis://:xxxxx"},
		{"garbage", "(unparseable URL)"},
	}
	for _, tt := range tests {
		if got := Redact(tt.raw); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// FuzzParseURL checks that no input panics the parser and that neither an
// error nor the redacted form ever shows the password.
func FuzzParseURL(f *testing.F) {
	f.Add("secret", "h:6379/0")
	f.Add("se/cr?et#x", "h1,h2/m/1?db=2")
	f.Add("x", "[::1]:70000/")
	f.Fuzz(func(t *testing.T, pwTail, rest string) {
		pw := "Pw~" + pwTail
		if strings.Contains(pw, "@") || strings.Contains(rest, "Pw~") {
			t.Skip()
		}
		for _, scheme := range []string{"redis", "redis+sentinel", "redis+cluster"} {
			raw := scheme + "://:" + pw + "@" + rest
			if _, err := ParseURL(raw); err != nil && strings.Contains(err.Error(), pw) {
				t.Errorf("ParseURL(%q) error %q shows the password", raw, err)
			}
			if got := Redact(raw); strings.Contains(got, pw) {
				t.Errorf("Redact(%q) = %q shows the password", raw, got)
			}
		}
	})
}

// TestUnencodedAtInAQueryPassword: the parser refuses a URL whose "@"
// follows a password option, without showing any of it.
func TestUnencodedAtInAQueryPassword(t *testing.T) {
	raw := "redis+sentinel://s1,s2/m?sentinel_password=se@cr,et:1"
	_, err := ParseURL(raw)
	if err == nil || !strings.Contains(err.Error(), "%40") {
		t.Fatalf("ParseURL(%q) = %v; want a refusal asking for %%40", raw, err)
	}
	for _, part := range []string{"se", "cr", "et"} {
		if strings.Contains(err.Error(), part+",") || strings.Contains(err.Error(), "@"+part) {
			t.Errorf("the error %q shows part of the password", err)
		}
	}
}
