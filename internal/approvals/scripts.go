package approvals

import (
	"embed"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

//go:embed lua/*.lua
var luaFS embed.FS

// scripts holds one Lua script per transition. Each runs atomically in
// Redis (EVALSHA, falling back to EVAL after a SCRIPT FLUSH or failover).
// The per-request scripts and freeze are never re-sent by go-redis itself
// (see redisconn.Script): the store retries a lost reply with the same
// operation token (see runKeysOn). The others are idempotent (a lease
// renewal, a policy heartbeat) or harmless twice (a rate take counted
// twice only slows), so go-redis's own retries are kept for them.
type scripts struct {
	create, message, approve, deny, cancel *redisconn.Script
	expire, finish, reap, remind           *redisconn.Script
	freeze, note, review, progress         *redisconn.Script
	precall, reconcile, withdraw           *redisconn.Script
	dispatch, confirm                      *redisconn.Script

	renew, leaseRenew, leaseRelease, rate *redis.Script
	policyClaim, policyRelease            *redis.Script
}

func loadScripts() scripts {
	lib := mustRead("lib")
	perRequest := func(name string) *redisconn.Script { return redisconn.NewScript(lib + mustRead(name)) }
	return scripts{
		create:  perRequest("create"),
		message: perRequest("message"),
		approve: perRequest("approve"),
		deny:    perRequest("deny"),
		cancel:  perRequest("cancel"),
		expire:  perRequest("expire"),
		finish:  perRequest("finish"),
		reap:    perRequest("reap"),
		remind:  perRequest("remind"),
		renew:   redis.NewScript(mustRead("renew")),
		freeze:  redisconn.NewScript(mustRead("freeze")),
		note:    perRequest("note"),
		review:  perRequest("review"),
		// progress is kept apart from note: it rewrites two fields on
		// every poll and adds no audit entry.
		progress: perRequest("progress"),

		precall:   perRequest("precall"),
		reconcile: perRequest("reconcile"),
		withdraw:  perRequest("withdraw"),
		dispatch:  perRequest("dispatch"),
		confirm:   perRequest("confirm"),

		leaseRenew:   redis.NewScript(mustRead("lease_renew")),
		leaseRelease: redis.NewScript(mustRead("lease_release")),
		rate:         redis.NewScript(mustRead("rate")),

		policyClaim:   redis.NewScript(mustRead("policy_claim")),
		policyRelease: redis.NewScript(mustRead("policy_release")),
	}
}

func mustRead(name string) string {
	b, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("approvals: embedded script %s: %v", name, err)) // a build defect
	}
	return string(b)
}
