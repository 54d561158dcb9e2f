package command

import (
	"strings"
	"testing"
)

func TestParseDrills(t *testing.T) {
	tests := []struct {
		text string
		want Command
		err  string
	}{
		{text: "drills", want: Drills{}},
		{text: "  DRILLS ", want: Drills{}},
		{text: "drill orders-weekly now", want: DrillNow{Name: "orders-weekly"}},
		{text: "drill orders-weekly NOW", want: DrillNow{Name: "orders-weekly"}},
		{text: "drills all", err: "drills takes nothing after it"},
		{text: "drill orders-weekly", err: "drill takes a drill's name and now"},
		{text: "drill now", err: "drill takes a drill's name and now"},
		{text: "drill a later", err: "drill takes a drill's name and now"},
		{text: "drill name=x now", err: "drill takes a drill's name and now"},
		{text: `drill "<!channel>" now`, err: "is not a drill name"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) = %v, %v; want an error with %q", tt.text, got, err, tt.err)
			}
		case err != nil || got != tt.want:
			t.Errorf("Parse(%q) = %#v, %v; want %#v", tt.text, got, err, tt.want)
		}
	}
	if !strings.Contains(Usage, "/db-restore drill NAME now") {
		t.Error("Usage does not mention drill NAME now")
	}
}
