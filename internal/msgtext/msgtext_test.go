package msgtext

import "testing"

func TestEscNeverPings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@U123>", "&lt;@U123&gt;"},
		{"a & b", "a &amp; b"},
		{"plain-job-id", "plain-job-id"},
	}
	for _, tt := range tests {
		if got := Esc(tt.in); got != tt.want {
			t.Errorf("Esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInstanceEscapesNameAndID(t *testing.T) {
	if got, want := Instance("<!here>", "id<"), "*&lt;!here&gt;* (`id&lt;`)"; got != want {
		t.Errorf("Instance = %q, want %q", got, want)
	}
}
