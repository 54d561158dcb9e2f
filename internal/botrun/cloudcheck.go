package botrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/restore"
)

// probeName is the instance name of the start-up check: one list call
// filtered on a name nobody uses, so it answers fast with nothing.
const probeName = "db-restore-startup-credential-check"

// checkTimeout bounds the start-up check.
const checkTimeout = 20 * time.Second

// instanceLister is the one read the start-up check makes.
type instanceLister interface {
	FindInstances(ctx context.Context, name string) ([]restore.Instance, error)
}

// checkCloud makes one cheap read call (list instances, filtered by a name
// that matches nothing) to prove the AK/SK, the project, the region or
// endpoint and the read permission before the bot says it is ready. A
// refusal stops the bot with what to fix.
func checkCloud(ctx context.Context, c instanceLister, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	_, err := c.FindInstances(ctx, probeName)
	if err == nil {
		return nil
	}
	where := "HUAWEICLOUD_REGION " + cfg.CloudRegion
	if cfg.CloudEndpoint != "" {
		where = "GAUSSDB_ENDPOINT " + cfg.CloudEndpoint
	}
	var api *restore.APIError
	switch {
	case errors.As(err, &api) && api.Status == 401:
		return fmt.Errorf("GaussDB refused the credentials (%v): check HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK (an active access key pair of the IAM user) and that HUAWEICLOUD_SDK_PROJECT_ID %s is the project of %s (IAM console → My Credentials → Projects)",
			err, cfg.CloudProjectID, where)
	case errors.As(err, &api) && api.Status == 403:
		return fmt.Errorf("the access key may not read GaussDB instances (%v): grant its IAM user the read actions listed in the README (IAM actions), at least gaussdb:instance:list, in project %s", err, cfg.CloudProjectID)
	case errors.As(err, &api) && api.Status == 404:
		return fmt.Errorf("GaussDB at %s does not know project %s (%v): check HUAWEICLOUD_SDK_PROJECT_ID and the region", where, cfg.CloudProjectID, err)
	case errors.As(err, &api):
		return fmt.Errorf("GaussDB at %s refused the start-up check (list instances): %w", where, err)
	}
	return fmt.Errorf("could not reach GaussDB at %s for the start-up check (list instances): %w; check the region or endpoint and the network path", where, err)
}
