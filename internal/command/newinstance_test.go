package command

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseNewInstance(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Command
	}{
		{"backup to a new instance", `source=orders-prod target=new backup=b1br07 reason="look at yesterday"`,
			Request{Source: "orders-prod", BackupID: "b1br07", Reason: "look at yesterday", NewInstance: true}},
		{"time, name, keep, ticket", `source=s target=NEW time="2026-11-26 09:30" reason=r name=orders-look keep=36h ticket=INC-1`,
			Request{Source: "s", Time: "2026-11-26 09:30", Reason: "r", Ticket: "INC-1", NewInstance: true, Name: "orders-look", Keep: 36 * time.Hour}},
		{"keep in days and hours", `source=s target=new backup=b reason=r keep=1d12h`,
			Request{Source: "s", BackupID: "b", Reason: "r", NewInstance: true, Keep: 36 * time.Hour}},
		{"keep in minutes", `source=s target=new backup=b reason=r keep=90m`,
			Request{Source: "s", BackupID: "b", Reason: "r", NewInstance: true, Keep: 90 * time.Minute}},
		{"instances", "instances", Instances{}},
		{"instances any case", "  INSTANCES ", Instances{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.text, diff)
			}
			if r, ok := got.(Request); ok {
				again, err := Parse(r.String())
				if err != nil || !cmp.Equal(got, again) {
					t.Errorf("round trip via %q = %#v, %v", r.String(), again, err)
				}
			}
		})
	}
}

func TestParseNewInstanceRefusals(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"name without target=new", `source=s backup=b reason=r name=x`, "name= and keep= only go with target=new"},
		{"keep with another target", `source=s target=t backup=b reason=r keep=2h`, "only go with target=new"},
		{"tables into a new instance", `source=s target=new tables=a.b time=1795685400000 reason=r`, "tables= cannot go with target=new"},
		{"both backup and time", `source=s target=new backup=b time=1795685400000 reason=r`, "give backup= or time=, not both"},
		{"no reason", `source=s target=new backup=b`, "missing reason="},
		{"no backup or time", `source=s target=new reason=r`, "missing backup= or time="},
		{"keep too short", `source=s target=new backup=b reason=r keep=30m`, "out of range"},
		{"keep too long", `source=s target=new backup=b reason=r keep=91d`, "not a lifetime"},
		{"keep seconds", `source=s target=new backup=b reason=r keep=3600s`, "not a lifetime"},
		{"keep word", `source=s target=new backup=b reason=r keep=forever`, "not a lifetime"},
		{"keep negative", `source=s target=new backup=b reason=r keep=-2h`, "not a lifetime"},
		{"name with a space", `source=s target=new backup=b reason=r name="a b"`, "must be one word"},
		{"instances with more", "instances mine", "instances takes nothing after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			var ue *UsageError
			if !errors.As(err, &ue) || got != nil {
				t.Fatalf("Parse(%q) = %#v, %v; want a *UsageError", tt.text, got, err)
			}
			if !strings.Contains(ue.Message, tt.want) || ue.Usage != Usage {
				t.Errorf("Parse(%q) message %q lacks %q", tt.text, ue.Message, tt.want)
			}
		})
	}
}
