package gaussdbtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestNewServerOutsideTests(t *testing.T) {
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Options(); got.AK != "test-ak" || got.SK != "test-sk" || got.ProjectID == "" || got.Now == nil {
		t.Errorf("options without defaults: %+v", got)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q is not on loopback", s.URL)
	}
	resp, err := http.Get(s.URL + "/v3/" + s.Options().ProjectID + "/instances")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned request: %s, want 401", resp.Status)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests recorded, want 1", n)
	}

	s.Close()
	s.Close() // a second Close does nothing
	if resp, err := http.Get(s.URL + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("server still answers after Close: %s", resp.Status)
	}
}
