package restore

import (
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"
)

// apiTimeLayouts are the layouts the API uses for times: "±hhmm" offsets
// (backups, jobs), with "Z" and RFC 3339 accepted in case a field differs.
var apiTimeLayouts = []string{
	"2006-01-02T15:04:05Z0700",
	time.RFC3339,
	"2006-01-02T15:04:05",
}

// parseAPITime reads a time from the API; empty or unreadable gives zero.
func parseAPITime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, l := range apiTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func fromDetail(d model.MysqlInstanceInfoDetail) Instance {
	in := Instance{ID: d.Id, Name: d.Name, Status: deref(d.Status)}
	if d.Datastore != nil {
		in.DatastoreType, in.DatastoreVersion = d.Datastore.Type, d.Datastore.Version
	}
	for _, t := range deref(d.Tags) {
		in.Tags = addTag(in.Tags, t.Key, t.Value)
	}
	return in
}

func fromListItem(d model.MysqlInstanceListInfo) Instance {
	in := Instance{ID: d.Id, Name: d.Name, Status: deref(d.Status)}
	if d.Datastore != nil {
		in.DatastoreType, in.DatastoreVersion = d.Datastore.Type, d.Datastore.Version
	}
	for _, t := range deref(d.Tags) {
		in.Tags = addTag(in.Tags, t.Key, t.Value)
	}
	return in
}

func addTag(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = make(map[string]string)
	}
	m[k] = v
	return m
}

func fromBackups(b model.Backups) Backup {
	return Backup{
		ID:            deref(b.Id),
		Name:          deref(b.Name),
		InstanceID:    deref(b.InstanceId),
		Status:        deref(b.Status),
		Type:          deref(b.Type),
		Begin:         parseAPITime(deref(b.BeginTime)),
		End:           parseAPITime(deref(b.EndTime)),
		SizeMB:        deref(b.Size),
		TakeUpMinutes: int(deref(b.TakeUpTime)),
	}
}

func fromTask(t model.TaskDetailInfo) Job {
	return Job{
		ID:         deref(t.JobId),
		Name:       deref(t.JobName),
		Status:     deref(t.Status),
		Progress:   deref(t.Process),
		FailReason: deref(t.FailReason),
		InstanceID: deref(t.InstanceId),
		Created:    parseAPITime(deref(t.CreatedTime)),
		Ended:      parseAPITime(deref(t.EndedTime)),
	}
}

func fromJob(j model.GetJobInfoDetail) Job {
	return Job{
		ID:         j.Id,
		Name:       j.Name,
		Status:     j.Status.Value(),
		Progress:   deref(j.Process),
		FailReason: deref(j.FailReason),
		Created:    parseAPITime(j.Created),
		Ended:      parseAPITime(deref(j.Ended)),
	}
}
