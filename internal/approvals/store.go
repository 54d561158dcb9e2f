package approvals

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// DefaultLeaseTTL is how long the restore lease lives without renewal. The
// replica that wins an approval renews it while it submits; when the
// replica dies, the lease lapses and ReapExecuting closes the request.
const DefaultLeaseTTL = 20 * time.Second

// Store keeps requests in Redis. Every state change is one Lua script that
// checks and writes atomically, so several replicas can share one Redis.
//
// Layout, under the prefix (keep a {hash tag} in it for Redis Cluster):
// req:<id> is a hash of control fields that the scripts check and change
// (state, requester, param_hash, required, expires_at_ms, approvals, a:<user>,
// job_id, detail, decided_by, decided_at_ms, channel, message_ts, ...) plus
// doc, the request's JSON as created. doc is never rewritten: a Request is
// doc overlaid with the control fields, so the scripts need no JSON and no
// number ever passes through Lua arithmetic. audit:<id> is the request's
// audit stream; active, expiry, remind, executing and submitted are sorted
// sets indexing requests by state (reconcile: outcome_unknown requests still
// to be matched against GaussDB's job list); exec:<id> is the restore lease; freeze
// holds the freeze reason, and audit the global audit stream. The other keys
// (lease:, rate:, user:, durations:, policy, breakglass, ended, …) are
// described beside the methods that use them.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	now      func() time.Time
	owner    string
	leaseTTL time.Duration
	maxOpen  int
	sc       scripts
	// durability, when set, confirms writes before the bot acts on them.
	durability *Durability
}

// Option changes a Store's defaults.
type Option func(*Store)

// WithOwner sets the token this replica writes into the restore leases it
// takes (default: random per Store).
func WithOwner(token string) Option { return func(s *Store) { s.owner = token } }

// WithLeaseTTL sets how long a restore lease lives without renewal
// (default DefaultLeaseTTL).
func WithLeaseTTL(d time.Duration) Option { return func(s *Store) { s.leaseTTL = d } }

// WithMaxOpenPerUser limits how many requests one requester may have open
// (pending, executing or submitted) at once; Create refuses more with
// ReasonTooManyOpen. 0, the default, is no limit.
func WithMaxOpenPerUser(n int) Option { return func(s *Store) { s.maxOpen = max(n, 0) } }

// NewStore returns a store keeping its keys under prefix in rdb. Every time
// the store records or judges (creation, expiry, reminders, decisions) is
// Redis's own clock (TIME, read inside the scripts), so replicas whose
// clocks differ still agree. now only shifts that clock: the store adds
// now() - time.Now() to it, which is 0 for time.Now and lets tests move time
// forward with a settable clock.
func NewStore(rdb redis.UniversalClient, prefix string, now func() time.Time, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: prefix, now: now, owner: randomToken(), leaseTTL: DefaultLeaseTTL, sc: loadScripts()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Owner is the token of the restore leases this store takes.
func (s *Store) Owner() string { return s.owner }

// LeaseTTL is the restore lease's lifetime; renew well within it.
func (s *Store) LeaseTTL() time.Duration { return s.leaseTTL }

func (s *Store) requestKeys(id string) []string {
	p := s.prefix
	return []string{p + "req:" + id, p + "audit:" + id, p + "active", p + "expiry",
		p + "remind", p + "executing", p + "submitted", p + "exec:" + id, p + "freeze", p + "breakglass",
		p + "policy", p + "ended", p + "reconcile"}
}

// userKey is the index of one requester's requests.
func (s *Store) userKey(user string) string { return s.prefix + "user:" + user }

// IndexRetention is how long the ended and per-requester indexes keep an
// entry; the request itself is not deleted.
const IndexRetention = 30 * 24 * time.Hour

// offsetMS is how far the store's clock is from the real one, in ms: the
// scripts add it to Redis's TIME. Both are rounded up, so a script never
// runs before the store's now (a test that sets its clock to an expiry sees
// the request expired).
func (s *Store) offsetMS() string {
	return strconv.FormatInt(ceilMS(s.now().Sub(time.Now())), 10)
}

// ceilMS is d in whole milliseconds, rounded up.
func ceilMS(d time.Duration) int64 {
	ms := int64(d / time.Millisecond) // rounds towards zero: up for d < 0
	if d%time.Millisecond > 0 {
		ms++
	}
	return ms
}

// redisNow reads Redis's clock, shifted and rounded like the scripts' (see
// NewStore).
func (s *Store) redisNow(ctx context.Context) (time.Time, error) {
	offset := ceilMS(s.now().Sub(time.Now()))
	t, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return time.Time{}, fmt.Errorf("read redis time: %w", err)
	}
	return time.UnixMilli(ceilMS(time.Duration(t.UnixNano())) + offset), nil
}

// idAlphabet leaves out look-alikes (0/o, 1/l/i) so people can type IDs.
const (
	idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"
	idLen      = 6
)

func newID() string {
	b := make([]byte, 0, idLen)
	buf := make([]byte, 16)
	for len(b) < idLen {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("approvals: crypto/rand: %v", err)) // never fails on supported platforms
		}
		for _, x := range buf {
			// Reject the top of the byte range so every letter is equally likely.
			if x < byte(len(idAlphabet)*(256/len(idAlphabet))) && len(b) < idLen {
				b = append(b, idAlphabet[int(x)%len(idAlphabet)])
			}
		}
	}
	return string(b)
}

// NormalizeID lower-cases and trims a typed request ID and reports whether
// it can be an ID at all.
func NormalizeID(id string) (string, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) != idLen {
		return id, false
	}
	for _, c := range id {
		if !strings.ContainsRune(idAlphabet, c) {
			return id, false
		}
	}
	return id, true
}

func randomToken() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("approvals: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// Create stores a new pending request and returns it as stored. The caller
// sets the parameters, rule, requester, reason, channel and ExpiresAt; the
// store sets the ID, state, parameter hash and times. ExpiresAt only says
// how long the request lives (ExpiresAt - now): the stored expiry is that
// long after the creation by Redis's clock.
func (s *Store) Create(ctx context.Context, r Request) (Request, error) {
	now := s.now()
	ttl := r.ExpiresAt.Sub(now)
	switch {
	case r.Requester == "":
		return Request{}, errors.New("create request: requester is empty")
	case !r.ExpiresAt.After(now):
		return Request{}, fmt.Errorf("create request: expires_at %s is not after now", r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	r.State = StatePending
	r.ParamHash = r.Params.Hash()
	r.Approvals, r.DecidedBy, r.DecidedAt, r.JobID, r.Detail = nil, "", time.Time{}, "", ""
	for range 10 {
		r.ID = newID()
		doc, err := json.Marshal(r)
		if err != nil {
			return Request{}, fmt.Errorf("create request: encode: %w", err)
		}
		breakGlass := ""
		if r.BreakGlass != "" {
			breakGlass = "1"
		}
		keys := append(s.requestKeys(r.ID), s.userKey(r.Requester))
		res, err := s.runKeys(ctx, s.sc.create, keys, r.ID,
			string(doc), r.Requester, r.ParamHash, strconv.FormatInt(ceilMS(ttl), 10),
			strconv.Itoa(r.Rule.Required()), r.Channel, r.MessageTS, breakGlass,
			strconv.FormatInt(IndexRetention.Milliseconds(), 10), strconv.Itoa(s.maxOpen),
			r.Params.HoldTarget(), strings.Join(r.Params.NewTableNames(), "\n"))
		if err != nil {
			return Request{}, fmt.Errorf("create request: %w", err)
		}
		switch res.status {
		case "exists":
			continue
		case "frozen":
			return Request{}, &Refusal{Reason: ReasonFrozen}
		case "too_many_open":
			return Request{}, &Refusal{Reason: ReasonTooManyOpen, Limit: s.maxOpen, Open: strings.Split(res.extra, ",")}
		case "name_taken":
			by, name, _ := strings.Cut(res.extra, " ")
			return Request{}, &Refusal{Reason: ReasonNameTaken, HeldBy: by, Detail: name}
		}
		return decode(r.ID, res.fields)
	}
	return Request{}, errors.New("create request: no free id after 10 tries")
}

// Get returns the request with the given ID (matched case-insensitively),
// or a *Refusal with ReasonNotFound.
func (s *Store) Get(ctx context.Context, id string) (Request, error) {
	id, ok := NormalizeID(id)
	if !ok {
		return Request{}, &Refusal{Reason: ReasonNotFound}
	}
	fields, err := s.rdb.HGetAll(ctx, s.prefix+"req:"+id).Result()
	if err != nil {
		return Request{}, fmt.Errorf("get request %s: %w", id, err)
	}
	if len(fields) == 0 {
		return Request{}, &Refusal{Reason: ReasonNotFound}
	}
	return decode(id, fields)
}

// SetMessage records where the request's approval message was posted and
// returns the request as it stands: a fast approver may already have moved
// it on before the message was recorded.
func (s *Store) SetMessage(ctx context.Context, id, channel, ts string) (Request, error) {
	req, _, err := s.transition(ctx, "set message of", s.sc.message, id, channel, ts)
	return req, err
}

// result is a per-request script's reply.
type result struct {
	status, extra string
	fields        map[string]string
}

func (s *Store) run(ctx context.Context, sc *redisconn.Script, id string, args ...any) (result, error) {
	return s.runKeysOn(ctx, s.rdb, sc, s.requestKeys(id), id, args...)
}

// runKeys is run with the keys given: requestKeys(id), plus any the script
// takes after them.
func (s *Store) runKeys(ctx context.Context, sc *redisconn.Script, keys []string, id string, args ...any) (result, error) {
	return s.runKeysOn(ctx, s.rdb, sc, keys, id, args...)
}

// scriptAttempts bounds how often a script whose reply was lost is sent
// again (with the same operation token, so it acts once).
const scriptAttempts = 3

// runKeysOn is runKeys through c, with one operation token for every
// attempt: a reply lost to a timeout or a dropped connection is asked for
// again, and the script, finding its token, answers what its first run
// did instead of acting twice or refusing its own effect.
func (s *Store) runKeysOn(ctx context.Context, c redisconn.Processor, sc *redisconn.Script, keys []string, id string, args ...any) (result, error) {
	token := randomToken()
	var res result
	var err error
	for attempt := range scriptAttempts {
		if attempt > 0 && !pause(ctx, time.Duration(attempt)*100*time.Millisecond) {
			break
		}
		res, err = s.evalOp(ctx, c, sc, keys, id, token, args...)
		if !redisconn.Retryable(ctx, err) {
			break
		}
	}
	return res, err
}

// pause waits d, or less when ctx ends (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// evalOp runs a per-request script once, as operation token.
func (s *Store) evalOp(ctx context.Context, c redisconn.Processor, sc *redisconn.Script, keys []string, id, token string, args ...any) (result, error) {
	argv := append([]any{id, s.offsetMS() + ":" + token}, args...)
	v, err := sc.Run(ctx, c, keys, argv...).Slice()
	if err != nil {
		return result{}, err
	}
	if len(v) != 3 {
		return result{}, fmt.Errorf("script reply has %d elements, want 3", len(v))
	}
	var res result
	res.status, _ = v[0].(string)
	res.extra, _ = v[1].(string)
	flat, _ := v[2].([]any)
	res.fields = make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		val, _ := flat[i+1].(string)
		res.fields[k] = val
	}
	return res, nil
}

// transition runs a per-request script and turns its reply into the
// request as it now stands, or a *Refusal.
func (s *Store) transition(ctx context.Context, op string, sc *redisconn.Script, rawID string, args ...any) (Request, result, error) {
	return s.transitionDurable(ctx, op, sc, rawID, nil, args...)
}

// transitionDurable is transition through runDurable: when wait is not nil
// and says so for the script's result, the write is confirmed by the
// replicas (see Durability). An unconfirmed write returns the request as it
// stands on the primary with an error wrapping ErrNotDurable.
func (s *Store) transitionDurable(ctx context.Context, op string, sc *redisconn.Script, rawID string, wait func(result) bool, args ...any) (Request, result, error) {
	id, ok := NormalizeID(rawID)
	if !ok {
		return Request{}, result{}, &Refusal{Reason: ReasonNotFound}
	}
	var res result
	var err error
	if wait == nil {
		res, err = s.run(ctx, sc, id, args...)
	} else {
		res, err = s.runDurable(ctx, sc, id, wait, args...)
	}
	if errors.Is(err, ErrNotDurable) {
		req, derr := decode(id, res.fields)
		if derr != nil {
			return Request{}, res, fmt.Errorf("%s request %s: %w", op, id, errors.Join(err, derr))
		}
		return req, res, fmt.Errorf("%s request %s: %w", op, id, err)
	}
	if err != nil {
		return Request{}, result{}, fmt.Errorf("%s request %s: %w", op, id, err)
	}
	if res.status == string(ReasonNotFound) {
		return Request{}, res, &Refusal{Reason: ReasonNotFound}
	}
	req, err := decode(id, res.fields)
	if err != nil {
		return Request{}, res, fmt.Errorf("%s request %s: %w", op, id, err)
	}
	switch Reason(res.status) {
	case "ok", "already_noted", "stopped":
		return req, res, nil
	case ReasonNotPending, ReasonExpired, ReasonSelfApproval, ReasonAlreadyApproved,
		ReasonStale, ReasonNotRequester, ReasonFrozen, ReasonPolicyChanged, ReasonRuleFrozen, ReasonRecheck,
		ReasonSelfReview, ReasonNotEnded, ReasonNotBreakGlass, ReasonReviewed:
		return req, res, &Refusal{Reason: Reason(res.status), State: req.State, Request: req}
	}
	return req, res, fmt.Errorf("%s request %s: unexpected script status %q", op, id, res.status)
}

// decode builds a Request from its hash: the creation-time doc overlaid
// with the control fields, which are the truth for everything that changes.
func decode(id string, f map[string]string) (Request, error) {
	var r Request
	if err := json.Unmarshal([]byte(f["doc"]), &r); err != nil {
		return Request{}, fmt.Errorf("decode request %s: %w", id, err)
	}
	r.ID = id
	r.State = State(f["state"])
	r.Requester = f["requester"]
	r.ParamHash = f["param_hash"]
	r.Channel = f["channel"]
	r.MessageTS = f["message_ts"]
	r.DecidedBy = f["decided_by"]
	r.JobID = f["job_id"]
	r.Detail = f["detail"]
	r.CalledAt, _ = msTime(f["called_at_ms"])
	r.Progress = f["progress"]
	r.ProgressTS = f["progress_ts"]
	r.ReviewedBy, r.ReviewNote = f["reviewed_by"], f["review_note"]
	r.WaitingFor = f["waiting_for"]
	var err error
	times := []struct {
		field string
		dst   *time.Time
	}{
		{"created_at_ms", &r.CreatedAt}, {"expires_at_ms", &r.ExpiresAt},
		{"updated_at_ms", &r.UpdatedAt}, {"decided_at_ms", &r.DecidedAt},
		{"submitted_at_ms", &r.SubmittedAt}, {"reviewed_at_ms", &r.ReviewedAt},
		{"progress_at_ms", &r.ProgressAt},
	}
	for _, t := range times {
		if *t.dst, err = msTime(f[t.field]); err != nil {
			return Request{}, fmt.Errorf("decode request %s: %s: %w", id, t.field, err)
		}
	}
	if r.Approvals, err = decodeApprovals(f); err != nil {
		return Request{}, fmt.Errorf("decode request %s: %w", id, err)
	}
	return r, nil
}

// decodeApprovals reads the a:<user> fields, whose values are
// "<sequence>:<ms>", in the order the approvals were counted.
func decodeApprovals(f map[string]string) ([]Approval, error) {
	type seqApproval struct {
		seq int
		a   Approval
	}
	var list []seqApproval
	for k, v := range f {
		user, ok := strings.CutPrefix(k, "a:")
		if !ok {
			continue
		}
		seqStr, msStr, _ := strings.Cut(v, ":")
		seq, err := strconv.Atoi(seqStr)
		if err != nil {
			return nil, fmt.Errorf("approval by %s: bad sequence %q", user, seqStr)
		}
		at, err := msTime(msStr)
		if err != nil {
			return nil, fmt.Errorf("approval by %s: %w", user, err)
		}
		list = append(list, seqApproval{seq, Approval{User: user, At: at}})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]Approval, 0, len(list))
	for _, x := range list {
		out = append(out, x.a)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// msTime reads UNIX milliseconds; empty is the zero time.
func msTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad milliseconds %q", s)
	}
	return time.UnixMilli(ms).UTC(), nil
}
