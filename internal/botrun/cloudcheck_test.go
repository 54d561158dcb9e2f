package botrun

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/restore"
)

type listerFunc func() error

func (f listerFunc) FindInstances(context.Context, string) ([]restore.Instance, error) {
	return nil, f()
}

func TestCheckCloudSaysWhatToFix(t *testing.T) {
	cfg := config.Config{CloudProjectID: "p1", CloudRegion: "ap-southeast-1"}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"ok", nil, nil},
		{"401", &restore.APIError{Status: 401, Code: "APIGW.0301"}, []string{"HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID p1", "HUAWEICLOUD_REGION ap-southeast-1"}},
		{"403", &restore.APIError{Status: 403, Code: "APIGW.0302"}, []string{"may not read", "gaussdb:instance:list", "p1"}},
		{"404", &restore.APIError{Status: 404}, []string{"does not know project p1"}},
		{"500", &restore.APIError{Status: 500, Code: "DBS.200001"}, []string{"refused the start-up check", "DBS.200001"}},
		{"network", errors.New("dial tcp: connection refused"), []string{"could not reach GaussDB", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCloud(context.Background(), listerFunc(func() error { return tt.err }), cfg)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("check failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("check passed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
}
