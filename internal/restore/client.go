package restore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	gaussdb "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/region"
)

// DefaultTimeout bounds each cloud call when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// defaultUserAgent is sent when Options.UserAgent is empty. Setting one also
// stops the SDK from writing ~/.huaweicloud/application_id.
const defaultUserAgent = "db-restore"

// language asks the API for English error messages.
const language = "en-us"

// Options configure a Client. AK, SK and ProjectID are required: the client
// never falls back to the SDK's credential chain (environment, profile file,
// ECS metadata) and never asks IAM for a project ID.
type Options struct {
	AK, SK    string
	ProjectID string
	// Region picks the endpoint from the SDK's region table (e.g.
	// "cn-north-4") when Endpoint is empty.
	Region string
	// Endpoint overrides Region, e.g. "https://gaussdb.example" or a test
	// server's URL.
	Endpoint string
	// Timeout bounds every call on top of its context (DefaultTimeout if zero).
	Timeout   time.Duration
	UserAgent string
}

// Client reads GaussDB(for MySQL) state and submits restores through the
// official SDK. It is safe for concurrent use. Every method takes a context
// and is bounded by it and by Options.Timeout.
type Client struct {
	cred      *basic.Credentials
	endpoint  string
	timeout   time.Duration
	userAgent string
	transport *http.Transport // shared by every call, so connections are reused
}

// NewClient checks the options and prepares a client. It makes no network
// call.
func NewClient(o Options) (*Client, error) {
	var missing []string
	if o.AK == "" {
		missing = append(missing, "AK")
	}
	if o.SK == "" {
		missing = append(missing, "SK")
	}
	if o.ProjectID == "" {
		missing = append(missing, "ProjectID")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("gaussdb client: missing %s", strings.Join(missing, ", "))
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		if o.Region == "" {
			return nil, errors.New("gaussdb client: missing Region or Endpoint")
		}
		r, err := region.SafeValueOf(o.Region)
		if err != nil || r == nil || len(r.Endpoints) == 0 {
			return nil, fmt.Errorf("gaussdb client: unknown region %q", o.Region)
		}
		endpoint = r.Endpoints[0]
	}
	cred, err := basic.NewCredentialsBuilder().
		WithAk(o.AK).WithSk(o.SK).WithProjectId(o.ProjectID).SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("gaussdb client: credentials: %w", err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ua := o.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	c := &Client{
		cred:      cred,
		endpoint:  endpoint,
		timeout:   timeout,
		userAgent: ua,
		transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
	// Build once now so a bad endpoint or credential fails at start-up
	// rather than on the first restore.
	if _, err := c.sdk(context.Background(), nil); err != nil {
		return nil, err
	}
	return c, nil
}

// Endpoint is the URL the client talks to.
func (c *Client) Endpoint() string { return c.endpoint }

// call runs fn with an SDK client whose every request is bound to ctx and the
// client's timeout.
func (c *Client) call(ctx context.Context, fn func(*gaussdb.GaussDBClient) error) error {
	return c.callTracked(ctx, nil, fn)
}

// callTracked is call that also records in sent whether a request reached the
// HTTP transport, i.e. whether anything may have gone out on the wire.
func (c *Client) callTracked(ctx context.Context, sent *atomic.Bool, fn func(*gaussdb.GaussDBClient) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	sdk, err := c.sdk(ctx, sent)
	if err != nil {
		return err
	}
	return fn(sdk)
}

// sdk builds a cheap per-call SDK client: with the project ID set and an
// explicit endpoint, SafeBuild neither reads the environment nor calls IAM.
// The SDK has no context support, so the round tripper carries ctx.
func (c *Client) sdk(ctx context.Context, sent *atomic.Bool) (*gaussdb.GaussDBClient, error) {
	cfg := config.DefaultHttpConfig().
		WithTimeout(c.timeout).
		WithUserAgent(c.userAgent).
		WithHttpRoundTripper(ctxTransport{base: c.transport, ctx: ctx, sent: sent})
	hc, err := gaussdb.GaussDBClientBuilder().
		WithEndpoints([]string{c.endpoint}). // a fresh slice: SafeBuild rewrites it
		WithCredential(c.cred).
		WithHttpConfig(cfg).
		SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("gaussdb client: %w", err)
	}
	return gaussdb.NewGaussDBClient(hc), nil
}

// ctxTransport sends every request with its own context instead of the
// context.Background the SDK builds requests on.
type ctxTransport struct {
	base http.RoundTripper
	ctx  context.Context
	sent *atomic.Bool // optional
}

// RoundTrip implements http.RoundTripper.
func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.sent != nil {
		t.sent.Store(true)
	}
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
