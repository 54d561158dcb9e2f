package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// Detail is everything about an instance that a copy of it needs, and how
// to reach it.
type Detail struct {
	Live
	Region, Mode, FlavorRef     string
	AZMode, MasterAZ            string
	VpcID, SubnetID, SecGroupID string
	TimeZone, ConfigurationID   string
	BackupWindow                string
	EnterpriseProjectID         string
	ReadReplicas                int
}

// InstanceDetail reads one instance's details (ShowGaussMySqlInstanceInfo):
// network, zone, flavor (of its master node), parameter template, address.
func (c *Client) InstanceDetail(ctx context.Context, id string) (Detail, error) {
	d, err := c.showInstance(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	return fromFullDetail(d), nil
}

func fromFullDetail(d model.MysqlInstanceInfoDetail) Detail {
	out := Detail{
		Live: Live{Instance: fromDetail(d), PrivateIPs: deref(d.PrivateWriteIps), Port: deref(d.Port),
			Created: parseAPITime(deref(d.Created))},
		Mode: deref(d.Type), AZMode: deref(d.AzMode), MasterAZ: deref(d.MasterAzCode),
		VpcID: deref(d.VpcId), SubnetID: deref(d.SubnetId), SecGroupID: deref(d.SecurityGroupId),
		TimeZone: deref(d.TimeZone), ConfigurationID: deref(d.ConfigurationId),
		EnterpriseProjectID: deref(d.EnterpriseProjectId),
	}
	if d.BackupStrategy != nil {
		out.BackupWindow = d.BackupStrategy.StartTime
	}
	for _, n := range deref(d.Nodes) {
		if out.Region == "" {
			out.Region = deref(n.RegionCode)
		}
		if strings.EqualFold(deref(n.Type), "master") {
			out.FlavorRef = deref(n.FlavorRef)
			if out.MasterAZ == "" {
				out.MasterAZ = deref(n.AzCode)
			}
		} else {
			out.ReadReplicas++
		}
	}
	return out
}

// InstancesTagged returns the instances carrying the tag key=value (the
// API filters; the answer is checked again here, exactly).
func (c *Client) InstancesTagged(ctx context.Context, key, value string) ([]Live, error) {
	if err := checkTag(key, value); err != nil {
		return nil, fmt.Errorf("instances tagged: %w", err)
	}
	var out []Live
	for page := 0; page < maxPages; page++ {
		items, total, err := c.listPage(ctx, &model.ListGaussMySqlInstancesRequest{
			XLanguage: ptr(language), DatastoreType: ptr(DatastoreType), Tags: ptr(key + "=" + value),
			Offset: ptr(int32(page * pageSize)), Limit: ptr(int32(pageSize)),
		})
		if err != nil {
			return nil, fmt.Errorf("instances tagged %s=%s: %w", key, value, err)
		}
		for _, it := range items {
			l := Live{Instance: fromListItem(it), PrivateIPs: deref(it.PrivateIps), Port: deref(it.Port),
				Created: parseAPITime(deref(it.Created))}
			if l.Tags[key] == value {
				out = append(out, l)
			}
		}
		if len(items) == 0 || (page+1)*pageSize >= total {
			return out, nil
		}
	}
	return nil, fmt.Errorf("instances tagged %s=%s: more than %d pages", key, value, maxPages)
}

// ErrNotOwned is wrapped by the refusal to delete an instance that the bot
// did not create for the request asking.
var ErrNotOwned = errors.New("not an instance this bot created for the request")

// CheckOwned is the check before every deletion: the instance the cloud
// shows has the ID the request's record holds, and its tags say the bot
// created it for that request. Anything else is refused with ErrNotOwned.
func CheckOwned(l Live, recordedID, requestID string) error {
	switch {
	case recordedID == "" || l.ID != recordedID:
		return fmt.Errorf("instance %s does not match the recorded instance %q: %w", l.ID, recordedID, ErrNotOwned)
	case l.Tags[TagCreatedBy] != CreatedByBot:
		return fmt.Errorf("instance %s has %s=%q, not %q: %w", l.ID, TagCreatedBy, l.Tags[TagCreatedBy], CreatedByBot, ErrNotOwned)
	case requestID == "" || l.Tags[TagRequest] != requestID:
		return fmt.Errorf("instance %s has %s=%q, not %q: %w", l.ID, TagRequest, l.Tags[TagRequest], requestID, ErrNotOwned)
	}
	return nil
}
