package approvals_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

func TestParamHashCoversTables(t *testing.T) {
	base := approvals.Params{SourceID: "s", TargetID: "s", Type: approvals.TypeTables, RestoreTimeMs: 1795685400000,
		Tables: []approvals.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_r"}, {Database: "shop", OldName: "carts", NewName: "carts_r"}}}
	// A whole-instance restore hashes as it always has (stored requests stay valid).
	sum := sha256.Sum256([]byte("v1\na\nb\nbackup\nx\n0"))
	if got, want := (approvals.Params{SourceID: "a", TargetID: "b", Type: approvals.TypeBackup, BackupID: "x"}).Hash(), hex.EncodeToString(sum[:])[:16]; got != want {
		t.Errorf("backup restore hash %s, want %s as before table restores", got, want)
	}
	changes := map[string]func(p *approvals.Params){
		"new name":   func(p *approvals.Params) { p.Tables[0].NewName = "orders_s" },
		"old name":   func(p *approvals.Params) { p.Tables[1].OldName = "payments" },
		"database":   func(p *approvals.Params) { p.Tables[0].Database = "shop2" },
		"one fewer":  func(p *approvals.Params) { p.Tables = p.Tables[:1] },
		"order":      func(p *approvals.Params) { p.Tables[0], p.Tables[1] = p.Tables[1], p.Tables[0] },
		"time":       func(p *approvals.Params) { p.RestoreTimeMs++ },
		"split name": func(p *approvals.Params) { p.Tables[0].Database, p.Tables[0].OldName = "shop\x1forders", "" },
	}
	for name, change := range changes {
		p := base
		p.Tables = append([]approvals.TableRename(nil), base.Tables...)
		change(&p)
		if p.Hash() == base.Hash() {
			t.Errorf("%s: hash unchanged", name)
		}
	}
	live := base
	live.Tables = append([]approvals.TableRename(nil), base.Tables...)
	live.Tables[0].Live = true
	if live.Hash() != base.Hash() {
		t.Error("Live changed the hash; it is not sent to the API")
	}
	if base.Overwrite() {
		t.Error("a table restore reports Overwrite")
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []time.Duration
		want time.Duration
	}{{nil, 0}, {[]time.Duration{3}, 3}, {[]time.Duration{9, 1, 5}, 5}, {[]time.Duration{4, 1, 2, 9}, 3}} {
		if got := approvals.Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
